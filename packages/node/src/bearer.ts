import type { IncomingHttpHeaders } from 'node:http';
import { PasskiTokenError } from './errors.js';

/** The parts of a Node `IncomingMessage` (or an Express `Request`) a token is read from. */
export interface NodeRequestLike {
  headers: IncomingHttpHeaders;
  /** Present on every real `IncomingMessage`: used to spot a repeated Authorization header. */
  rawHeaders?: string[];
}

/** Where a token can come from: the JWT itself, a Fetch `Request`, or a Node request. */
export type TokenSource = string | Request | NodeRequestLike;

/**
 * Longest token accepted. A Passki JWT is about 600 bytes plus the user's public metadata, which
 * the server caps at 8 KiB of JSON (under 11 KiB once base64url-encoded); 16 KiB leaves room
 * and keeps a hostile header from reaching the JSON and crypto code at all.
 */
export const MAX_TOKEN_LENGTH = 16 * 1024;

// RFC 7515 §7.1 compact serialisation: three base64url parts (RFC 4648 §5, no padding). The
// signature may be empty, so that an unsigned (`alg: none`) token is refused for what it is.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// RFC 6750 §2.1: `Bearer 1*SP b64token`; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +(\S+)$/i;

/** Checks the shape of a compact JWS before anything decodes it. */
export function checkCompactToken(token: string): string {
  if (token.length === 0) throw new PasskiTokenError('missing_token');
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new PasskiTokenError('malformed_token', 'The bearer token is too long.');
  }
  if (!COMPACT_JWS.test(token)) throw new PasskiTokenError('malformed_token');
  return token;
}

/**
 * Reads the session JWT from a string, a Fetch `Request` or a Node request. Refuses, with
 * `missing_token` or `malformed_token`, anything but exactly one `Authorization: Bearer <jwt>`.
 */
export function readToken(source: TokenSource): string {
  if (typeof source === 'string') return checkCompactToken(source);
  if (typeof source !== 'object' || source === null || typeof source.headers !== 'object') {
    throw new TypeError('verifyToken() takes a JWT string, a Fetch Request or a Node request');
  }
  return checkCompactToken(bearerValue(authorizationHeader(source)));
}

function authorizationHeader(source: Request | NodeRequestLike): string | undefined {
  if (typeof (source.headers as Headers).get === 'function') {
    // Fetch joins repeated headers with ", ", which the Bearer syntax below refuses.
    return (source.headers as Headers).get('authorization') ?? undefined;
  }
  const node = source as NodeRequestLike;
  // Node keeps only the first of repeated Authorization headers in `headers`; two of them mean a
  // confused or hostile intermediary, so look at the raw list and refuse rather than pick one.
  if (Array.isArray(node.rawHeaders)) {
    let count = 0;
    for (let i = 0; i < node.rawHeaders.length; i += 2) {
      if (node.rawHeaders[i]?.toLowerCase() === 'authorization') count++;
    }
    if (count > 1) {
      throw new PasskiTokenError('malformed_token', 'Send exactly one Authorization header.');
    }
  }
  const value: unknown = node.headers.authorization;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new PasskiTokenError('malformed_token', 'Send exactly one Authorization header.');
  }
  return value;
}

function bearerValue(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw new PasskiTokenError('missing_token');
  // Length first: a 64 KiB header is refused without running a regular expression over it.
  if (header.length > MAX_TOKEN_LENGTH + 64) {
    throw new PasskiTokenError('malformed_token', 'The Authorization header is too long.');
  }
  const match = BEARER.exec(header.trim());
  if (match === null) {
    throw new PasskiTokenError(
      'malformed_token',
      'Send the token as "Authorization: Bearer <token>".',
    );
  }
  return match[1] as string;
}
