import { searchParam, type SearchParams } from "~/lib/navigation";

import { VerifyEmail } from "./verify-email";

/** The link in the verification mail: `/verify-email?token=…`. */
export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <VerifyEmail
      token={searchParam(params.token) ?? ""}
      verified={searchParam(params.verified) === "1"}
      error={searchParam(params.error)}
    />
  );
}
