import Link from "next/link";

import { Button } from "~/components/form";
import { Alert } from "~/components/ui";
import { formErrorMessage } from "~/lib/errors";
import { carriedNext, searchParam, withNext, type SearchParams } from "~/lib/navigation";

import {
  SECOND_STEP_INTRO,
  SecondFactorFields,
  type SecondFactorMethod,
} from "../second-factor-fields";

/** The form endpoint of the second step (packages/api/src/http/forms.ts, FORM_SECOND_FACTOR_PATH). */
const SECOND_FACTOR_FORM_PATH = "/api/auth/second-factor";

/** Where this page sends the other method: a link, so switching needs no JavaScript. */
function switchLink(method: SecondFactorMethod, next: string | undefined): string {
  const query = new URLSearchParams();
  if (method === "totp") query.set("method", "recovery");
  if (next) query.set("next", next);
  const search = query.toString();
  return search ? `/login/second-factor?${search}` : "/login/second-factor";
}

/**
 * The sign-in's second step without JavaScript: the form endpoint sent the browser here with
 * the challenge in an HttpOnly cookie (never in the URL); this form posts the code back. Also
 * where a sign-in submitted before hydration lands; the plain post works there too.
 */
export default async function SecondFactorPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const method: SecondFactorMethod =
    searchParam(params.method) === "recovery" ? "recovery_code" : "totp";
  const next = carriedNext(searchParam(params.next));
  const failed = formErrorMessage(
    "second-factor",
    searchParam(params.error),
    searchParam(params.retry),
  );
  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1>Two-step verification</h1>
        <p className="muted">{SECOND_STEP_INTRO[method]}</p>
        <form
          method="post"
          action={SECOND_FACTOR_FORM_PATH}
          className="form"
          aria-label="Verify it's you"
        >
          {failed ? (
            <Alert kind="error" formError>
              {failed}
            </Alert>
          ) : null}
          <input type="hidden" name="next" value={next ?? ""} />
          <SecondFactorFields method={method} errors={{}} />
          <Button type="submit" className="btn-block">
            Verify
          </Button>
        </form>
        <p className="small second-step-links">
          <Link href={switchLink(method, next)}>
            {method === "totp" ? "Use a recovery code" : "Use your authenticator app"}
          </Link>
          <Link href={withNext("/login", next)}>Start over</Link>
        </p>
      </div>
    </div>
  );
}
