"use client";

import "./globals.css";

/**
 * Replaces Next's built-in fallback, whose inline styles the CSP (style-src 'self') would block.
 * Shown only when the root layout itself fails.
 */
export default function GlobalError({
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <html lang="en">
      <body>
        <main className="main">
          <div className="page">
            <div className="empty-state" role="alert">
              <h1>Something went wrong</h1>
              <p className="muted">The page could not be shown. Please try again.</p>
              <button type="button" className="btn btn-secondary" onClick={reset}>
                Try again
              </button>
            </div>
          </div>
        </main>
      </body>
    </html>
  );
}
