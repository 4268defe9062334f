/** The passkeys' part of the `Auth` contract (../auth.ts), bound to the core. */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

import type { AuthenticationMethod } from "../access-token";
import type { Core } from "../core";
import type { LoginResult } from "../sessions/start-session";
import type { Identity, RequestMeta } from "../types";
import {
  reauthenticationOptions,
  secondFactorOptions,
  signInOptions,
} from "./authentication-options";
import { listPasskeys, removePasskey, renamePasskey } from "./manage-passkeys";
import { completeLoginWithPasskey, passkeyReauthentication } from "./passkey-second-factor";
import type { PasskeyView } from "./passkey-view";
import {
  passkeyRegistrationOptions,
  registerPasskey,
  type RegisteredPasskey,
} from "./register-passkey";
import { signInWithPasskey } from "./sign-in-with-passkey";

export interface AuthPasskeys {
  registrationOptions(
    identity: Identity,
    meta?: RequestMeta,
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  register(
    identity: Identity,
    input: { response: RegistrationResponseJSON; name?: string | undefined },
    meta?: RequestMeta,
  ): Promise<RegisteredPasskey>;
  list(identity: Identity): Promise<PasskeyView[]>;
  rename(identity: Identity, input: { id: string; name: string }): Promise<PasskeyView>;
  remove(identity: Identity, id: string, meta?: RequestMeta): Promise<void>;
  /** Options for a passwordless sign-in, or (with a login challenge) for its second step. */
  authenticationOptions(
    loginChallenge: string | undefined,
    meta?: RequestMeta,
  ): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** A passwordless sign-in, or (with a login challenge) its second step: a session. */
  authenticate(
    input: { response: AuthenticationResponseJSON; challenge?: string | undefined },
    meta?: RequestMeta,
  ): Promise<{ session: LoginResult; email: string }>;
  reauthenticationOptions(
    identity: Identity,
    meta?: RequestMeta,
  ): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The methods a passkey assertion proves for a re-authentication, or null. */
  reauthenticate(
    identity: Identity,
    response: AuthenticationResponseJSON,
    meta?: RequestMeta,
  ): Promise<AuthenticationMethod[] | null>;
}

export function bindPasskeys(core: Core): AuthPasskeys {
  return {
    registrationOptions: (identity, meta = {}) => passkeyRegistrationOptions(core, identity, meta),
    register: (identity, input, meta = {}) => registerPasskey(core, identity, input, meta),
    list: (identity) => listPasskeys(core, identity),
    rename: (identity, input) => renamePasskey(core, identity, input),
    remove: (identity, id, meta = {}) => removePasskey(core, identity, id, meta),
    authenticationOptions: (loginChallenge, meta = {}) =>
      loginChallenge === undefined
        ? signInOptions(core, meta)
        : secondFactorOptions(core, loginChallenge, meta),
    authenticate: async ({ response, challenge }, meta = {}) => {
      if (challenge === undefined) return signInWithPasskey(core, response, meta);
      const session = await completeLoginWithPasskey(core, challenge, response, meta);
      return { session, email: session.user.email };
    },
    reauthenticationOptions: (identity, meta = {}) => reauthenticationOptions(core, identity, meta),
    reauthenticate: (identity, response, meta = {}) =>
      passkeyReauthentication(core, identity, response, meta),
  };
}
