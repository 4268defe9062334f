import type { Prisma } from "./generated/prisma/client";

/**
 * The only shape of a user that leaves the database for a response. Declared once so a password
 * hash can never be selected by accident.
 */
export const publicUserSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
} satisfies Prisma.UserSelect;

/**
 * What login needs: the public fields plus the hash, the token version, the credential epoch
 * (for the device cookie), whether it is disabled and whether its email is verified.
 */
export const credentialUserSelect = {
  ...publicUserSelect,
  passwordHash: true,
  tokenVersion: true,
  credentialEpoch: true,
  disabledAt: true,
  emailVerifiedAt: true,
} satisfies Prisma.UserSelect;

/**
 * The public user as a plain interface, not a Prisma payload type: it is what every API response
 * (and so the router's inferred output types) carries, and a browser build should see four
 * fields, not the generated client. `publicUserSelect` must select exactly this shape.
 */
export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
  role: "user" | "admin";
}

type SelectedPublicUser = Prisma.UserGetPayload<{ select: typeof publicUserSelect }>;
/** True only when the two types are identical (assignable both ways is not enough for optionals). */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Fails to compile when the schema or the select drifts from `PublicUser`.
const _publicUserMatchesSelect: Equal<PublicUser, SelectedPublicUser> = true;
