import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";

import { RouteFocus } from "~/components/route-focus";
import { SiteHeader } from "~/components/site-header";

import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Authkit", template: "%s · Authkit" },
  description: "Sign in, stay signed in, sign out.",
  // Account pages have nothing for search engines.
  robots: { index: false, follow: false },
};
export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#4f46e5" },
    { media: "(prefers-color-scheme: dark)", color: "#1e1b4b" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <Providers>
          <SiteHeader />
          <RouteFocus />
          <main id="main" className="main" tabIndex={-1}>
            {children}
          </main>
        </Providers>
      </body>
    </html>
  );
}
