import { describe, expect, it } from 'vitest';
import { selectors } from './promql-selectors.js';

const names = (expr: string) => selectors(expr).map((s) => s.metric);

describe('selectors of a PromQL expression', () => {
  it('finds the metrics, not the functions, aggregations or grouping labels around them', () => {
    expect(
      names(
        'histogram_quantile(0.99, sum by (sink, le) (rate(speed_sink_write_seconds_bucket[$__rate_interval])))',
      ),
    ).toEqual(['speed_sink_write_seconds_bucket']);
    expect(names('sum(rate(api_http_requests_total[5m])) without (instance, job)')).toEqual([
      'api_http_requests_total',
    ]);
  });

  it('finds both sides of binary and set operators, and skips keywords, numbers and durations', () => {
    expect(
      names(
        'time() - (batch_last_success_timestamp_seconds > 0 or process_start_time_seconds{job="batch"}) > 7200',
      ),
    ).toEqual(['batch_last_success_timestamp_seconds', 'process_start_time_seconds']);
    expect(
      names('a_total / on (topic) group_left (reason) b_total offset 1h30m > bool 1e3 unless c_gauge'),
    ).toEqual(['a_total', 'b_total', 'c_gauge']);
    expect(names('max_over_time(up[10m:1m]) == 0 and Inf > NaN')).toEqual(['up']);
  });

  it('reads equality matchers, and ignores strings, regex matchers and Grafana variables', () => {
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${range} is a Grafana variable in the query
      selectors('increase(alert_webhook_failures_total{reason="gave_up", job=~"sp.*", x!="y"}[${range}])'),
    ).toEqual([{ metric: 'alert_webhook_failures_total', labels: { reason: 'gave_up' } }]);
    expect(
      names('label_replace(speed_watermark_ms, "dst", "$1 and or sum(x)", "input", "(.*)") / 1000'),
    ).toEqual(['speed_watermark_ms']);
    expect(selectors('{__name__="up", job="serve"} == 0')).toEqual([
      { metric: 'up', labels: { job: 'serve' } },
    ]);
  });
});
