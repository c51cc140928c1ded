/**
 * The main of an OSV parser thread (parse-pool.ts): parses each batch it is sent and
 * sends the result back, transferring its buffers. The single-file build carries this
 * module as a separate small bundle (scripts/worker-sources.mjs), so that a thread loads
 * the parser and not the whole CLI.
 */
import { parentPort } from 'node:worker_threads';
import { parseBatch, type EntryBatch } from './parse-batch.ts';

const port = parentPort;
if (port) {
  port.on('message', (batch: EntryBatch) => {
    const r = parseBatch(batch);
    port.postMessage(r, [r.shape.buffer as ArrayBuffer]);
  });
}
