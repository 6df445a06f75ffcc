// The database phase: PostgreSQL stopped under load while the admin API is probed every second.
import { Chaos } from './chaos';
import { OPTIONS, infra } from './options';
import { Episode, PhaseResult, ProbeSummary, baseChecks, log, result, secs, sleep } from './results';

/** Admin API calls made every second while the database is down. */
function probeRoutes(chaos: Chaos): Array<{ route: string; run: () => Promise<Response> }> {
  const api = chaos.pipeline.apiUrl;
  const auth = { authorization: `Bearer ${chaos.apiKey}` };
  const timeout = () => AbortSignal.timeout(10_000);
  return [
    { route: 'GET /v1/endpoints', run: () => fetch(`${api}/v1/endpoints`, { headers: auth, signal: timeout() }) },
    {
      route: 'POST /v1/endpoints',
      run: () =>
        fetch(`${api}/v1/endpoints`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ url: chaos.receiver.url('/database/probe'), mode: 'test', eventTypes: ['order.new'] }),
          signal: timeout(),
        }),
    },
    { route: 'GET /v1/events', run: () => fetch(`${api}/v1/events`, { headers: auth, signal: timeout() }) },
    { route: 'GET /health/ready', run: () => fetch(`${api}/health/ready`, { signal: timeout() }) },
  ];
}

const emptyCounts = (): Record<string, number> => ({});

export async function databasePhase(chaos: Chaos): Promise<PhaseResult> {
  const t0 = Date.now();
  const { ledger, load } = await chaos.beginPhase('database');
  const episodes: Episode[] = [];
  const routes = probeRoutes(chaos);
  const probes = new Map(routes.map((r) => [r.route, { route: r.route, statuses: emptyCounts(), retryAfterOnEvery503: true, maxMs: 0 }]));
  for (let n = 1; n <= OPTIONS.dbOutages; n++) {
    const before = await chaos.nextOutage(OPTIONS.dbDownMs + 120_000, 'database outages');
    if (!before) break;
    const { at } = before;
    log(`database: stopping PostgreSQL (${n}/${OPTIONS.dbOutages}) for ${OPTIONS.dbDownMs / 1000} s, probing the admin API`);
    await infra.stopOne('postgres');
    const upAt = at + OPTIONS.dbDownMs;
    while (Date.now() < upAt - 1000) {
      const round = Date.now();
      await Promise.all(
        routes.map(async (r) => {
          const p = probes.get(r.route)!;
          const t = Date.now();
          let status: string;
          try {
            const res = await r.run();
            await res.text();
            status = String(res.status);
            if (res.status === 503 && r.route !== 'GET /health/ready' && !res.headers.get('retry-after')) p.retryAfterOnEvery503 = false;
          } catch (err) {
            status = (err as Error).name === 'TimeoutError' ? 'no answer in 10 s' : `error: ${(err as Error).message}`;
          }
          p.statuses[status] = (p.statuses[status] ?? 0) + 1;
          p.maxMs = Math.max(p.maxMs, Date.now() - t);
        }),
      );
      await sleep(Math.max(0, 1000 - (Date.now() - round)));
    }
    await sleep(Math.max(0, upAt - Date.now()));
    log('database: starting PostgreSQL');
    await infra.startOne('postgres');
    const end = Date.now();
    const recovery = await chaos.recovery(ledger, load, end, 120_000);
    const samePids = chaos.sameProcesses(before.pids);
    episodes.push({ n, at: new Date(at).toISOString(), faultMs: end - at, ...recovery, note: samePids ? undefined : 'a service was restarted' });
    log(`  recovered: ready after ${secs(recovery.readyMs)}, flowing after ${secs(recovery.flowingMs)}, backlog drained after ${secs(recovery.drainedMs)}`);
  }
  const tally = await chaos.endPhase(ledger, load);
  const exits = chaos.takeExits();
  const summaries = [...probes.values()];
  const apiSummaries = summaries.filter((p) => p.route !== 'GET /health/ready');
  const only503 = (p: ProbeSummary) => Object.keys(p.statuses).length > 0 && Object.keys(p.statuses).every((s) => s === '503');
  const checks = [
    ...baseChecks(tally, exits),
    {
      what: 'admin API answered 503 with Retry-After (no 500, no hang) while the database was down',
      ok: apiSummaries.every((p) => only503(p) && p.retryAfterOnEvery503),
      detail: apiSummaries.map((p) => `${p.route}: ${JSON.stringify(p.statuses)}, max ${p.maxMs} ms`).join('; '),
    },
    { what: '/health/ready reported not ready while the database was down', ok: only503(probes.get('GET /health/ready')!), detail: JSON.stringify(probes.get('GET /health/ready')!.statuses) },
    {
      what: 'services recovered without restarts, backlog drained',
      ok: episodes.length > 0 && episodes.every((e) => !e.note && e.drainedMs !== null && e.readyMs !== null),
      detail: episodes.map((e) => `ready ${secs(e.readyMs)}, drained ${secs(e.drainedMs)}${e.note ? `, ${e.note}` : ''}`).join('; '),
    },
  ];
  return { ...result('database', `PostgreSQL stopped for ${OPTIONS.dbDownMs / 1000} s under load`, t0, episodes, tally, exits, checks), probes: summaries };
}
