import type { SessionRecord, UserRecord } from '../storage/records.js';

/** Public JSON shapes; nothing here may carry a secret, a key or a hash. */
export function userView(user: UserRecord): {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
} {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

export function sessionView(session: SessionRecord): {
  id: string;
  kind: 'standard' | 'recovery';
  createdAt: string;
  expiresAt: string;
} {
  return {
    id: session.id,
    kind: session.kind,
    createdAt: new Date(session.createdAt).toISOString(),
    expiresAt: new Date(session.expiresAt).toISOString(),
  };
}
