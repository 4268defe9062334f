"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";

import { getAuthClient, useAuth } from "~/lib/auth";

import { Icon } from "./icon";

const NAV = [
  { href: "/", label: "Account" },
  { href: "/sessions", label: "Sessions" },
  { href: "/security", label: "Security" },
  { href: "/admin", label: "Admin", adminOnly: true },
] as const;

export function SiteHeader() {
  const auth = useAuth();
  const pathname = usePathname();
  const [signingOut, setSigningOut] = useState(false);
  const [signOutFailed, setSignOutFailed] = useState(false);

  async function signOut() {
    setSigningOut(true);
    setSignOutFailed(false);
    try {
      // Every tab (this one included) hears "signed out" and its guard moves it to /login.
      await getAuthClient().logout();
    } catch {
      setSignOutFailed(true);
    } finally {
      setSigningOut(false);
    }
  }

  const user = auth.status === "signedIn" ? auth.user : null;
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link href="/" className="brand" aria-label="Authkit home">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="lock" size={18} strokeWidth={2.2} />
          </span>
          Authkit
        </Link>
        {user ? (
          <>
            <nav aria-label="Main" className="main-nav">
              {NAV.filter((item) => !("adminOnly" in item) || user.role === "admin").map((item) => (
                <Link
                  key={item.href}
                  href={item.href}
                  className="nav-link"
                  aria-current={pathname === item.href ? "page" : undefined}
                >
                  {item.label}
                </Link>
              ))}
            </nav>
            <div className="header-user">
              <span className="header-email" title={user.email}>
                {user.email}
              </span>
              <button
                type="button"
                className="btn btn-secondary btn-small"
                onClick={() => void signOut()}
                disabled={signingOut}
              >
                {signingOut ? "Signing out…" : "Sign out"}
              </button>
            </div>
          </>
        ) : null}
      </div>
      {signOutFailed ? (
        <p className="header-error" role="alert">
          Couldn&apos;t reach the server to sign out. Please try again.
        </p>
      ) : null}
    </header>
  );
}
