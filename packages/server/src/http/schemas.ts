import { z } from 'zod';

/**
 * Request and response shapes. They validate input before any expensive work (CBOR, signatures)
 * and generate the OpenAPI document, so the two cannot drift apart.
 */
const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url without padding');

/**
 * An integer query parameter: plain decimal digits only. `z.coerce.number()` would also take
 * `0x10`, `1e2`, `  5` or an empty string (Number() accepts them all), which no client means.
 * Documented as an integer with its bounds.
 */
export function queryInteger(bounds: {
  min: number;
  max: number;
}): z.ZodPipe<z.ZodString, z.ZodCoercedNumber<string>> {
  return z
    .string()
    .regex(/^[0-9]+$/, 'must be an integer in decimal digits')
    .pipe(z.coerce.number<string>().int().min(bounds.min).max(bounds.max))
    .meta({ type: 'integer', minimum: bounds.min, maximum: bounds.max, pattern: undefined });
}

// Bounds: a credential ID is ≤1023 bytes (1364 base64url chars); the rest are generous for real
// authenticators yet keep the total well under the 64 KiB body limit.
const credentialIdField = base64url(1400);

export const signUpOptionsBody = z.object({
  username: z.string().max(256),
  displayName: z.string().max(256).optional(),
});

export const signInOptionsBody = z.object({
  username: z.string().max(256).optional(),
});

const transports = z.array(z.string().max(32)).max(16);
const attachment = z.enum(['platform', 'cross-platform']).nullish();
const extensions = z.record(z.string(), z.unknown());

export const registrationResponse = z.object({
  id: credentialIdField,
  rawId: credentialIdField,
  type: z.literal('public-key'),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensions.default({}),
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(48_000),
    authenticatorData: base64url(16_000).optional(),
    transports: transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
});

export const authenticationResponse = z.object({
  id: credentialIdField,
  rawId: credentialIdField,
  type: z.literal('public-key'),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensions.default({}),
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(16_000),
    signature: base64url(2048),
    userHandle: base64url(128).nullish(),
  }),
});

export const signUpVerifyBody = z.object({ response: registrationResponse });
export const signInVerifyBody = z.object({
  response: authenticationResponse,
  result: z
    .boolean()
    .optional()
    .describe(
      'true: create no Passki session; return a one-time sign-in result for your backend to redeem (apps with their own sessions)',
    ),
});

export const signInResultView = z.object({
  user: z.object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    createdAt: z.string(),
  }),
  signInResult: z.object({
    token: z.string().describe('Redeem once with POST /v1/admin/sign-in-results/redeem'),
    expiresAt: z.string(),
  }),
});

export const userView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  createdAt: z.string().describe('ISO 8601 time'),
});

export const sessionView = z.object({
  id: z.string(),
  kind: z
    .enum(['standard', 'recovery'])
    .describe('recovery: from a recovery code; may only add a passkey and manage codes'),
  createdAt: z.string().describe('ISO 8601 time'),
  expiresAt: z.string().describe('ISO 8601 time'),
});

export const signedInView = z.object({ user: userView, session: sessionView });

export const creationOptionsView = z.object({
  options: z
    .record(z.string(), z.unknown())
    .describe('PublicKeyCredentialCreationOptionsJSON, to pass to navigator.credentials.create()'),
});

export const requestOptionsView = z.object({
  options: z
    .record(z.string(), z.unknown())
    .describe('PublicKeyCredentialRequestOptionsJSON, to pass to navigator.credentials.get()'),
});

export const errorView = z.object({
  error: z.object({
    code: z.string().describe('Stable snake_case error code'),
    message: z.string().describe('Plain-words explanation, safe to show'),
    requestId: z.string().optional(),
  }),
});

export const healthView = z.object({
  status: z.enum(['ok']),
  database: z.enum(['ok', 'unavailable']),
});

export const readyView = z.object({
  status: z.enum(['ready', 'not_ready']),
  database: z.enum(['ok', 'unavailable']),
  draining: z.boolean(),
});

/** A passkey as its owner (or an admin) sees it: no public key, no counter. */
export const passkeySchema = z.object({
  id: z.string().describe('Credential ID, base64url'),
  name: z.string().describe("The user's own label"),
  provider: z.object({
    name: z
      .string()
      .describe('Authenticator provider, from its AAGUID (generic "Passkey" when unknown)'),
    known: z.boolean().describe('False when the AAGUID is not in the list'),
    iconLight: z.string().nullable().describe('data: URI, or null for the generic icon'),
    iconDark: z.string().nullable(),
  }),
  aaguid: z.string(),
  deviceType: z.enum(['singleDevice', 'multiDevice']).describe('multiDevice = synced passkey'),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  transports: z.array(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  current: z.boolean().describe('This passkey signed in the current session'),
});

export const sessionListItemSchema = z.object({
  id: z.string(),
  kind: z.enum(['standard', 'recovery']),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  credentialId: z.string().nullable().describe('The passkey that signed it in (base64url), if any'),
});
