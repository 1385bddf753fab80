// Passki, as this app's backend sees it: the admin API (with a key that never leaves the server)
// and the URL the browser SDK talks to.
import { type AdminClient, createAdminClient } from '@passki/node';

/** Passki's public URL (`PASSKI_PUBLIC_URL`), e.g. http://localhost:8787. */
export function passkiUrl(): string {
  return required('PASSKI_URL').replace(/\/+$/, '');
}

let client: AdminClient | undefined;

export function passkiAdmin(): AdminClient {
  client ??= createAdminClient({
    // PASSKI_ADMIN_URL when Passki serves its admin API on a separate port (PASSKI_ADMIN_PORT).
    baseUrl: process.env.PASSKI_ADMIN_URL ?? passkiUrl(),
    apiKey: required('PASSKI_ADMIN_KEY'),
  });
  return client;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: see examples/nextjs-existing-accounts/README.md`);
  }
  return value;
}
