/**
 * For the ingest server's tests and benchmark: Falco events and Wazuh alerts numbered by
 * a unique field (Falco's output_fields["evt.num"], Wazuh's alert id), an HTTP(S) client
 * on loopback, and reading back which numbers the store holds.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { EvidenceStore } from '../../src/evidence/store.ts';
import { testdata } from './evidence.ts';

type Obj = Record<string, unknown>;

const FALCO = JSON.parse(readFileSync(testdata('falco-http-output.json'), 'utf8')) as Obj;
const WAZUH = JSON.parse(readFileSync(testdata('wazuh-alerts.jsonl'), 'utf8').split('\n')[0]!) as Obj;

/** A Falco event (the http_output body of the fixture) numbered n. */
export function falcoEvent(n: number): Obj {
  const t = new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + n * 1000).toISOString().replace('Z', '123456Z');
  return { ...FALCO, time: t, output_fields: { ...(FALCO.output_fields as Obj), 'evt.num': n } };
}

/** A Wazuh alert (the first alert of the fixture) numbered n through its id. */
export function wazuhAlert(n: number): Obj {
  return { ...WAZUH, id: `1795174532.${n}` };
}

export function falcoLines(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify(falcoEvent(from + i))).join('\n') + '\n';
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export class Client {
  readonly agent: Agent;
  constructor(
    readonly base: string,
    tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {},
    connections = 64,
  ) {
    this.agent = new Agent({ connections, connect: { ...tls, rejectUnauthorized: true }, keepAliveTimeout: 10_000 });
  }

  async send(method: 'GET' | 'POST', path: string, o: { token?: string; body?: string | Buffer; type?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.type) headers['content-type'] = o.type;
    const r = await request(`${this.base}${path}`, { method, headers, body: o.body, dispatcher: this.agent });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, text, json: <T>() => JSON.parse(text) as T };
  }

  post(path: string, token: string | undefined, body: string | Buffer, type = 'application/json'): Promise<Reply> {
    return this.send('POST', path, { token, body, type });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** The evt.num of every Falco record in the store, and how often each appears. */
export async function falcoNumbers(store: EvidenceStore): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for await (const r of store.records({ source: 'falco' })) {
    const n = ((r.payload as { outputFields?: Obj }).outputFields ?? {})['evt.num'];
    if (typeof n === 'number') seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  return seen;
}
