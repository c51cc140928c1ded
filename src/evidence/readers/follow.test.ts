/**
 * The alerts.json follower on real files in a temporary folder: growth, partial lines,
 * rotation by rename while the writer keeps writing, truncation, resuming from a saved
 * position (same file, rotated while stopped, truncated while stopped), long lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/helpers/env.ts';
import { followFile, type FollowEvent, type FollowOptions, type FollowPosition } from './follow.ts';

const POLL = 10;

/** Runs a follower and lets the test wait for lines; stops it at the end. */
function start(path: string, options: FollowOptions = {}) {
  const ac = new AbortController();
  const events: FollowEvent[] = [];
  let wake: (() => void) | undefined;
  const done = (async () => {
    for await (const e of followFile(path, { pollMs: POLL, ...options, signal: ac.signal })) {
      events.push(e);
      wake?.();
    }
  })();
  const lines = (): string[] => events.flatMap((e) => (e.kind === 'line' ? [e.text] : []));
  return {
    events,
    lines,
    notices: (): string[] => events.flatMap((e) => (e.kind === 'notice' ? [e.message] : [])),
    /** Resolves once `n` lines have arrived (the test runner's timeout bounds the wait). */
    async until(n: number): Promise<void> {
      while (lines().length < n) await new Promise<void>((r) => (wake = r));
    },
    lastPosition(): FollowPosition | undefined {
      return [...events].reverse().find((e) => e.kind === 'line')?.position;
    },
    async stop(): Promise<void> {
      ac.abort();
      await done;
    },
  };
}

const inode = (path: string): string => String(statSync(path, { bigint: true }).ino);

test('follows a growing file and holds a partial line until its newline', { timeout: 20_000 }, async (t) => {
  const path = join(tempDir(t), 'alerts.json');
  writeFileSync(path, '{"n":1}\n{"n":2}\n');
  const f = start(path);
  await f.until(2);
  appendFileSync(path, '{"n":3');
  await new Promise((r) => setTimeout(r, POLL * 5));
  assert.equal(f.lines().length, 2);
  appendFileSync(path, '}\n{"n":4}\n');
  await f.until(4);
  await f.stop();
  assert.deepEqual(f.lines(), ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
  assert.deepEqual(f.lastPosition(), { inode: inode(path), offset: statSync(path).size });
});

test('rotation by rename: the old file is finished, the new one read from its start', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'alerts.json');
  writeFileSync(path, 'a1\na2\n');
  const f = start(path);
  await f.until(2);
  const oldInode = inode(path);
  // The manager renames the file, keeps writing to its open descriptor for a moment, then
  // opens a new file at the path.
  renameSync(path, join(dir, 'alerts.json.1'));
  appendFileSync(join(dir, 'alerts.json.1'), 'a3\n');
  await new Promise((r) => setTimeout(r, POLL * 3));
  writeFileSync(path, 'b1\n');
  await f.until(4);
  appendFileSync(path, 'b2\n');
  await f.until(5);
  await f.stop();
  assert.deepEqual(f.lines(), ['a1', 'a2', 'a3', 'b1', 'b2']);
  assert.equal(f.notices().length, 1);
  assert.match(f.notices()[0]!, /rotated; following the new file/);
  const positions = f.events.filter((e) => e.kind === 'line').map((e) => e.position);
  assert.equal(positions[2]?.inode, oldInode);
  assert.deepEqual(positions[4], { inode: inode(path), offset: 6 });
});

test('truncation in place restarts at the beginning', { timeout: 20_000 }, async (t) => {
  const path = join(tempDir(t), 'alerts.json');
  writeFileSync(path, 'first-line-that-is-long\nsecond-line-that-is-long\n');
  const f = start(path);
  await f.until(2);
  truncateSync(path, 0);
  await new Promise((r) => setTimeout(r, POLL * 5));
  appendFileSync(path, 'after\n');
  await f.until(3);
  await f.stop();
  assert.deepEqual(f.lines(), ['first-line-that-is-long', 'second-line-that-is-long', 'after']);
  assert.match(f.notices().join('\n'), /truncated to 0 bytes; reading from the start/);
});

test('resumes from a saved position, and after rotation or truncation while stopped', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'alerts.json');
  writeFileSync(path, 'l1\nl2\nl3\n');
  const f1 = start(path);
  await f1.until(2);
  // The caller saves the position of the last line the store accepted: after l2.
  const saved = f1.events.filter((e) => e.kind === 'line')[1]!.position;
  await f1.stop();
  appendFileSync(path, 'l4\n');

  const f2 = start(path, { position: saved });
  await f2.until(2);
  await f2.stop();
  assert.deepEqual(f2.lines(), ['l3', 'l4']);
  assert.deepEqual(f2.notices(), []);

  // Rotated while nothing followed, after more was written: the rest of the old file
  // (found beside it by inode, as logrotate and Wazuh leave it), then the new file.
  const before = f2.lastPosition()!;
  appendFileSync(path, 'l5\n');
  mkdirSync(join(dir, '2026', 'Nov'), { recursive: true });
  renameSync(path, join(dir, '2026', 'Nov', 'ossec-alerts-23.json'));
  writeFileSync(path, 'n1\n');
  const f3 = start(path, { position: before });
  await f3.until(2);
  await f3.stop();
  assert.deepEqual(f3.lines(), ['l5', 'n1']);
  assert.match(f3.notices()[0]!, /rotated while stopped; finishing .*ossec-alerts-23\.json/);

  // Rotated away where it cannot be found (compressed, say): the new file, with a notice.
  const gone = f3.lastPosition()!;
  rmSync(join(dir, '2026'), { recursive: true });
  renameSync(path, join(dir, 'x'));
  rmSync(join(dir, 'x'));
  writeFileSync(path, 'n2\n');
  const f3b = start(path, { position: gone });
  await f3b.until(1);
  await f3b.stop();
  assert.deepEqual(f3b.lines(), ['n2']);
  assert.match(f3b.notices()[0]!, /the old file was not found beside it/);

  // Truncated while stopped: shorter than the position.
  const at = f3b.lastPosition()!;
  writeFileSync(path, '');
  appendFileSync(path, 'x\n');
  const f4 = start(path, { position: { ...at, offset: at.offset + 100 } });
  await f4.until(1);
  await f4.stop();
  assert.deepEqual(f4.lines(), ['x']);
  assert.match(f4.notices()[0]!, /shorter .* than the saved position/);
});

test('waits for the file to appear; starts at the end when asked; skips overlong lines', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'alerts.json');
  const f = start(path, { maxLineBytes: 16 });
  await new Promise((r) => setTimeout(r, POLL * 3));
  writeFileSync(path, `ok\n${'y'.repeat(100)}\nok2\n`);
  await f.until(2);
  await f.stop();
  assert.deepEqual(f.lines(), ['ok', 'ok2']);
  assert.deepEqual(f.notices(), [`${path}: a line of 100 bytes exceeds the limit of 16 bytes; skipped`]);

  // From the end: nothing already in the file comes out, only what is appended. (Appends
  // repeat until one is seen, since the follower may open the file after the first.)
  const g = start(path, { fromEnd: true });
  for (let i = 0; g.lines().length === 0; i++) {
    appendFileSync(path, `new${i}\n`);
    await new Promise((r) => setTimeout(r, POLL * 3));
  }
  await g.stop();
  assert.ok(g.lines().length > 0 && g.lines().every((l) => /^new\d+$/.test(l)), g.lines().join(','));
});
