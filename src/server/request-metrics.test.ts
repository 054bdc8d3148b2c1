import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestMetrics } from './request-metrics.js';

describe('HttpRequestMetrics', () => {
  it('exports counts per status and a cumulative histogram per route and method, with the registry default labels', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ node: 'n1' });
    const m = new HttpRequestMetrics(registry);
    m.record('/v1/kv/*key', 'PUT', 200, 0.0004);
    m.record('/v1/kv/*key', 'PUT', 200, 0.003);
    m.record('/v1/kv/*key', 'PUT', 503, 7);
    m.record('/v1/kv/*key', 'GET', 404, 0.001);
    const text = await registry.metrics();
    expect(text).toContain('faultline_http_requests_total{route="/v1/kv/*key",method="PUT",status="200",node="n1"} 2');
    expect(text).toContain('faultline_http_requests_total{route="/v1/kv/*key",method="PUT",status="503",node="n1"} 1');
    expect(text).toContain('faultline_http_request_duration_seconds_bucket{le="0.0005",route="/v1/kv/*key",method="PUT",node="n1"} 1');
    // 0.003 s lands in le=0.005; buckets are cumulative; 7 s only in +Inf.
    expect(text).toContain('faultline_http_request_duration_seconds_bucket{le="0.005",route="/v1/kv/*key",method="PUT",node="n1"} 2');
    expect(text).toContain('faultline_http_request_duration_seconds_bucket{le="5",route="/v1/kv/*key",method="PUT",node="n1"} 2');
    expect(text).toContain('faultline_http_request_duration_seconds_bucket{le="+Inf",route="/v1/kv/*key",method="PUT",node="n1"} 3');
    expect(text).toContain('faultline_http_request_duration_seconds_count{route="/v1/kv/*key",method="PUT",node="n1"} 3');
    // 0.001 is on a bucket bound: le is inclusive.
    expect(text).toContain('faultline_http_request_duration_seconds_bucket{le="0.001",route="/v1/kv/*key",method="GET",node="n1"} 1');
    expect(text).toMatch(/# TYPE faultline_http_request_duration_seconds histogram/);
    expect(m.count('/v1/kv/*key', 'PUT')).toBe(3);
  });
});
