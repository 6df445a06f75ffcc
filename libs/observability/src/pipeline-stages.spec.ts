import { Registry } from 'prom-client';
import { MetricsRegistry } from './health';
import { PipelineStageMetrics } from './pipeline-stages';

describe('PipelineStageMetrics', () => {
  const cases: Array<{ name: string; from: number; to: number; count?: number; observed: number; sum: number }> = [
    { name: 'a span in seconds', from: 1_000, to: 1_250, observed: 1, sum: 0.25 },
    { name: 'one span for several events', from: 1_000, to: 1_010, count: 3, observed: 3, sum: 0.03 },
    { name: 'clocks of two machines a little apart: 0, not negative', from: 2_000, to: 1_990, observed: 1, sum: 0 },
    { name: 'a missing timestamp (header of an older fan-out): nothing', from: NaN, to: 1_000, observed: 0, sum: 0 },
    { name: 'a zero timestamp: nothing', from: 0, to: 1_000, observed: 0, sum: 0 },
  ];

  it.each(cases)('$name', async ({ from, to, count, observed, sum }) => {
    const metrics = { registry: new Registry() } as MetricsRegistry;
    new PipelineStageMetrics(metrics).observe('post_to_answer', from, to, count);
    const values = (await metrics.registry.getSingleMetric('webhooks_pipeline_stage_seconds')?.get())?.values ?? [];
    // A histogram's values carry the series name (_bucket, _sum, _count), which prom-client's type leaves out.
    const of = (name: string) => values.find((v) => (v as { metricName?: string }).metricName === name && v.labels.stage === 'post_to_answer')?.value ?? 0;
    expect(of('webhooks_pipeline_stage_seconds_count')).toBe(observed);
    expect(of('webhooks_pipeline_stage_seconds_sum')).toBeCloseTo(sum, 6);
  });
});
