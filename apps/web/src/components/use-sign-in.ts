"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

import { getAuthClient, useAuth } from "~/lib/auth";
import { safeNextPath } from "~/lib/navigation";
import { trpc } from "~/lib/trpc";

/**
 * The sign-in and registration pages leave for `next` as soon as this browser is signed in:
 * by their own form, in another tab, or already by the cookie (checked after hydration).
 * Returns whether they are leaving.
 */
export function useLeaveWhenSignedIn(next: string | undefined): boolean {
  const auth = useAuth();
  const router = useRouter();
  useEffect(() => {
    if (auth.status === "signedIn") router.replace(safeNextPath(next, window.location.origin));
  }, [auth.status, next, router]);
  return auth.status === "signedIn";
}

/**
 * `auth.login`, handing a new session to the app's one token manager. An account with a second
 * factor answers a challenge instead (`mfaRequired`): the caller takes it to the second step.
 */
export function useLogin() {
  return trpc.auth.login.useMutation({
    onSuccess: (result) => {
      if (!result.mfaRequired) getAuthClient().signedIn(result);
    },
  });
}
