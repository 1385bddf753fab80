import { parseArgs } from 'node:util';
import { COMMUNITY_AAGUID_URL, updateAaguidList } from './account/aaguids-update.js';
import { KEYS_USAGE, keysCommand } from './admin/keys-command.js';
import { ConfigError, loadConfig, SETTINGS } from './config/config.js';
import { startServer } from './server.js';
import { openStore } from './storage/open.js';

const USAGE = `Usage: passki <command> [--help]

Commands:
  start     Run the server (HTTP API, hosted pages); migrates the database first
  migrate   Apply pending database migrations and exit
  keys      Admin API keys and JWT signing keys (passki keys --help)
  aaguids update [--out FILE] [--url URL]
            Download the community passkey AAGUID list (authenticator names and icons);
            then set PASSKI_AAGUID_FILE to FILE (default ./data/aaguids.json)
`;

function startHelp(): string {
  const width = Math.max(...SETTINGS.map((s) => s.env.length));
  const lines = SETTINGS.map(
    (s) =>
      `  ${s.env.padEnd(width)}  ${s.description}\n  ${' '.repeat(width)}  default: ${s.default === '' ? '(empty)' : s.default}`,
  );
  return `Usage: passki start\n\nRuns the Passki server. Configuration comes from environment variables:\n\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      out: { type: 'string' },
      name: { type: 'string' },
      url: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (command === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'start' && values.help) {
    process.stdout.write(startHelp());
    return 0;
  }
  if (command === 'keys' && values.help) {
    process.stdout.write(KEYS_USAGE);
    return 0;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  if (command === 'aaguids' && positionals[1] === 'update') {
    const result = await updateAaguidList({
      url: values.url ?? COMMUNITY_AAGUID_URL,
      out: values.out ?? './data/aaguids.json',
    });
    process.stdout.write(
      `Wrote ${result.providers} authenticators to ${result.path}.\nStart Passki with PASSKI_AAGUID_FILE=${result.path} to use it.\n`,
    );
    return 0;
  }

  const config = loadConfig();
  if (command === 'keys') {
    return keysCommand(config, positionals.slice(1), values.name, (line) =>
      process.stdout.write(`${line}\n`),
    );
  }
  if (command === 'migrate') {
    const { store, migration } = await openStore(config, { migrate: true });
    await store.close();
    process.stdout.write(
      migration.applied.length > 0
        ? `Migrated from version ${migration.from} to ${migration.to}.\n`
        : `Schema is up to date (version ${migration.from}).\n`,
    );
    return 0;
  }
  if (command !== 'start') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }

  const server = await startServer(config);
  process.stdout.write(
    `Passki is running: open ${config.publicUrl}/ (listening on ${server.url})\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: finishing in-flight requests, then stopping.\n`);
    // /readyz turns 503 at once so load balancers stop sending; during the grace period the node
    // still accepts what is already queued for it; then it stops accepting and lets in-flight
    // requests finish. Bounded: a stuck client cannot keep the process alive forever.
    server.drain();
    const grace = signal === 'SIGINT' ? 0 : config.shutdownGraceMs;
    setTimeout(() => process.exit(1), grace + 10_000).unref();
    setTimeout(() => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }, grace);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || (err instanceof Error && /^Schema/.test(err.name))) {
      process.stderr.write(`passki: ${err.message}\n`);
    } else {
      process.stderr.write(
        `passki: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
    process.exitCode = 1;
  },
);
