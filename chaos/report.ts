import type { Episode, PhaseResult } from './results';

interface Doc {
  date: string;
  seconds: number;
  ok: boolean;
  aborted: string | null;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  options: Record<string, number>;
  phases: PhaseResult[];
}

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** "median / max" of the drained times; a never-recovered episode shows as "never". */
export function recoveryCell(episodes: Episode[]): string {
  if (episodes.length === 0) return '—';
  if (episodes.some((e) => e.drainedMs === null)) return `never (${episodes.filter((e) => e.drainedMs === null).length} of ${episodes.length})`;
  const drained = episodes.map((e) => e.drainedMs as number);
  const ready = episodes.map((e) => e.readyMs ?? Infinity);
  const range = episodes.length === 1 ? s(drained[0]) : `median ${s(median(drained))}, max ${s(Math.max(...drained))}`;
  return `${range} (services ready: max ${s(Math.max(...ready))})`;
}

export function markdown(doc: Doc): string {
  const lines = [
    '# Chaos results',
    '',
    `${doc.date} — ${doc.seconds} s — **${doc.ok ? 'every invariant held' : 'SOMETHING BROKE'}**${doc.aborted ? ` (${doc.aborted.split('\n')[0]})` : ''}`,
    '',
    `Machine: ${JSON.stringify(doc.machine)}`,
    `Versions: ${Object.entries(doc.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `Options: ${JSON.stringify(doc.options)}`,
    '',
    'Recovery time: from the end of the fault (kill + restart issued; broker or database healthy again) until every',
    'event scheduled before that moment reached every matching endpoint (median / max over the episodes).',
    '',
    '| fault | times tried | events published | delivered | duplicated | lost | recovery time |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of doc.phases) {
    const t = p.tally;
    lines.push(`| ${p.fault} | ${p.tried} | ${t.eventsPublished} | ${t.delivered} of ${t.expected} | ${t.duplicated} | ${t.lost} | ${recoveryCell(p.episodes)} |`);
  }
  for (const p of doc.phases) {
    lines.push('', `## ${p.phase}: ${p.ok ? 'held' : 'BROKEN'}`, '', `${p.fault}; ${p.seconds} s.`, '');
    lines.push('| check | ok | detail |', '| --- | --- | --- |');
    for (const c of p.checks) lines.push(`| ${c.what} | ${c.ok ? 'yes' : '**no**'} | ${c.detail} |`);
    const broker = p.episodes.some((e) => e.brokerLoadingMs !== undefined);
    lines.push(
      '',
      `| episode | at | fault lasted |${broker ? ' broker coordinators loaded after |' : ''} services ready after | deliveries of new events flowing after | backlog drained after | note |`,
      `| --- | --- | --- |${broker ? ' --- |' : ''} --- | --- | --- | --- |`,
    );
    for (const e of p.episodes) {
      lines.push(`| ${e.n} | ${e.at} | ${s(e.faultMs)} |${broker ? ` ${s(e.brokerLoadingMs)} |` : ''} ${s(e.readyMs)} | ${s(e.flowingMs)} | ${s(e.drainedMs)} | ${e.note ?? ''} |`);
    }
    lines.push('', '| endpoint | event types | expected | delivered | duplicated | lost | unexpected |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const e of p.tally.endpoints) lines.push(`| ${e.path} | ${e.eventTypes.join(', ')} | ${e.expected} | ${e.delivered} | ${e.duplicated} | ${e.lost} | ${e.unexpected} |`);
    if (p.tally.eventsUncertain > 0) lines.push('', `${p.tally.eventsUncertain} events whose publish failed are neither required nor counted.`);
    if (p.probes) {
      lines.push('', 'Admin API probed every second while the database was down:', '', '| route | answers | Retry-After on every 503 | slowest |', '| --- | --- | --- | --- |');
      for (const pr of p.probes) lines.push(`| ${pr.route} | ${Object.entries(pr.statuses).map(([k, v]) => `${k} × ${v}`).join(', ')} | ${pr.route.includes('health') ? '—' : pr.retryAfterOnEvery503 ? 'yes' : '**no**'} | ${pr.maxMs} ms |`);
    }
  }
  return lines.join('\n') + '\n';
}
