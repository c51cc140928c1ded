/**
 * CVSS base scores computed from vectors (v2, v3.0, v3.1, v4.0), never copied from a
 * feed's score field. Parsing is ours and strict (known metrics, allowed values, every
 * base metric present, no duplicates); the arithmetic, including CVSS v4's macro-vector
 * lookup table and severity-distance interpolation, is ae-cvss-calculator's, which
 * implements FIRST's reference calculator. Only base metrics are scored: threat and
 * environmental metrics describe one deployment, not the advisory.
 */
import calc from 'ae-cvss-calculator';
import { AirlockError } from '../../common/errors.ts';
import type { Severity } from '../types.ts';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export interface CvssScore {
  version: CvssVersion;
  /** The vector as given. */
  vector: string;
  /** The base score, 0.0 to 10.0. */
  score: number;
  severity: Severity;
}

type Spec = { base: Record<string, string[]>; other: Record<string, string[]> };

const HLN = ['H', 'L', 'N'];
const V3: Spec = {
  base: { AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], PR: ['N', 'L', 'H'], UI: ['N', 'R'], S: ['U', 'C'], C: HLN, I: HLN, A: HLN },
  other: {
    E: ['X', 'U', 'P', 'F', 'H'], RL: ['X', 'O', 'T', 'W', 'U'], RC: ['X', 'U', 'R', 'C'],
    CR: ['X', 'L', 'M', 'H'], IR: ['X', 'L', 'M', 'H'], AR: ['X', 'L', 'M', 'H'],
    MAV: ['X', 'N', 'A', 'L', 'P'], MAC: ['X', 'L', 'H'], MPR: ['X', 'N', 'L', 'H'], MUI: ['X', 'N', 'R'], MS: ['X', 'U', 'C'],
    MC: ['X', ...HLN], MI: ['X', ...HLN], MA: ['X', ...HLN],
  },
};
const V4: Spec = {
  base: {
    AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], AT: ['N', 'P'], PR: ['N', 'L', 'H'], UI: ['N', 'P', 'A'],
    VC: HLN, VI: HLN, VA: HLN, SC: HLN, SI: HLN, SA: HLN,
  },
  other: {
    E: ['X', 'A', 'P', 'U'], CR: ['X', 'H', 'M', 'L'], IR: ['X', 'H', 'M', 'L'], AR: ['X', 'H', 'M', 'L'],
    MAV: ['X', 'N', 'A', 'L', 'P'], MAC: ['X', 'L', 'H'], MAT: ['X', 'N', 'P'], MPR: ['X', 'N', 'L', 'H'], MUI: ['X', 'N', 'P', 'A'],
    MVC: ['X', ...HLN], MVI: ['X', ...HLN], MVA: ['X', ...HLN], MSC: ['X', ...HLN], MSI: ['X', 'S', ...HLN], MSA: ['X', 'S', ...HLN],
    S: ['X', 'N', 'P'], AU: ['X', 'N', 'Y'], R: ['X', 'A', 'U', 'I'], V: ['X', 'D', 'C'], RE: ['X', 'L', 'M', 'H'], U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
  },
};
const NPC = ['N', 'P', 'C'];
const V2: Spec = {
  base: { AV: ['L', 'A', 'N'], AC: ['H', 'M', 'L'], Au: ['M', 'S', 'N'], C: NPC, I: NPC, A: NPC },
  other: {
    E: ['U', 'POC', 'F', 'H', 'ND'], RL: ['OF', 'TF', 'W', 'U', 'ND'], RC: ['UC', 'UR', 'C', 'ND'],
    CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'], TD: ['N', 'L', 'M', 'H', 'ND'], CR: ['L', 'M', 'H', 'ND'], IR: ['L', 'M', 'H', 'ND'], AR: ['L', 'M', 'H', 'ND'],
  },
};

export interface ParsedCvss {
  version: CvssVersion;
  /** Base metrics in the specification's order. */
  base: [string, string][];
}

function bad(vector: string, why: string): AirlockError {
  const shown = vector.length > 120 ? `${vector.slice(0, 120)}...` : vector;
  return new AirlockError('BAD_INPUT', `invalid CVSS vector ${JSON.stringify(shown)}: ${why}`);
}

/** Strict parse: prefix, known metrics, allowed values, all base metrics, no duplicates. */
export function parseCvssVector(vector: string): ParsedCvss {
  if (vector.length > 512) throw bad(vector, 'longer than 512 characters');
  const m = /^CVSS:(3\.0|3\.1|4\.0)\/(.*)$/.exec(vector);
  const version: CvssVersion = m ? (m[1] as CvssVersion) : '2.0';
  const body = m ? (m[2] as string) : vector.replace(/^\(|\)$/g, '');
  const spec = version === '4.0' ? V4 : version === '2.0' ? V2 : V3;
  const seen = new Map<string, string>();
  for (const part of body.split('/')) {
    const kv = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!kv) throw bad(vector, `malformed metric ${JSON.stringify(part)}`);
    const [, key, value] = kv as unknown as [string, string, string];
    const allowed = spec.base[key] ?? spec.other[key];
    if (!allowed) throw bad(vector, `unknown metric ${key} for CVSS ${version}`);
    if (!allowed.includes(value)) throw bad(vector, `${key}:${value} is not one of ${allowed.join(', ')}`);
    if (seen.has(key)) throw bad(vector, `metric ${key} given twice`);
    seen.set(key, value);
  }
  const missing = Object.keys(spec.base).filter((k) => !seen.has(k));
  if (missing.length > 0) throw bad(vector, `missing base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return { version, base: Object.keys(spec.base).map((k) => [k, seen.get(k) as string]) };
}

/** Qualitative rating (CVSS v3/v4 table; v2 has no CRITICAL or NONE). */
export function severityFromScore(score: number, version: CvssVersion = '3.1'): Severity {
  if (version === '2.0') return score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'NONE';
}

export function scoreCvss(vector: string): CvssScore {
  const p = parseCvssVector(vector);
  const body = p.base.map(([k, v]) => `${k}:${v}`).join('/');
  let score: number | undefined;
  if (p.version === '4.0') score = new calc.Cvss4P0(`CVSS:4.0/${body}`).calculateScores().base;
  else if (p.version === '3.1') score = new calc.Cvss3P1(`CVSS:3.1/${body}`).calculateScores().base;
  else if (p.version === '3.0') score = new calc.Cvss3P0(`CVSS:3.0/${body}`).calculateScores().base;
  else score = new calc.Cvss2(body).calculateScores().base;
  if (typeof score !== 'number' || !Number.isFinite(score)) throw bad(vector, 'could not be scored');
  return { version: p.version, vector, score, severity: severityFromScore(score, p.version) };
}

/** Like scoreCvss, but undefined instead of an error (for feeds with junk vectors). */
export function tryScoreCvss(vector: string): CvssScore | undefined {
  try {
    return scoreCvss(vector);
  } catch {
    return undefined;
  }
}
