/*
 * `npm run api-client`: regenerates the typed admin API client (libs/api-client/src/schema.ts and the
 * document it is made from, openapi.json) from the document the subscriptions service serves. It
 * starts the service in this process against the local Kafka and PostgreSQL (`npm run infra -- up`,
 * which it runs; INFRA_* move them) and stops it again.
 *
 * `... scripts/api-client.ts --check <apiUrl>` exits 1 when the checked-in files are not what the
 * document served at <apiUrl> gives (test/subscriptions/api-client.int-spec.ts runs it: openapi-typescript
 * needs Node's own module loader, which jest replaces).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';

export const CLIENT_DIR = join(__dirname, '..', 'libs', 'api-client', 'src');
export const SCHEMA_FILE = join(CLIENT_DIR, 'schema.ts');
export const DOCUMENT_FILE = join(CLIENT_DIR, 'openapi.json');

const HEADER = '// Generated from the admin API\'s /openapi.json by `npm run api-client`: do not edit by hand.\n\n';

/** The TypeScript types of a document, as openapi-typescript writes them. */
export async function renderSchema(document: object): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { alphabetize: true });
  return HEADER + astToString(ast);
}

export function renderDocument(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The document the service serves, read from a running instance. */
export async function servedDocument(apiUrl: string): Promise<object> {
  const res = await fetch(`${apiUrl}/openapi.json`);
  if (!res.ok) throw new Error(`GET ${apiUrl}/openapi.json answered ${res.status}`);
  return (await res.json()) as object;
}

function infraEnv(): { KAFKA_BROKERS: string; DATABASE_URL: string } {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) return { KAFKA_BROKERS: process.env.KAFKA_BROKERS, DATABASE_URL: process.env.DATABASE_URL };
  const up = spawnSync(process.execPath, [join(__dirname, 'infra.js'), 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const value = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(up.stdout ?? '')?.[1];
  const [kafka, db] = [value('KAFKA_BROKERS'), value('DATABASE_URL')];
  if (up.status !== 0 || !kafka || !db) throw new Error('could not start the local Kafka and PostgreSQL (npm run infra -- up)');
  return { KAFKA_BROKERS: kafka, DATABASE_URL: db };
}

/** The checked-in files that differ from what `document` gives. */
async function stale(document: object): Promise<string[]> {
  const expected: Array<[string, string]> = [
    [DOCUMENT_FILE, renderDocument(document)],
    [SCHEMA_FILE, await renderSchema(document)],
  ];
  return expected.filter(([file, text]) => readFileSync(file, 'utf8') !== text).map(([file]) => file);
}

async function main(args: string[]): Promise<void> {
  if (args[0] === '--check') {
    const differ = await stale(await servedDocument(args[1]));
    if (differ.length > 0) {
      process.stderr.write(`not generated from the document served at ${args[1]}: ${differ.join(', ')}; run npm run api-client\n`);
      process.exit(1);
    }
    process.stdout.write('the typed client is current with the served document\n');
    return;
  }
  // Imported here so that the tests can import the renderers without loading the service.
  const { loadConfig, SubscriptionsConfig } = await import('@app/config');
  const { createLogger } = await import('@app/observability');
  const { createSubscriptionsApp } = await import('../apps/subscriptions/src/subscriptions.app');
  const env = { ...process.env, ...infraEnv(), PORT: '0', PLATFORM_ADMIN_TOKEN: 'api-client-generator-token', INSTANCE_ID: `api-client-${process.pid}` };
  const app = await createSubscriptionsApp(loadConfig(SubscriptionsConfig, env), createLogger('subscriptions', 'warn'));
  await app.listen(0, '127.0.0.1');
  try {
    const document = await servedDocument((await app.getUrl()).replace('[::1]', '127.0.0.1'));
    writeFileSync(DOCUMENT_FILE, renderDocument(document));
    writeFileSync(SCHEMA_FILE, await renderSchema(document));
    process.stdout.write(`wrote ${DOCUMENT_FILE} and ${SCHEMA_FILE}\n`);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
