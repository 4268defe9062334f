"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, type ReactNode } from "react";

import type { AuthUser } from "@authkit/client";

import { useAuth } from "~/lib/auth";
import { withNext } from "~/lib/navigation";

import { PageLoading } from "./ui";

/**
 * Client-side guard for signed-in pages (no middleware: it would run on every API call too).
 * Signed-out visitors go to /login?next=<this page>; after a deliberate sign-out, to plain /login.
 */
export function RequireAuth({ children }: { children: (user: AuthUser) => ReactNode }) {
  const auth = useAuth();
  const router = useRouter();
  const pathname = usePathname();

  // A session revoked elsewhere must leave this page at once, even when the server is slow to
  // answer: /login is fetched ahead, so the way out needs no round trip.
  useEffect(() => {
    router.prefetch("/login");
  }, [router]);

  useEffect(() => {
    if (auth.status !== "signedOut") return;
    const here = `${pathname}${window.location.search}`;
    router.replace(auth.reason === "logout" ? "/login" : withNext("/login", here));
  }, [auth.status, auth.reason, pathname, router]);

  if (auth.status !== "signedIn") {
    return (
      <>
        <PageLoading
          label={auth.status === "loading" ? "Checking your session…" : "Redirecting to sign in…"}
        />
        {/* The access token lives in the page's memory: account pages need JavaScript. */}
        <noscript>
          <p className="noscript">This page needs JavaScript to show your account.</p>
        </noscript>
      </>
    );
  }
  return children(auth.user);
}
