import { searchParam, type SearchParams } from "~/lib/navigation";

import { ForgotPasswordForm } from "./forgot-password-form";

/** Rendered on the server with its query, like the sign-in page: it works without JavaScript. */
export default async function ForgotPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <ForgotPasswordForm
      sent={searchParam(params.sent) === "1"}
      error={searchParam(params.error)}
      retry={searchParam(params.retry)}
    />
  );
}
