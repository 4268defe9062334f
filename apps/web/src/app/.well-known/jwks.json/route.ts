import { handleApiRequest } from "~/server/api-handler";

/**
 * The public verification keys (RFC 7517) under `next start`. Rendered per request (the keys
 * come from the runtime environment); the response says `Cache-Control: public, max-age=300`
 * with an ETag, so verifiers and CDNs cache it.
 */
export const dynamic = "force-dynamic";

export { handleApiRequest as GET, handleApiRequest as HEAD };
