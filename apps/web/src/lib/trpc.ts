"use client";

import { createTRPCReact } from "@trpc/react-query";

import type { AppRouter } from "@authkit/api";

/** The typed hooks: `trpc.user.me.useQuery()`, `trpc.auth.login.useMutation()`, `trpc.useUtils()`. */
export const trpc = createTRPCReact<AppRouter>();
