/**
 * The evidence reader thread (see reader-thread.ts): opens the store, answers reads with
 * batches of decrypted records, one batch ahead of the reader, and closes the store when
 * told to. Everything the store's engine allocated goes with the thread.
 */
import { parentPort } from 'node:worker_threads';
import { toThreadError } from '../common/threads.ts';
import { EvidenceStore } from './store.ts';
import type { ReaderReply, ReaderRequest, ReaderThreadData } from './reader-thread.ts';

/** Records per message. */
const BATCH = 500;

export async function run(data: unknown): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the evidence reader runs on a worker thread');
  const { options } = data as ReaderThreadData;
  const post = (m: ReaderReply): void => port.postMessage(m);
  // Requests arrive as messages; the loop below takes them one at a time.
  const inbox: ReaderRequest[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (m: ReaderRequest) => {
    inbox.push(m);
    wake?.();
  });
  const next = async (): Promise<ReaderRequest> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    wake = undefined;
    return inbox.shift()!;
  };

  let store: EvidenceStore;
  try {
    store = await EvidenceStore.open(options);
  } catch (e) {
    post({ type: 'error', error: toThreadError(e) });
    port.close();
    return;
  }
  post({ type: 'ready', storeId: store.storeId });
  try {
    for (let m = await next(); m.type !== 'close'; m = await next()) {
      if (m.type !== 'read') continue;
      let batch = [];
      let stopped = false;
      try {
        for await (const r of store.records(m.query)) {
          batch.push(r);
          if (batch.length < BATCH) continue;
          post({ type: 'batch', records: batch, done: false });
          batch = [];
          const go = await next();
          if (go.type !== 'more') {
            inbox.unshift(go);
            stopped = true;
            break;
          }
        }
        if (!stopped) post({ type: 'batch', records: batch, done: true });
      } catch (e) {
        post({ type: 'error', error: toThreadError(e) });
      }
    }
  } finally {
    await store.close().catch(() => undefined);
    post({ type: 'closed' });
    port.close();
  }
}
