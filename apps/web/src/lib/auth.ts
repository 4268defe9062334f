"use client";

import { useSyncExternalStore } from "react";

import { createAuthClient, type AuthClient, type AuthState } from "@authkit/client";

/**
 * One token manager per page, created on first use in the browser only: server rendering must
 * never hold a user's token (it would be shared by every request of the process).
 */
let client: AuthClient | undefined;

export function getAuthClient(): AuthClient {
  if (typeof window === "undefined") throw new Error("The auth client lives in the browser only");
  client ??= createAuthClient({ url: "/api/trpc" });
  return client;
}

const LOADING: AuthState = { status: "loading", user: null, reason: null };

const subscribe = (onChange: () => void) => getAuthClient().subscribe(onChange);
const getSnapshot = () => getAuthClient().getState();
const getServerSnapshot = () => LOADING;

/** The signed-in user, or why there is none. Renders "loading" on the server and at hydration. */
export function useAuth(): AuthState {
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}

/** The link's view of the token manager, resolved lazily so nothing is created during SSR. */
export const lazyTokens = {
  getAccessToken: () => getAuthClient().getAccessToken(),
  afterUnauthorized: (sentToken: string) => getAuthClient().afterUnauthorized(sentToken),
};
