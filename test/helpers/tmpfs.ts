/** A small tmpfs mounted for a test (read-only or of a given size), to meet full and read-only disks for real. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function mountTmpfs(t: TestContext, options: { size: string; readOnly?: boolean }): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-tmpfs-'));
  const opts = [`size=${options.size}`, ...(options.readOnly ? ['ro'] : [])].join(',');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    // Mounting needs privileges a sandbox may not grant; this is a capability, not a tool to install.
    t.skip(`cannot mount a tmpfs here: ${(r.stderr || r.error?.message || '').trim()}`);
    return undefined;
  }
  t.after(() => {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function remountReadOnly(dir: string): void {
  const r = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`remount ro failed: ${r.stderr}`);
}
