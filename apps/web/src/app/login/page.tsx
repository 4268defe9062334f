import { carriedNext, searchParam, type SearchParams } from "~/lib/navigation";

import { LoginForm } from "./login-form";

/**
 * Rendered on the server with its query, so the form is in the HTML: it works at first paint,
 * before hydration, and without JavaScript (a plain POST to /api/auth/login).
 */
export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <LoginForm
      next={carriedNext(searchParam(params.next))}
      error={searchParam(params.error)}
      retry={searchParam(params.retry)}
      registered={searchParam(params.registered) === "1"}
      passwordReset={searchParam(params.reset) === "1"}
    />
  );
}
