import { handleApi } from "~/server/api";

/**
 * Every /api path for hosts that run only Next (`pnpm start:next`, serverless) and for
 * `pnpm dev` (where Next's compiler reloads edited routers). Under `pnpm start` the custom
 * server answers /api before Next sees it.
 */
export const dynamic = "force-dynamic";

export { handleApi as GET, handleApi as HEAD, handleApi as POST };
