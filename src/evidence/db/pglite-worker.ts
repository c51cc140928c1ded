/**
 * The embedded engine's thread (see pglite-thread.ts): opens PGlite on the data folder
 * and runs the statements it is sent, one at a time, in the order they come.
 */
import { parentPort } from 'node:worker_threads';
import { toThreadError } from '../../common/threads.ts';
import { appendChained } from '../append.ts';
import { openPglite } from './pglite-client.ts';
import type { EngineReply, EngineRequest, EngineThreadData } from './pglite-thread.ts';

export async function run(data: unknown): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the embedded engine thread runs on a worker thread');
  const { dataDir } = data as EngineThreadData;
  const post = (m: EngineReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  let db: Awaited<ReturnType<typeof openPglite>>;
  try {
    db = await openPglite(dataDir);
  } catch (e) {
    post({ id: 0, error: toThreadError(e) });
    port.close();
    return;
  }
  post({ id: 0, result: null });
  // Statements run strictly in order: each waits for the one before it.
  let chain: Promise<unknown> = Promise.resolve();
  port.on('message', (m: EngineRequest) => {
    chain = chain.then(async () => {
      try {
        if (m.type === 'close') {
          await db.close();
          post({ id: m.id, result: null });
          port.close();
          return;
        }
        const result = m.type === 'exec' ? (await db.exec(m.sql), null) : m.type === 'append' ? await appendChained(db, m.records) : await db.query(m.sql, m.params);
        post({ id: m.id, result });
      } catch (e) {
        post({ id: m.id, error: toThreadError(e) });
      }
    });
  });
}
