import { describe, expect, it } from 'vitest';
import type { ApiErrorCode } from '../../packages/browser/src/errors.js';
import type { ErrorCode } from '../../packages/server/src/core/errors.js';
import { ERROR_STATUS } from '../../packages/server/src/http/errors.js';

/**
 * The server's error codes and the browser SDK's are two lists of the same thing; this keeps them
 * equal. The type check fails `npm run typecheck` the moment one side gains a code the other lacks.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inSync: Same<ErrorCode, ApiErrorCode> = true;

describe('error codes', () => {
  it('the browser SDK knows every code the server sends, and no other', () => {
    expect(inSync).toBe(true);
    // Every code has an HTTP status on the server (a Record over the union, checked at runtime too).
    expect(Object.keys(ERROR_STATUS).length).toBeGreaterThan(30);
  });
});
