/**
 * Pure reader of NVD CVE JSON 2.0 (the API's and the yearly feeds' format): bytes in,
 * the CVSS vectors per CVE id out. Accepts a feed ({ vulnerabilities: [{ cve }] }), one
 * API item ({ cve }) or a bare CVE object. Vectors are kept, not NVD's scores: scores
 * are computed from vectors. Primary (NVD's own) metrics come first.
 */
import { parseJsonStrict } from '../common/json.ts';
import type { SeverityEntry } from './types.ts';

const METRICS: [string, string][] = [
  ['cvssMetricV40', 'CVSS_V4'],
  ['cvssMetricV31', 'CVSS_V3'],
  ['cvssMetricV30', 'CVSS_V3'],
  ['cvssMetricV2', 'CVSS_V2'],
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface NvdCvss {
  cve: string;
  vectors: SeverityEntry[];
}

function fromCve(cve: Obj): NvdCvss | undefined {
  if (typeof cve.id !== 'string' || !/^CVE-\d{4}-\d{4,}$/.test(cve.id) || !isObj(cve.metrics)) return undefined;
  const vectors: SeverityEntry[] = [];
  for (const [key, type] of METRICS) {
    const list = cve.metrics[key];
    if (!Array.isArray(list)) continue;
    const sorted = [...list].filter(isObj).sort((a, b) => (a.type === 'Primary' ? 0 : 1) - (b.type === 'Primary' ? 0 : 1));
    for (const m of sorted) {
      const v = isObj(m.cvssData) ? m.cvssData.vectorString : undefined;
      if (typeof v === 'string' && v.length <= 512 && !vectors.some((x) => x.score === v)) vectors.push({ type, score: v });
    }
  }
  return vectors.length > 0 ? { cve: cve.id, vectors } : undefined;
}

export function parseNvdDocument(data: Uint8Array, name: string): NvdCvss[] {
  const doc = parseJsonStrict(data, name, { maxBytes: 1024 * 1024 * 1024, maxDepth: 64 });
  const items: unknown[] = isObj(doc) && Array.isArray(doc.vulnerabilities) ? doc.vulnerabilities : [doc];
  const out: NvdCvss[] = [];
  for (const item of items) {
    const cve = isObj(item) && isObj(item.cve) ? item.cve : item;
    if (!isObj(cve)) continue;
    const r = fromCve(cve);
    if (r) out.push(r);
  }
  return out;
}
