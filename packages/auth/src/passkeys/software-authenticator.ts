/**
 * A WebAuthn authenticator in software, for tests: real P-256 keys (node:crypto), real
 * `none` attestations and real assertions, checked by the server's real verifier. It can be
 * told to lie (another origin or RP ID, a counter that went back, no user verification), which
 * is what the tests of those refusals need. Never a mocked verifier.
 */
import {
  createHash,
  createSign,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";

import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

import { encodeCbor } from "./cbor";

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

interface StoredCredential {
  id: Buffer;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  counter: number;
}

export interface AuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string;
  /** A synced passkey: backup eligible and backed up, its counter always 0. */
  synced?: boolean;
  /** Whether it verifies the user (a PIN, a fingerprint). */
  userVerification?: boolean;
}

/** What a test may change about one ceremony, to see the server refuse it. */
export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  /** The sign counter to report (a cloned key's, say). */
  counter?: number;
  userVerified?: boolean;
  /** Which stored credential answers (by base64url id); default: the first allowed one. */
  credentialId?: string;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const b64url = (data: Buffer | Uint8Array) => Buffer.from(data).toString("base64url");

export class SoftwareAuthenticator {
  readonly credentials: StoredCredential[] = [];
  readonly aaguid = Buffer.alloc(16);

  constructor(readonly options: AuthenticatorOptions) {}

  /** `navigator.credentials.create()`: a new key pair and its `none` attestation. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    const rpId = overrides.rpId ?? options.rp.id ?? new URL(this.options.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = encodeCbor(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x ?? "", "base64url")],
        [-3, Buffer.from(jwk.y ?? "", "base64url")],
      ]),
    );
    const id = randomBytes(16);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(id.length);
    const credential: StoredCredential = {
      id,
      privateKey,
      rpId,
      userHandle: options.user.id,
      counter: 0,
    };
    this.credentials.push(credential);
    const authData = Buffer.concat([
      this.authDataHead(rpId, FLAG_AT, overrides, 0),
      this.aaguid,
      length,
      id,
      cose,
    ]);
    const attestationObject = encodeCbor(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: this.clientData("webauthn.create", options.challenge, overrides),
        attestationObject: b64url(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** `navigator.credentials.get()`: an assertion signed by a stored credential. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): AuthenticationResponseJSON {
    const credential = this.pick(options, overrides.credentialId);
    const rpId = overrides.rpId ?? options.rpId ?? credential.rpId;
    if (!this.options.synced) credential.counter += 1;
    const counter = overrides.counter ?? (this.options.synced ? 0 : credential.counter);
    const authData = this.authDataHead(rpId, 0, overrides, counter);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, overrides);
    const signer = createSign("sha256");
    signer.update(Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, "base64url"))]));
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON,
        authenticatorData: b64url(authData),
        signature: b64url(signer.sign(credential.privateKey)),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  private pick(options: PublicKeyCredentialRequestOptionsJSON, wanted?: string): StoredCredential {
    const allowed = options.allowCredentials?.map((descriptor) => descriptor.id) ?? [];
    const found = this.credentials.find(
      (credential) =>
        (wanted === undefined || b64url(credential.id) === wanted) &&
        (allowed.length === 0 || allowed.includes(b64url(credential.id))),
    );
    if (!found) throw new Error("the software authenticator holds no allowed credential");
    return found;
  }

  private authDataHead(rpId: string, extra: number, overrides: CeremonyOverrides, counter: number) {
    const verified = overrides.userVerified ?? this.options.userVerification ?? true;
    const synced = this.options.synced ? FLAG_BE | FLAG_BS : 0;
    const flags = FLAG_UP | (verified ? FLAG_UV : 0) | synced | extra;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count]);
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): string {
    const origin = overrides.origin ?? this.options.origin;
    return b64url(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }
}
