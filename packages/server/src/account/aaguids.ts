import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Authenticator provider names and icons by AAGUID, from the community-maintained passkey
 * authenticator AAGUID list (passkeydeveloper/passkey-authenticator-aaguids), shipped as
 * `packages/server/data/aaguids.json`. `passki aaguids update` fetches a newer copy, which
 * `PASSKI_AAGUID_FILE` can point at.
 */
export interface Provider {
  name: string;
  /** False for an AAGUID missing from the list (the name is then the generic "Passkey"). */
  known: boolean;
  /** `data:image/...` URIs, or null for the generic icon. */
  iconLight: string | null;
  iconDark: string | null;
}

interface Entry {
  name?: unknown;
  icon_light?: unknown;
  icon_dark?: unknown;
}

export const UNKNOWN_PROVIDER: Provider = {
  name: 'Passkey',
  known: false,
  iconLight: null,
  iconDark: null,
};

/** Only inline raster or SVG images: an <img> cannot run script, and CSP allows `data:` images. */
const ICON = /^data:image\/(svg\+xml|png|webp|jpeg);base64,[A-Za-z0-9+/=]+$/;

export function parseAaguidList(json: string): Map<string, Provider> {
  const parsed = JSON.parse(json) as Record<string, Entry>;
  const providers = new Map<string, Provider>();
  if (typeof parsed !== 'object' || parsed === null) return providers;
  for (const [aaguid, entry] of Object.entries(parsed)) {
    if (typeof entry?.name !== 'string' || !/^[0-9a-f-]{36}$/i.test(aaguid)) continue;
    const icon = (value: unknown): string | null =>
      typeof value === 'string' && ICON.test(value) ? value : null;
    providers.set(aaguid.toLowerCase(), {
      name: entry.name.slice(0, 100),
      known: true,
      iconLight: icon(entry.icon_light),
      iconDark: icon(entry.icon_dark) ?? icon(entry.icon_light),
    });
  }
  return providers;
}

/** The shipped list, next to the bundle (dist/) or the sources (src/account/). */
export function shippedAaguidFile(): string | null {
  for (const candidate of ['../data/aaguids.json', '../../data/aaguids.json']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * Provider lookup from a list file. The shipped list is read on first use; a configured one
 * (`eager`) is read now, so a missing or broken file stops start-up instead of every sign-up.
 */
export function createProviderLookup(
  file: string | null,
  opts: { eager?: boolean } = {},
): (aaguid: string) => Provider {
  let providers: Map<string, Provider> | null =
    opts.eager === true && file !== null ? parseAaguidList(readFileSync(file, 'utf8')) : null;
  return (aaguid) => {
    if (providers === null) {
      providers = file === null ? new Map() : parseAaguidList(readFileSync(file, 'utf8'));
    }
    return providers.get(aaguid.toLowerCase()) ?? UNKNOWN_PROVIDER;
  };
}
