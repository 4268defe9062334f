"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient } from "@trpc/client";
import { useEffect, useRef, useState, type ReactNode } from "react";

import type { AppRouter } from "@acme/api";
import { authLinks } from "@acme/client";

import { getAuthClient, lazyTokens, useAuth } from "~/lib/auth";
import { shouldRetry } from "~/lib/errors";
import { TRPCProvider } from "~/lib/trpc";

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // No refetch on focus: a session-check per focus event is the storm users complain about.
        refetchOnWindowFocus: false,
        retry: shouldRetry,
      },
      mutations: { retry: false },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: authLinks({ tokens: lazyTokens, url: "/api/trpc" }) }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <SessionKeeper queryClient={queryClient} />
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** Restores the session once per page load and drops cached data when the user changes. */
function SessionKeeper({ queryClient }: { queryClient: QueryClient }) {
  const auth = useAuth();
  const userId = auth.user?.id ?? null;
  const lastUserId = useRef<string | null>(null);

  useEffect(() => {
    void getAuthClient().start();
  }, []);

  useEffect(() => {
    // Signed out, or another account signed in (in this tab or another): nothing cached for the
    // previous user may be shown again.
    if (lastUserId.current !== null && lastUserId.current !== userId) queryClient.clear();
    lastUserId.current = userId;
  }, [userId, queryClient]);

  return null;
}
