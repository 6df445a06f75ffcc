import { exportedNames, metricNames } from './promql-names';

// The helper the dashboard check relies on: if it missed names, the check would pass whatever the dashboard says.
describe('metricNames', () => {
  it.each<[string, string[]]>([
    ['sum by (route) (rate(webhooks_http_requests_total{status=~"5.."}[5m]))', ['webhooks_http_requests_total']],
    ['histogram_quantile(0.95, sum by (le, attempt) (rate(webhooks_delivery_latency_seconds_bucket[5m])))', ['webhooks_delivery_latency_seconds_bucket']],
    ['max by (group) (a_metric) > 1000\n and max by (group) (deriv(a_metric[10m])) > 0', ['a_metric']],
    ['absent(up{job="webhooks-delivery"} == 1) or absent(up{job="x"} == 1)', ['up']],
    ['sum(rate(a_total{outcome!~"success|discarded"}[10m])) / sum(rate(b_total[10m])) > 0.5', ['a_total', 'b_total']],
    ['topk(10, max by (endpoint_id) (webhooks_delivery_breaker_open_seconds))', ['webhooks_delivery_breaker_open_seconds']],
    ['x_total offset 5m unless on (job) y_total', ['x_total', 'y_total']],
  ])('should find the metrics of %s', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual(names.sort());
  });
});

describe('exportedNames', () => {
  it('should list every declared metric and the series of a histogram', () => {
    const text = '# HELP a_total A\n# TYPE a_total counter\na_total 1\n# HELP h H\n# TYPE h histogram\nh_bucket{le="1"} 0\n';
    expect([...exportedNames(text)].sort()).toEqual(['a_total', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});
