import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAaguidList } from './aaguids.js';

/** Where the community list is published. */
export const COMMUNITY_AAGUID_URL =
  'https://raw.githubusercontent.com/passkeydeveloper/passkey-authenticator-aaguids/main/aaguid.json';

/**
 * Downloads a newer AAGUID list, checks that it parses into providers, and writes it atomically
 * (a half-written file is never read). Point PASSKI_AAGUID_FILE at the result.
 */
export async function updateAaguidList(opts: {
  url: string;
  out: string;
  fetchImpl?: typeof fetch;
}): Promise<{ path: string; providers: number }> {
  const response = await (opts.fetchImpl ?? fetch)(opts.url, {
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`Download failed: HTTP ${response.status} from ${opts.url}`);
  const text = await response.text();
  let providers: number;
  try {
    providers = parseAaguidList(text).size;
  } catch {
    throw new Error(`${opts.url} did not return an AAGUID list (not JSON)`);
  }
  if (providers === 0) throw new Error(`${opts.url} did not return an AAGUID list (no entries)`);
  const path = resolve(opts.out);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
  return { path, providers };
}
