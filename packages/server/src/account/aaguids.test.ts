import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProviderLookup,
  parseAaguidList,
  shippedAaguidFile,
  UNKNOWN_PROVIDER,
} from './aaguids.js';
import { updateAaguidList } from './aaguids-update.js';

const SVG = 'data:image/svg+xml;base64,PHN2Zy8+';

describe('AAGUID list', () => {
  it('keeps names and inline image icons, and drops anything that could be active content', () => {
    const providers = parseAaguidList(
      JSON.stringify({
        'EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4': {
          name: 'Google Password Manager',
          icon_light: SVG,
          icon_dark: SVG,
        },
        '00000000-0000-0000-0000-000000000001': {
          name: 'Scripted',
          icon_light: 'javascript:alert(1)',
          icon_dark: 'https://evil.example/x.svg',
        },
        'not-an-aaguid': { name: 'Broken' },
        '00000000-0000-0000-0000-000000000002': { icon_light: SVG },
      }),
    );
    expect(providers.get('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')).toEqual({
      name: 'Google Password Manager',
      known: true,
      iconLight: SVG,
      iconDark: SVG,
    });
    expect(providers.get('00000000-0000-0000-0000-000000000001')).toEqual({
      name: 'Scripted',
      known: true,
      iconLight: null,
      iconDark: null,
    });
    expect(providers.size).toBe(2);
  });

  it('answers a generic provider for unknown AAGUIDs', () => {
    const lookup = createProviderLookup(null);
    expect(lookup('00000000-0000-0000-0000-000000000000')).toEqual(UNKNOWN_PROVIDER);
  });

  it('ships the community list', () => {
    const file = shippedAaguidFile();
    expect(file).not.toBeNull();
    const lookup = createProviderLookup(file);
    expect(lookup('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4').name).toBe('Google Password Manager');
    expect(lookup('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4').iconLight).toMatch(/^data:image\//);
  });

  describe('update', () => {
    let server: Server;
    let base = '';
    let dir = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'passki-aaguids-'));
      server = createServer((req, res) => {
        if (req.url === '/good.json')
          res.end(
            JSON.stringify({
              'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': { name: 'Google Password Manager' },
            }),
          );
        else if (req.url === '/html') res.end('<html>not json</html>');
        else {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('downloads, validates and writes the list', async () => {
      const out = join(dir, 'nested', 'aaguids.json');
      const result = await updateAaguidList({ url: `${base}/good.json`, out });
      expect(result).toEqual({ path: out, providers: 1 });
      expect(createProviderLookup(out)('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4').name).toBe(
        'Google Password Manager',
      );
    });

    it('keeps the old file when the download is not a list', async () => {
      const out = join(dir, 'keep.json');
      writeFileSync(out, '{"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4":{"name":"Old"}}');
      await expect(updateAaguidList({ url: `${base}/html`, out })).rejects.toThrow(/not JSON/);
      await expect(updateAaguidList({ url: `${base}/missing`, out })).rejects.toThrow(/HTTP 404/);
      expect(readFileSync(out, 'utf8')).toContain('Old');
      expect(existsSync(`${out}.${process.pid}.tmp`)).toBe(false);
    });
  });
});
