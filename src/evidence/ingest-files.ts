/**
 * `airlock evidence ingest`: files through their importers into the store.
 *
 * Nothing is written unless every input is good: a first pass imports every file
 * without keeping the drafts (a document is rejected as a whole; every bad line of a
 * JSON-lines file is collected with its number), and only when it found no problem does
 * the second pass import again and append, in batches of BATCH drafts, each one
 * transaction. With `skipBadLines`, bad lines are reported and the good ones stored.
 * Both passes stream, so memory does not grow with the size of a JSON-lines file.
 */
import { AirlockError } from '../common/errors.ts';
import type { ControlResolver } from './controls.ts';
import { importFile } from './readers/import-file.ts';
import type { EvidenceStore } from './store.ts';
import type { EvidenceDraft } from './types.ts';

const BATCH = 500;
const MAX_REPORTED = 50;

export interface IngestOptions {
  type: string;
  files: readonly string[];
  controls: ControlResolver;
  skipBadLines?: boolean;
  now?: () => Date;
  onProgress?: (records: number) => void;
}

export interface IngestReport {
  files: { path: string; importer: string | null; records: number; badLines: number }[];
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  badLines: { file: string; line?: number; error: string }[];
  badLinesTotal: number;
}

export async function ingestFiles(store: EvidenceStore, o: IngestOptions): Promise<IngestReport> {
  const ctx = { now: o.now ?? (() => new Date()), controls: o.controls };
  const bad: IngestReport['badLines'] = [];
  let badTotal = 0;
  const badPerFile = new Map<string, number>();
  // Pass 1: everything imports, or nothing is written.
  for (const path of o.files) {
    for await (const ev of importFile(path, o.type, ctx)) {
      if ('error' in ev) {
        badTotal++;
        badPerFile.set(path, (badPerFile.get(path) ?? 0) + 1);
        if (bad.length < MAX_REPORTED) bad.push({ file: path, line: ev.line, error: ev.error.message });
      }
    }
  }
  if (badTotal > 0 && !o.skipBadLines) {
    throw new AirlockError('BAD_INPUT', bad[0]!.error, {
      details: [...bad.slice(1, 10).map((b) => b.error), `${badTotal} bad line${badTotal === 1 ? '' : 's'} in all; nothing was stored (--skip-bad-lines stores the good ones)`],
      context: { badLines: bad },
    });
  }
  // Pass 2: append.
  const files: IngestReport['files'] = [];
  let records = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let pending: EvidenceDraft[] = [];
  const flush = async (where: string) => {
    if (!pending.length) return;
    const headers = await store.append(pending, where);
    firstSeq ??= headers[0]!.seq;
    lastSeq = headers[headers.length - 1]!.seq;
    records += headers.length;
    pending = [];
    o.onProgress?.(records);
  };
  for (const path of o.files) {
    let importer: string | null = null;
    let n = 0;
    for await (const ev of importFile(path, o.type, ctx)) {
      if ('error' in ev) continue;
      importer = ev.importer;
      n += ev.drafts.length;
      for (const d of ev.drafts) {
        pending.push(d);
        if (pending.length >= BATCH) await flush(path);
      }
    }
    await flush(path);
    files.push({ path, importer, records: n, badLines: badPerFile.get(path) ?? 0 });
  }
  return { files, records, firstSeq, lastSeq, badLines: bad, badLinesTotal: badTotal };
}
