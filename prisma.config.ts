// Used by the Prisma CLI (`prisma generate`, and `prisma migrate deploy` where the native engine
// is available). The app itself migrates through packages/db's WebAssembly engine.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    // eslint-disable-next-line no-restricted-properties -- the CLI's own entry point
    url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused",
  },
});
