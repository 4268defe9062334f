"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";

import { getAuthClient, useAuth } from "~/lib/auth";

const NAV = [
  { href: "/", label: "Account" },
  { href: "/sessions", label: "Sessions" },
  { href: "/admin", label: "Admin", adminOnly: true },
] as const;

export function SiteHeader() {
  const auth = useAuth();
  const pathname = usePathname();
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutFailed, setLogoutFailed] = useState(false);

  async function logout() {
    setLoggingOut(true);
    setLogoutFailed(false);
    try {
      // Every tab (this one included) hears "signed out" and its guard moves it to /login.
      await getAuthClient().logout();
    } catch {
      setLogoutFailed(true);
    } finally {
      setLoggingOut(false);
    }
  }

  const user = auth.status === "signedIn" ? auth.user : null;
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link href="/" className="brand" aria-label="Authkit home">
          <span className="brand-mark" aria-hidden="true">
            <svg
              viewBox="0 0 24 24"
              width="18"
              height="18"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.2"
              strokeLinecap="round"
              strokeLinejoin="round"
            >
              <rect x="4" y="10" width="16" height="11" rx="2.5" />
              <path d="M8 10V7a4 4 0 0 1 8 0v3" />
            </svg>
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
                onClick={() => void logout()}
                disabled={loggingOut}
              >
                {loggingOut ? "Logging out…" : "Log out"}
              </button>
            </div>
          </>
        ) : null}
      </div>
      {logoutFailed ? (
        <p className="header-error" role="alert">
          Couldn&apos;t reach the server to log out. Please try again.
        </p>
      ) : null}
    </header>
  );
}
