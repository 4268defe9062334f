import { hostname, networkInterfaces } from "node:os";

import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

import { loadConfig } from "@authkit/config";

/**
 * Content Security Policy for every page.
 *
 * Scripts: this origin's files plus inline scripts, because Next's static pages carry their
 * hydration data in inline `<script>` tags whose content changes per build. Nonces would need a
 * proxy (middleware) on every request, API calls included, and dynamic rendering of every page.
 * Everything else is closed: no inline styles, no plugins, no framing, no foreign connections,
 * no <base> or form hijacking.
 */
function contentSecurityPolicy(dev: boolean): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // Development only: React's dev build uses eval for error overlays.
    "script-src": ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
    // Stylesheets only: the app sets no inline styles (React's `style` props go through the
    // CSSOM, which CSP does not restrict). Development injects <style> tags for hot reload.
    "style-src": ["'self'", ...(dev ? ["'unsafe-inline'"] : [])],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    // Development only: the hot-reload socket.
    "connect-src": ["'self'", ...(dev ? ["ws:", "wss:"] : [])],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "frame-src": ["'none'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

export function securityHeaders(dev = false) {
  return [
    { key: "Content-Security-Policy", value: contentSecurityPolicy(dev) },
    // `same-origin`, not `no-referrer`: with no-referrer the browser sends `Origin: null` on
    // same-origin POSTs, and the API's same-origin check (refresh, logout) would refuse them.
    { key: "Referrer-Policy", value: "same-origin" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
    { key: "Cross-Origin-Resource-Policy", value: "same-origin" },
    {
      key: "Permissions-Policy",
      value: "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    },
    // Ignored by browsers on plain http (localhost); pins https once deployed behind TLS.
    { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
  ];
}

/**
 * The hosts a browser may load `pnpm dev` from: this machine's names and addresses (so
 * http://127.0.0.1:PORT and http://<LAN address>:PORT work) and APP_URL's host. Next blocks
 * its dev resources and hot-reload socket for any other Origin, and that stays: trusting
 * whatever Host a request names would let a DNS-rebinding page drive the dev server.
 */
function devOrigins(appUrl: string): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .flatMap((info) => (info ? [info.family === "IPv6" ? `[${info.address}]` : info.address] : []));
  return [...new Set([new URL(appUrl).hostname, hostname(), ...addresses])];
}

export default function config(phase: string): NextConfig {
  const dev = phase === PHASE_DEVELOPMENT_SERVER;
  return {
    reactStrictMode: true,
    poweredByHeader: false,
    // Next's own request log (development) prints whole URLs, query included: a live stream's
    // `?input={"ticket":…}`, a reset link's `?token=…`. The server's access log already has one
    // line per request with its path only (packages/api/src/http/log.ts), so Next's is off, in
    // every mode: no log line holds a ticket or a token (e2e/dev.spec.ts checks it).
    logging: { incomingRequests: false, fetches: { fullUrl: false } },
    // Read only in development: a production build need not have the runtime's variables.
    ...(dev
      ? {
          allowedDevOrigins: devOrigins(
            // Only APP_URL is read here; the server itself checks (or generates) the key.
            loadConfig(process.env, { warn: () => undefined, needsSigningKey: false }).appUrl,
          ),
        }
      : {}),
    transpilePackages: [
      "@authkit/api",
      "@authkit/auth",
      "@authkit/client",
      "@authkit/config",
      "@authkit/db",
      "@authkit/password-strength",
    ],
    serverExternalPackages: [
      "argon2",
      "@electric-sql/pglite",
      "pglite-prisma-adapter",
      "@prisma/client",
      "@prisma/adapter-pg",
      "@prisma/schema-engine-wasm",
      "pg",
    ],
    // Type errors are caught by `pnpm typecheck`; the build does not repeat that work.
    typescript: { ignoreBuildErrors: true },
    headers: () => Promise.resolve([{ source: "/:path*", headers: securityHeaders(dev) }]),
  };
}
