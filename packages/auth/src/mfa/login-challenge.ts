/**
 * The second step of a sign-in, as data: created by the first step when the account has a
 * second factor, redeemed once by the second. Only its SHA-256 is stored.
 */
import { now, type Core } from "../core";
import { orUnavailable } from "../errors";
import { sha256 } from "../random";
import type { ProvenPassword } from "../sessions/prove-password";
import type { RequestMeta } from "../types";
import type { SecondFactorMethod } from "./second-factor-methods";

/** How long the second step may take. */
export const LOGIN_CHALLENGE_TTL_SECONDS = 300;
/** Wrong second steps a challenge survives; the next one ends it (sign in again). */
export const MAX_LOGIN_CHALLENGE_FAILURES = 5;
const CHALLENGE_BYTES = 32;
/** base64url of 32 bytes is 43 characters: anything much longer is not ours. */
export const MAX_LOGIN_CHALLENGE_LENGTH = 64;

/** What the client gets instead of a session: the challenge and the ways to answer it. */
export interface LoginChallenge {
  /** Opaque, single use; never logged. */
  token: string;
  expiresIn: number;
  methods: SecondFactorMethod[];
}

/** The client a challenge is bound to: whoever started it must finish it. */
export const clientFingerprint = (meta: RequestMeta) => sha256(`ua:${meta.userAgent ?? ""}`);

/** Stores a new challenge for an account whose password was just proven. */
export async function createLoginChallenge(
  deps: Pick<Core, "db" | "clock" | "random">,
  proven: ProvenPassword,
  methods: SecondFactorMethod[],
  meta: RequestMeta,
): Promise<LoginChallenge> {
  const token = deps.random.token(CHALLENGE_BYTES);
  const at = now(deps);
  await orUnavailable(() =>
    deps.db.prisma.loginChallenge.create({
      data: {
        tokenHash: sha256(token),
        userId: proven.user.id,
        passwordFingerprint: sha256(proven.passwordHash),
        amr: proven.amr,
        clientFingerprint: clientFingerprint(meta),
        deviceId: proven.deviceId,
        createdAt: at,
        expiresAt: new Date(at.getTime() + LOGIN_CHALLENGE_TTL_SECONDS * 1000),
      },
      select: { tokenHash: true },
    }),
  );
  return { token, expiresIn: LOGIN_CHALLENGE_TTL_SECONDS, methods };
}
