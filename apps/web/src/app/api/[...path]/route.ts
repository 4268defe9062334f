import { handleApiRequest } from "~/server/api-handler";

/** Every /api path (tRPC, OAuth) under `next start`; the custom server answers them itself. */
export const dynamic = "force-dynamic";

export { handleApiRequest as GET, handleApiRequest as HEAD, handleApiRequest as POST };
