import { describe, expect, it } from 'vitest';
import { RequestMetrics } from '../../src/platform/metrics/request-metrics.js';

const GET_X = { method: 'GET', route: '/x', status_code: 200 };

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('request metrics exposition', () => {
  it('writes a counter and a cumulative histogram per series', () => {
    const m = new RequestMetrics();
    for (const seconds of [0.0005, 0.003, 0.003, 0.2, 30]) m.observe(GET_X, seconds);
    m.observe({ method: 'POST', route: '/x', status_code: 201 }, 0.002);
    const text = m.render();
    expect(text).toContain('# TYPE http_requests_total counter\n');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram\n');
    expect(lines(text, 'http_requests_total{')).toEqual([
      'http_requests_total{method="GET",route="/x",status_code="200"} 5',
      'http_requests_total{method="POST",route="/x",status_code="201"} 1',
    ]);
    const buckets = lines(text, 'http_request_duration_seconds_bucket{').filter((l) => l.includes('"GET"'));
    expect(buckets.map((l) => l.replace(/,method.*\}/, '}'))).toEqual([
      'http_request_duration_seconds_bucket{le="0.001"} 1',
      'http_request_duration_seconds_bucket{le="0.005"} 3',
      'http_request_duration_seconds_bucket{le="0.01"} 3',
      'http_request_duration_seconds_bucket{le="0.025"} 3',
      'http_request_duration_seconds_bucket{le="0.05"} 3',
      'http_request_duration_seconds_bucket{le="0.1"} 3',
      'http_request_duration_seconds_bucket{le="0.25"} 4',
      'http_request_duration_seconds_bucket{le="0.5"} 4',
      'http_request_duration_seconds_bucket{le="1"} 4',
      'http_request_duration_seconds_bucket{le="2.5"} 4',
      'http_request_duration_seconds_bucket{le="5"} 4',
      'http_request_duration_seconds_bucket{le="10"} 4',
      'http_request_duration_seconds_bucket{le="+Inf"} 5',
    ]);
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/x",status_code="200"} 5\n',
    );
    const sum = Number(lines(text, 'http_request_duration_seconds_sum{method="GET"')[0]?.split(' ')[1]);
    expect(sum).toBeCloseTo(30.2065, 6);
  });

  it('escapes label values', () => {
    const m = new RequestMetrics();
    m.observe({ method: 'GET', route: '/a"b\\c\nd', status_code: 404 }, 0.1);
    expect(m.render()).toContain(
      'http_requests_total{method="GET",route="/a\\"b\\\\c\\nd",status_code="404"} 1\n',
    );
  });

  it('writes nothing but the family headers before the first request', () => {
    const text = new RequestMetrics().render();
    expect(text.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([]);
  });
});
