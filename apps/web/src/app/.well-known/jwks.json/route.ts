import { handleApi } from "~/server/api";

/**
 * The public verification keys (RFC 7517) for hosts that run only Next, through the same
 * handler as /api. Rendered per request (never at build time: the keys come from the runtime
 * environment); the response says `Cache-Control: public, max-age=300` with an ETag.
 */
export const dynamic = "force-dynamic";

export { handleApi as GET, handleApi as HEAD };
