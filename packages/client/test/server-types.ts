/**
 * Compile-time only (`pnpm typecheck` checks it; nothing here runs): the client's plain wire
 * types (src/types.ts) are exactly what the router says. The browser code never imports
 * `AppRouter`, whose type pulls the whole server into a program; the tests may, and this file is
 * where a change on either side stops the build instead of drifting silently.
 */
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { expectTypeOf } from "vitest";

import type { AppRouter } from "@authkit/api";

import type { SessionEventsClient } from "../src/session-events";
import type {
  AuthProfile,
  LoginAnswer,
  Session,
  SessionEndCause,
  SessionEvent,
} from "../src/types";

type Outputs = inferRouterOutputs<AppRouter>;
type Inputs = inferRouterInputs<AppRouter>;
type Streamed<T> = T extends AsyncIterable<infer U, unknown, unknown> ? U : never;

// What the transport and `signedIn` receive.
expectTypeOf<Session>().toEqualTypeOf<Outputs["auth"]["refresh"]>();
expectTypeOf<LoginAnswer>().toEqualTypeOf<Outputs["auth"]["login"]>();
expectTypeOf<AuthProfile>().toEqualTypeOf<Outputs["user"]["me"]>();

// What the live stream yields, and every cause it can name.
expectTypeOf<SessionEvent>().toEqualTypeOf<Streamed<Outputs["session"]["events"]>>();
expectTypeOf<SessionEndCause>().toEqualTypeOf<
  Extract<Streamed<Outputs["session"]["events"]>, { type: "revoked" }>["reason"]
>();

// The paths the untyped transport calls take no input.
expectTypeOf<Inputs["auth"]["refresh"]>().toEqualTypeOf<void>();
expectTypeOf<Inputs["auth"]["logout"]>().toEqualTypeOf<void>();

// The slice of the client `createSessionEvents` takes: its ticket answer and stream input.
expectTypeOf<Outputs["auth"]["ticket"]>().toExtend<
  Awaited<ReturnType<SessionEventsClient["auth"]["ticket"]["mutate"]>>
>();
expectTypeOf<Inputs["session"]["events"]>().toEqualTypeOf<
  Parameters<SessionEventsClient["session"]["events"]["subscribe"]>[0]
>();
