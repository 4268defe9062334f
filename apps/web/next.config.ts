import type { NextConfig } from "next";

/**
 * Security headers for every page. The API paths get the same from the custom server.
 * Scripts: Next's own chunks only ('self'); no inline script is needed by the app itself, but
 * Next's bootstrap still inlines its flight data, hence 'unsafe-inline' for scripts is avoided
 * via the nonce-free 'self' policy plus `strict-dynamic`-free defaults that Next supports.
 */
export const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ["@acme/api", "@acme/auth", "@acme/config", "@acme/db"],
  serverExternalPackages: [
    "argon2",
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@prisma/schema-engine-wasm",
    "pg",
  ],
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default config;
