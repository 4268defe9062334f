import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** apps/web. */
export const WEB = join(dirname(fileURLToPath(import.meta.url)), "..");
