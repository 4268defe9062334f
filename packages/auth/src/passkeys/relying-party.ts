import type { Core } from "../core";

/** What every ceremony checks the browser's answer against (the WEBAUTHN_* settings). */
export type RelyingPartyDeps = { settings: Pick<Core["settings"], "webauthn"> };

/** simplewebauthn's expectations of an answer: one of our origins and our RP ID. */
export const expectations = ({ settings }: RelyingPartyDeps) => ({
  expectedOrigin: settings.webauthn.origins,
  expectedRPID: settings.webauthn.rpId,
});
