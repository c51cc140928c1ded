/**
 * Prometheus metrics in the text exposition format (version 0.0.4): counters with
 * labels, gauges read when scraped, and cumulative histograms. Written here rather than
 * taken from a client library: the server needs a dozen series, and this is the whole of
 * the format they use.
 */

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

interface Metric {
  name: string;
  help: string;
  render(): string[];
}

export class Counter implements Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const v = this.#values.get(key);
    if (v) v.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  /** The sum over every label set. */
  total(): number {
    let t = 0;
    for (const v of this.#values.values()) t += v.value;
    return t;
  }

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.#values.values()].map((v) => `${this.name}${labelText(v.labels)} ${num(v.value)}`)];
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${num(this.read())}`];
  }
}

export class Histogram implements Metric {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.#counts = buckets.map(() => 0);
  }

  observe(v: number): void {
    this.#sum += v;
    this.#count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.#counts[i]!++;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  /** The upper bound of the bucket holding quantile q (an estimate, as Prometheus gives). */
  quantile(q: number): number {
    if (this.#count === 0) return NaN;
    const rank = q * this.#count;
    for (let i = 0; i < this.buckets.length; i++) if (this.#counts[i]! >= rank) return this.buckets[i]!;
    return Infinity;
  }

  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${num(b)}"} ${this.#counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${num(this.#sum)}`,
      `${this.name}_count ${this.#count}`,
    ];
  }
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

/** The server's series. Gauges are bound to their sources by `gauges`. */
export class ServerMetrics {
  readonly received = new Counter('airlock_ingest_events_received_total', 'Events decoded from request bodies, by endpoint.');
  readonly accepted = new Counter('airlock_ingest_events_accepted_total', 'Events committed to the evidence store and acknowledged, by endpoint.');
  readonly rejected = new Counter('airlock_ingest_events_rejected_total', 'Events of requests that were refused (bad body, queue full, store unavailable), by endpoint and reason.');
  readonly requests = new Counter('airlock_http_requests_total', 'HTTP requests answered, by route and status code.');
  readonly throttled = new Counter('airlock_http_throttled_total', 'Requests answered 429 because the queue was above its high-water mark.');
  readonly unavailable = new Counter('airlock_http_unavailable_total', 'Requests answered 503 because the store was failing or the server was stopping.');
  readonly authFailures = new Counter('airlock_http_auth_failures_total', 'Requests refused by authentication or scope, by reason.');
  readonly commitFailures = new Counter('airlock_store_commit_failures_total', 'Batches the evidence store failed to commit.');
  readonly batchSize = new Histogram('airlock_ingest_batch_size', 'Records per committed batch.', SIZES);
  readonly commitSeconds = new Histogram('airlock_store_commit_seconds', 'Time to commit one batch to the evidence store.', SECONDS);
  readonly ackSeconds = new Histogram('airlock_ingest_ack_seconds', 'Time from a request entering the queue to its commit.', SECONDS);
  #gauges: Gauge[] = [];

  gauges(g: { queueDepth: () => number; queueLimit: () => number; tokens: () => number }): void {
    this.#gauges = [
      new Gauge('airlock_ingest_queue_depth', 'Events waiting for or in a commit.', g.queueDepth),
      new Gauge('airlock_ingest_queue_limit', 'High-water mark of the queue, in events; above it requests get 429.', g.queueLimit),
      new Gauge('airlock_api_tokens', 'API tokens known to the server (active, revoked and expired).', g.tokens),
      new Gauge('process_resident_memory_bytes', 'Resident memory of the server process.', () => process.memoryUsage.rss()),
    ];
  }

  render(): string {
    const all: Metric[] = [this.received, this.accepted, this.rejected, this.requests, this.throttled, this.unavailable, this.authFailures, this.commitFailures, this.batchSize, this.commitSeconds, this.ackSeconds, ...this.#gauges];
    return all.flatMap((m) => m.render()).join('\n') + '\n';
  }
}
