import { carriedNext, searchParam, type SearchParams } from "~/lib/navigation";

import { RegisterForm } from "./register-form";

/** Rendered on the server with its query, like the sign-in page (see there). */
export default async function RegisterPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <RegisterForm
      next={carriedNext(searchParam(params.next))}
      error={searchParam(params.error)}
      retry={searchParam(params.retry)}
    />
  );
}
