import { normalizedPathname } from "../http/normalize-target";
import { isApiTarget, TRPC_PATH } from "../http/routes";
import { appRouter } from "../root";

/**
 * The `route` label of a request: the tRPC procedure (`auth.login`; `batch` for several at
 * once), the API path (`/api/auth/token`), or `page` for everything Next serves. Only names
 * the router and the API define: whatever else a client sends is `unknown`, so the series
 * count stays fixed.
 */
const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

export function routeLabel(target: string, apiPaths: ReadonlySet<string>): string {
  // As routed: `/api/./auth/token` is counted as `/api/auth/token`.
  const pathname = normalizedPathname(target) ?? "";
  if (pathname.startsWith(`${TRPC_PATH}/`)) {
    const names = pathname.slice(TRPC_PATH.length + 1).split(",");
    if (!names.every((name) => PROCEDURES.has(name))) return "unknown";
    return names.length === 1 ? names[0]! : "batch";
  }
  if (apiPaths.has(pathname)) return pathname;
  return isApiTarget(target) ? "unknown" : "page";
}
