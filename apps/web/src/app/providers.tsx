"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { TRPCClient } from "@trpc/client";
import { useEffect, useRef, useState, type ReactNode } from "react";

import type { AppRouter } from "@authkit/api";
import { authLinks, createSessionEvents, type SessionEvents } from "@authkit/client";

import { getAuthClient, lazyTokens, useAuth } from "~/lib/auth";
import { shouldRetry } from "~/lib/errors";
import { trpc } from "~/lib/trpc";

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
  // The app's one token manager (lib/auth.ts) authenticates every call through its links.
  const [trpcClient] = useState(() =>
    trpc.createClient({ links: authLinks({ tokens: lazyTokens, url: "/api/trpc" }) }),
  );
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <SessionKeeper queryClient={queryClient} trpcClient={trpcClient} />
        {children}
      </QueryClientProvider>
    </trpc.Provider>
  );
}

/**
 * Restores the session once per page load, drops cached data when the user changes, and keeps
 * the live `session.events` stream open while signed in (one per browser, see @authkit/client):
 * a session revoked anywhere signs this browser out at once, with the reason for /login to show.
 */
function SessionKeeper({
  queryClient,
  trpcClient,
}: {
  queryClient: QueryClient;
  trpcClient: TRPCClient<AppRouter>;
}) {
  const auth = useAuth();
  const userId = auth.user?.id ?? null;
  const role = auth.user?.role ?? null;
  const last = useRef<{ userId: string | null; role: string | null }>({ userId: null, role: null });

  useEffect(() => {
    void getAuthClient().start();
  }, []);

  useEffect(() => {
    const root = document.documentElement;
    // Read by onStatus, which may run before createSessionEvents has returned.
    const current: { events?: SessionEvents } = {};
    // Server-sent events or a WebSocket: whichever the server's ticket answer names (its
    // LIVE_TRANSPORT setting), so switching needs a restart, not a rebuild.
    current.events = createSessionEvents({
      tokens: getAuthClient(),
      client: trpcClient,
      // Whether this tab holds a live stream (`live`), waits for one, or another tab holds it
      // (`standby`), and over which transport: for devtools and the end-to-end tests.
      onStatus: (status) => {
        root.dataset.sessionEvents = status;
        const transport = current.events?.transport;
        if (status === "live" && transport) root.dataset.sessionTransport = transport;
      },
    });
    const { events } = current;
    return () => {
      events.stop();
      delete root.dataset.sessionEvents;
      delete root.dataset.sessionTransport;
    };
  }, [trpcClient]);

  useEffect(() => {
    // Signed out, or another account signed in (in this tab or another): nothing cached for the
    // previous user may be shown again.
    const previous = last.current;
    if (previous.userId !== null && previous.userId !== userId) queryClient.clear();
    // Same user, new role (an admin changed it; the token was refreshed): what pages show may
    // depend on the role, so it is asked again.
    else if (userId !== null && previous.userId === userId && previous.role !== role)
      void queryClient.invalidateQueries();
    last.current = { userId, role };
  }, [userId, role, queryClient]);

  return null;
}
