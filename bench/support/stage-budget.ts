import { PIPELINE_STAGES, PipelineStage } from '@app/observability';
import type { ServiceProcess } from '../../test/support/service-process';

/** Cumulative bucket counts of `webhooks_pipeline_stage_seconds` per stage, summed over the services scraped. */
export type StageSnapshot = Map<PipelineStage, Map<number, number>>;

const METRIC = 'webhooks_pipeline_stage_seconds_bucket';

export async function scrapeStages(services: readonly ServiceProcess[]): Promise<StageSnapshot> {
  const snapshot: StageSnapshot = new Map(PIPELINE_STAGES.map((s) => [s, new Map<number, number>()]));
  for (const service of services) {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith(METRIC)) continue;
      const stage = /stage="([a-z_]+)"/.exec(line)?.[1] as PipelineStage | undefined;
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const buckets = stage && snapshot.get(stage);
      if (!buckets || le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return snapshot;
}

/**
 * p50 and p99 of each stage between two snapshots (ms), interpolated linearly within a bucket as
 * Prometheus' histogram_quantile does; `n` is how many observations the stage had in between.
 */
export function stageBudget(before: StageSnapshot, after: StageSnapshot): Record<string, number> {
  const budget: Record<string, number> = {};
  for (const stage of PIPELINE_STAGES) {
    const bounds = [...(after.get(stage) ?? new Map<number, number>()).keys()].sort((a, b) => a - b);
    const counts = bounds.map((b) => (after.get(stage)?.get(b) ?? 0) - (before.get(stage)?.get(b) ?? 0));
    const total = counts[counts.length - 1] ?? 0;
    if (total === 0) continue;
    budget[`${stage}.p50ms`] = quantileMs(bounds, counts, 0.5);
    budget[`${stage}.p99ms`] = quantileMs(bounds, counts, 0.99);
    budget[`${stage}.n`] = total;
  }
  return budget;
}

function quantileMs(bounds: number[], cumulative: number[], q: number): number {
  const rank = q * cumulative[cumulative.length - 1];
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i] < rank) continue;
    const lower = i === 0 ? 0 : bounds[i - 1];
    const upper = Number.isFinite(bounds[i]) ? bounds[i] : lower;
    const below = i === 0 ? 0 : cumulative[i - 1];
    const inBucket = cumulative[i] - below;
    const seconds = inBucket === 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
    return Math.round(seconds * 10_000) / 10;
  }
  return NaN;
}
