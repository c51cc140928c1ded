/**
 * `airlock evidence ingest --follow`: a growing JSON-lines file (Wazuh's alerts.json,
 * Falco's file output) followed like `tail -F`, through rotation and truncation. Lines
 * are stored in small batches; the position (inode and offset) is saved beside the store
 * only after the batch holding it is committed, so a restart resumes exactly after the
 * last stored line: nothing is lost, nothing stored twice. Bad lines are reported and
 * skipped (a live feed cannot be rejected as a whole).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '../common/errors.ts';
import { mkdirp, readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { jsonBytes, parseJsonStrict } from '../common/json.ts';
import type { ControlResolver } from './controls.ts';
import { getImporter } from './importers/registry.ts';
import { followFile, type FollowPosition } from './readers/follow.ts';
import type { EvidenceStore } from './store.ts';
import type { EvidenceDraft } from './types.ts';

const positionSchema = z.object({ path: z.string(), inode: z.string().regex(/^[0-9]+$/), offset: z.number().int().min(0) }).strict();

export interface FollowIngestOptions {
  type: string;
  path: string;
  controls: ControlResolver;
  signal: AbortSignal;
  /** Without a saved position: read the existing file from its start (default) or its end. */
  fromEnd?: boolean;
  /** Largest batch, and longest a line waits before its batch is committed. */
  batch?: number;
  maxDelayMs?: number;
  pollMs?: number;
  onBatch?: (stored: number, total: number) => void;
  onNotice?: (message: string) => void;
}

export function positionFile(store: EvidenceStore, path: string): string {
  return join(store.dir, 'follow', `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.json`);
}

async function loadPosition(file: string, path: string): Promise<FollowPosition | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(file, 4096, 'follow position');
  } catch (e) {
    if (e instanceof AirlockError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
  const r = positionSchema.safeParse(parseJsonStrict(bytes, file));
  if (!r.success || r.data.path !== path) throw new AirlockError('BAD_INPUT', `${file}: damaged follow position; remove it to start again`);
  return { inode: r.data.inode, offset: r.data.offset };
}

export async function followIngest(store: EvidenceStore, o: FollowIngestOptions): Promise<{ records: number; badLines: number }> {
  const importer = getImporter(o.type);
  if (importer.input !== 'lines') throw new AirlockError('USAGE', `--follow: ${o.type} reports are documents, not a growing log; follow falco or wazuh`);
  const file = positionFile(store, o.path);
  await mkdirp(join(store.dir, 'follow'));
  const position = await loadPosition(file, o.path);
  const batchMax = o.batch ?? 500;
  const maxDelay = o.maxDelayMs ?? 200;
  let pending: EvidenceDraft[] = [];
  let pendingPos: FollowPosition | undefined;
  let records = 0;
  let badLines = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing = Promise.resolve();
  let failure: unknown;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const drafts = pending;
    const pos = pendingPos;
    pending = [];
    flushing = flushing.then(async () => {
      if (drafts.length) {
        await store.append(drafts, o.path);
        records += drafts.length;
        o.onBatch?.(drafts.length, records);
      }
      if (pos) await writeFileAtomic(file, jsonBytes({ path: o.path, ...pos }), 0o600);
    });
    return flushing;
  };

  let line = 0;
  const stop = new AbortController();
  o.signal.addEventListener('abort', () => stop.abort(), { once: true });
  for await (const ev of followFile(o.path, { position, fromEnd: o.fromEnd, pollMs: o.pollMs, signal: stop.signal })) {
    if (failure) break;
    pendingPos = ev.position;
    if (ev.kind === 'notice') {
      o.onNotice?.(ev.message);
      continue;
    }
    line++;
    try {
      const value = parseJsonStrict(ev.text, `${o.path}:${line}`, { maxBytes: 1024 * 1024 });
      pending.push(...importer.import(value, { source: `${o.path}:${line}`, now: () => new Date(), controls: o.controls }));
    } catch (e) {
      if (!(e instanceof AirlockError)) throw e;
      badLines++;
      o.onNotice?.(`skipped: ${e.message}`);
    }
    if (pending.length >= batchMax) await flush();
    else {
      timer ??= setTimeout(() => {
        flush().catch((e: unknown) => {
          failure = e;
          stop.abort();
        });
      }, maxDelay);
    }
  }
  if (failure) throw failure;
  await flush();
  return { records, badLines };
}
