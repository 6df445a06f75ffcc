import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createApiClient } from '@app/api-client';
import { PLATFORM_ADMIN_TOKEN, resetWorld, startStack, testEnv } from '../support/stack';
import { fetchOpenApi } from './openapi';

// The typed client (libs/api-client) is generated from the document the service serves. `npm run
// typecheck` checks every use of it (the CLI, the test helpers) against the checked-in types; this
// checks that those types are the served document's, so a route changed without regenerating fails here.

describe('the generated admin API client', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let served: object;

  beforeAll(async () => {
    await resetWorld();
    stack = await startStack(testEnv(), ['subscriptions']);
    served = await fetchOpenApi(stack.apiUrl);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('should be generated from the document the service serves now (else: npm run api-client)', async () => {
    const repo = join(__dirname, '..', '..');
    // Not spawnSync: the service answering the check's GET /openapi.json runs in this process, and a blocked
    // event loop would leave the check waiting for it until its timeout.
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/api-client.ts', '--check', stack.apiUrl], {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Loading openapi-typescript under ts-node took over 60 s on the 2-core VM with other suites running.
    const timer = setTimeout(() => child.kill('SIGTERM'), 200_000);
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
    clearTimeout(timer);
    expect({ status, signal, stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  }, 240_000);

  it('should name every operation in camelCase and describe every error answer with the Error schema and an example', () => {
    const doc = served as { paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string }; examples?: Record<string, { value: { code: string } }> }> }> }>> };
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.operationId || !/^[a-z][A-Za-z]+$/.test(op.operationId)) problems.push(`${where}: operationId ${op.operationId}`);
        if (op.operationId) ids.add(op.operationId);
        const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
        for (const status of ['400', '401', '429', '503']) if (!op.responses[status]) problems.push(`${where}: no ${status}`);
        if (path.includes('{') && !op.responses['404']) problems.push(`${where}: no 404`);
        if (method === 'post' && !op.responses['409']) problems.push(`${where}: no 409 for Idempotency-Key`);
        for (const [status, answer] of errors) {
          const json = answer.content?.['application/json'];
          if (json?.schema?.$ref !== '#/components/schemas/Error') problems.push(`${where} ${status}: not the Error schema`);
          if (!json?.examples || Object.values(json.examples).some((e) => typeof e.value.code !== 'string')) problems.push(`${where} ${status}: no example with a code`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect([...ids]).toEqual(expect.arrayContaining(['createEndpoint', 'listEndpoints', 'listDeliveries', 'resendDelivery', 'createOrganization']));
  });

  it('should call the API with typed paths, bodies and answers, errors included', async () => {
    const platform = createApiClient(stack.apiUrl, { token: PLATFORM_ADMIN_TOKEN });
    const org = await platform.POST('/v1/organizations', { body: { name: 'Typed' } });
    expect(org.response.status).toBe(201);
    const client = createApiClient(stack.apiUrl, { token: org.data!.apiKey });

    const created = await client.POST('/v1/endpoints', { body: { url: 'http://127.0.0.1:9/typed', mode: 'test' } });
    expect(created.data).toMatchObject({ status: 'enabled', secret: expect.stringMatching(/^whsec_/) });
    const page = await client.GET('/v1/endpoints', { params: { query: { limit: 10 } } });
    expect(page.data).toMatchObject({ data: [{ id: created.data!.id }], nextCursor: null, prevCursor: null, hasMore: false });

    const refused = await client.POST('/v1/endpoints', { body: { url: 'not a url', mode: 'test' } });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ code: 'invalid_field', param: 'url' });
  });
});
