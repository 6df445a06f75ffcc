import fc from 'fast-check';
import { request } from 'undici';
import { newId } from '@app/contracts';
import { resetWorld, startStack, testEnv } from '../support/stack';
import { createOrg } from './admin-api';
import { blameableNames, describeRequest, LEAKS, namesAField, prototypeKeys } from './fuzz-invariants';
import { FuzzRequest, RECEIVER, requestArbitrary, World } from './fuzz-requests';
import { describeOperation, fetchOpenApi, Operation, operationsOf } from './openapi';
import { missingSecurityHeaders } from './security-headers';
import { changedParts, OrgResources, populate, StoredWorld } from './stored-world';

// Property-based fuzzing of every operation of the admin API's own OpenAPI document: generated path
// ids, query strings, headers and bodies, valid-shaped and hostile. Whatever is sent, the service must
// answer below 500, shape every 4xx as {statusCode, error, message[], code, param?} naming the field at
// fault (in the message and in `param`), with a code from the document's list, leak
// no internals, change nothing (tables and published topics) when it refuses, and pollute no prototype.
//
// Seeded and bounded: a new seed each run (printed with the outcome; FUZZ_SEED=<n> replays one),
// FUZZ_RUNS=<n> cases per operation (default 60: 1,200 requests, ~30 s on a quiet 2-core machine),
// and FUZZ_BUDGET_SECONDS (default 35) caps the whole run on a loaded machine by ending each
// operation's cases early, never below MIN_RUNS_PER_OPERATION.
//
// The requests are generated in fuzz-requests.ts; the answers are judged here and in fuzz-invariants.ts.

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 60);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_SECONDS ?? 35) * 1000;
const MIN_RUNS_PER_OPERATION = 5;

describe('the admin API under generated hostile requests (fast-check)', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let operations: Operation[];
  let errorCodes: Set<string>;
  let world: World;
  let stored: StoredWorld;
  const prototypesBefore = prototypeKeys();
  const counts = { requests: 0, byStatus: new Map<number, number>(), ms: 0 };
  const casesRun: number[] = [];

  beforeAll(async () => {
    await resetWorld();
    // A listen session without a CLI is reaped after the grace period: not while the suite compares stored states.
    stack = await startStack(testEnv({ LISTEN_SESSION_GRACE_SECONDS: '3600' }), ['subscriptions']);
    const document = await fetchOpenApi(stack.apiUrl);
    operations = operationsOf(document);
    errorCodes = new Set((document.components?.schemas?.Error?.properties?.code?.enum ?? []) as string[]);
    // Writes that succeed change what later cases find; deleting and revoking go last so the rest keep targets.
    const destructive = (op: Operation) => (op.method === 'DELETE' ? 1 : 0);
    operations.sort((x, y) => destructive(x) - destructive(y));
    const [a, b] = [await createOrg(stack.apiUrl, 'Fuzzed'), await createOrg(stack.apiUrl, 'Bystander')];
    const [ownA, ownB]: OrgResources[] = [await populate(stack.apiUrl, a.apiKey, RECEIVER), await populate(stack.apiUrl, b.apiKey, RECEIVER)];
    const missing: OrgResources = { endpoints: [newId('ep')], 'api-keys': [newId('key')], events: ['evt_missing'], deliveries: [`del_${'0'.repeat(32)}`], replays: [newId('job')], sessions: [newId('ep')] };
    const ids = Object.fromEntries(Object.keys(ownA).map((k) => [k, [...ownA[k as keyof OrgResources], ...ownB[k as keyof OrgResources], ...missing[k as keyof OrgResources]]]));
    // The catalog is the platform's (PUT /v1/event-types/{type}): a seeded type, and one it does not have yet.
    ids['event-types'] = ['product.updated', 'fuzz.added'];
    world = { a, b, ids };
    stored = await StoredWorld.open();
  });

  afterAll(async () => {
    await stored?.close();
    await stack?.stop();
    const summary = [...counts.byStatus.entries()].sort(([x], [y]) => x - y).map(([s, n]) => `${s}×${n}`).join(' ');
    process.stderr.write(`[fuzz] seed ${SEED}, ${operations?.length ?? 0} operations, ${counts.requests} requests (${Math.min(...casesRun)}-${Math.max(...casesRun)} per operation) in ${(counts.ms / 1000).toFixed(1)} s: ${summary}\n`);
  });

  async function send(req: FuzzRequest): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
    const res = await request(`${stack.apiUrl}${req.path}${req.query ? `?${req.query}` : ''}`, {
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body?.raw,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    // A listen session's event stream (GET /v1/listen/sessions/{id}/stream) never ends by design: its
    // status and headers are the answer.
    if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      res.body.destroy();
      return { status: res.statusCode, headers: res.headers, text: '' };
    }
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  // After a refusal (checked to have changed nothing) the stored world is as before it: the next case
  // reuses that fingerprint instead of taking a new one.
  let unchangedSince: Record<string, string> | null = null;

  async function check(op: Operation, req: FuzzRequest): Promise<void> {
    if (!unchangedSince) await stored.settleBackgroundWrites();
    const before = unchangedSince ?? (await stored.fingerprint());
    unchangedSince = null;
    const res = await send(req);
    counts.requests++;
    counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
    const what = `${res.status} for ${describeRequest(req)}\n  answer: ${res.text.slice(0, 400)}`;

    if (res.status >= 500) throw new Error(`server error ${what}`);
    const missing = missingSecurityHeaders(res.headers);
    if (missing.length > 0) throw new Error(`security headers wrong or missing (${missing.join('; ')}): ${what}`);
    for (const leak of LEAKS) if (leak.test(res.text)) throw new Error(`the answer leaks internals (${leak}): ${what}`);
    if (prototypeKeys().join('|') !== prototypesBefore.join('|')) throw new Error(`a built-in prototype was changed by ${what}`);
    if (res.status < 400) return;

    let body: { statusCode?: unknown; error?: unknown; message?: unknown; code?: unknown; param?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new Error(`a ${res.status} without a JSON body: ${what}`);
    }
    const shaped = body.statusCode === res.status && typeof body.error === 'string' && Array.isArray(body.message) && body.message.length > 0 && body.message.every((m) => typeof m === 'string');
    if (!shaped) throw new Error(`a ${res.status} not shaped {statusCode, error, message[]}: ${what}`);
    // SPEC §13: a machine-readable code from the documented list on every error, `param` when it is a string.
    if (typeof body.code !== 'string' || !errorCodes.has(body.code)) throw new Error(`a ${res.status} without a documented code (${JSON.stringify(body.code)}): ${what}`);
    if (body.param !== undefined && typeof body.param !== 'string') throw new Error(`a ${res.status} whose param is not a string: ${what}`);
    if (res.status === 400) {
      const names = blameableNames(op, req);
      const unnamed = (body.message as string[]).filter((m) => !namesAField(m, names));
      if (unnamed.length > 0) throw new Error(`a 400 message that names no field (${JSON.stringify(unnamed)}): ${what}`);
      // The field at fault, spelled as the request has it (a nested one by its dotted path from there).
      const root = typeof body.param === 'string' ? body.param.split(/[.[]/)[0] : undefined;
      if (root === undefined || !(names.has(root) || names.has(body.param as string))) throw new Error(`a 400 whose param ${JSON.stringify(body.param)} names no field of the request: ${what}`);
    }
    const after = await stored.fingerprint();
    const changed = changedParts(before, after);
    if (changed.length > 0) throw new Error(`a refused request changed ${changed.join(', ')}: ${what}`);
    unchangedSince = after;
  }

  it('should answer every generated request to every documented operation without a 5xx, a leak, or a change on refusal', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const started = Date.now();
    for (const [index, op] of operations.entries()) {
      counts.ms = Date.now() - started;
      const seed = SEED + index;
      // Past its share of the budget an operation's remaining cases pass without a request (fast-check's
      // own time limits abandon a case mid-request, which would then overlap the next operation's).
      const deadline = Date.now() + (BUDGET_MS - (Date.now() - started)) / (operations.length - index);
      let cases = 0;
      const outcome = await fc.check(
        fc.asyncProperty(requestArbitrary(op, world), async (req) => {
          if (cases >= MIN_RUNS_PER_OPERATION && Date.now() > deadline) return;
          cases++;
          await check(op, req);
        }),
        { seed, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
      casesRun.push(cases);
      if (outcome.failed) {
        // The counterexample can be megabytes (huge strings): the check's own message is the readable part.
        const reason = outcome.errorInstance instanceof Error ? outcome.errorInstance.message : String(outcome.errorInstance);
        throw new Error(
          `fuzzing ${describeOperation(op)} failed after ${cases} cases with seed ${seed}, path ${outcome.counterexamplePath}.\n` +
            `Replay the whole run: FUZZ_SEED=${SEED} npm test -- integration test/subscriptions/admin-fuzz\n${reason}`,
        );
      }
    }
    counts.ms = Date.now() - started;
  }, BUDGET_MS + 90_000);
});
