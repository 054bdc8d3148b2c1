/**
 * HTTP request counts and latencies, kept in plain arrays and handed to the
 * prom-client registry only when it is scraped.
 *
 * Why not prom-client's Counter and Histogram directly: every `inc(labels)`
 * and `observe(labels, v)` — even through a `labels()` child — validates the
 * label names and hashes the label object: microseconds per request (an inc
 * plus an observe) on the hot path of every API call. Here a request costs
 * two Map lookups (route, then method and status, all from bounded sets) and
 * a bucket search.
 * The output is the same as prom-client's: `faultline_http_requests_total`
 * (counter: route, method, status) and `faultline_http_request_duration_seconds`
 * (histogram: route, method).
 */
import type { Registry } from 'prom-client';

export const HTTP_SECONDS_BUCKETS: readonly number[] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

interface Series {
  readonly route: string;
  readonly method: string;
  /** Requests per status code. */
  readonly statuses: Map<number, number>;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly buckets: number[];
  sumSeconds: number;
  count: number;
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** The subset of prom-client's metric interface its Registry uses. */
interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: 'sum' }>;
}

export class HttpRequestMetrics {
  /** route → method → series. Routes are the router's patterns and 'unmatched', so the maps stay small. */
  readonly #series = new Map<string, Map<string, Series>>();

  constructor(registry: Registry) {
    const counter = this.#metric('faultline_http_requests_total', 'HTTP requests by route pattern, method and status', 'counter', () => this.#counterValues());
    const histogram = this.#metric('faultline_http_request_duration_seconds', 'HTTP request latency by route pattern and method', 'histogram', () =>
      this.#histogramValues(),
    );
    // prom-client's Registry accepts any object with this shape (it is how its own metrics register).
    registry.registerMetric(counter as unknown as Parameters<Registry['registerMetric']>[0]);
    registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  record(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.#series.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#series.set(route, byMethod);
    }
    let s = byMethod.get(method);
    if (s === undefined) {
      s = { route, method, statuses: new Map(), buckets: new Array<number>(HTTP_SECONDS_BUCKETS.length + 1).fill(0), sumSeconds: 0, count: 0 };
      byMethod.set(method, s);
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
    let b = 0;
    while (b < HTTP_SECONDS_BUCKETS.length && seconds > HTTP_SECONDS_BUCKETS[b]!) b++;
    s.buckets[b]!++;
    s.sumSeconds += seconds;
    s.count++;
  }

  /** Requests recorded for a route and method (tests). */
  count(route: string, method: string): number {
    return this.#series.get(route)?.get(method)?.count ?? 0;
  }

  #metric(name: string, help: string, type: 'counter' | 'histogram', values: () => Value[]): RegistryMetric {
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => Promise.resolve({ name, help, type, values: values(), aggregator: 'sum' as const }),
    };
  }

  *#all(): Iterable<Series> {
    for (const byMethod of this.#series.values()) yield* byMethod.values();
  }

  #counterValues(): Value[] {
    const out: Value[] = [];
    for (const s of this.#all()) {
      for (const [status, n] of s.statuses) out.push({ labels: { route: s.route, method: s.method, status: String(status) }, value: n });
    }
    return out;
  }

  #histogramValues(): Value[] {
    const out: Value[] = [];
    const bucketName = 'faultline_http_request_duration_seconds_bucket';
    for (const s of this.#all()) {
      const labels = { route: s.route, method: s.method };
      let cumulative = 0;
      for (let b = 0; b <= HTTP_SECONDS_BUCKETS.length; b++) {
        cumulative += s.buckets[b]!;
        const le = b < HTTP_SECONDS_BUCKETS.length ? HTTP_SECONDS_BUCKETS[b]! : '+Inf';
        out.push({ labels: { le, ...labels }, value: cumulative, metricName: bucketName });
      }
      out.push({ labels, value: s.sumSeconds, metricName: 'faultline_http_request_duration_seconds_sum' });
      out.push({ labels, value: s.count, metricName: 'faultline_http_request_duration_seconds_count' });
    }
    return out;
  }
}
