import { searchParam, type SearchParams } from "~/lib/navigation";

import { ResetPasswordForm } from "./reset-password-form";

/** The link in the reset mail: `/reset-password?token=…`. */
export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <ResetPasswordForm
      token={searchParam(params.token) ?? ""}
      error={searchParam(params.error)}
      retry={searchParam(params.retry)}
    />
  );
}
