/**
 * Progress for long work: a bar on a TTY (stderr), nothing when piped or with --json.
 */
import cliProgress from 'cli-progress';
import { formatSize } from './size.ts';

export interface Progress {
  start(label: string, totalBytes: number): void;
  advance(bytes: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, advance() {}, stop() {} };

/** `unit: 'items'` counts things (records, files) instead of bytes. */
export function terminalProgress(enabled = process.stderr.isTTY === true, unit: 'bytes' | 'items' = 'bytes'): Progress {
  const fmt = unit === 'bytes' ? formatSize : (n: number) => String(n);
  if (!enabled) return silentProgress;
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  return {
    start(label, totalBytes) {
      bar?.stop();
      done = 0;
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label.padEnd(10)} {bar} {percentage}% | {done} of {size}`,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(totalBytes, 1), 0, { done: fmt(0), size: fmt(totalBytes) });
    },
    advance(bytes) {
      done += bytes;
      bar?.update(done, { done: fmt(done) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
