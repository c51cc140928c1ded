/**
 * Test environment helpers: temporary folders, the shared data set, and external tools.
 * A test that needs a real tool or service calls `requireTool`: under CI=true a missing
 * tool fails the test; elsewhere the test is skipped with a message. The shared data set
 * (../shared/data, public test data kept outside the repository) may be absent from a
 * clone: tests that read it skip with a message, in CI too, unless
 * AIRLOCK_REQUIRE_SHARED_DATA=1 asks for a failure instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_DATA = join(PROJECT_ROOT, '..', 'shared', 'data');
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** AIRLOCK_REQUIRE_SHARED_DATA=1: absent shared data fails a test instead of skipping it. */
export const REQUIRE_SHARED = process.env.AIRLOCK_REQUIRE_SHARED_DATA === '1';

/** A fresh temporary folder removed when the test ends. */
export function tempDir(t: TestContext | { after: (fn: () => void) => void }, prefix = 'airlock-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Returns true when the tool is there; otherwise skips (or fails under CI) and returns false. */
export function requireTool(t: TestContext, name: string): boolean {
  if (hasTool(name)) return true;
  if (IN_CI) throw new Error(`${name} is required in CI but is not installed (.ci/run installs it)`);
  t.skip(`${name} is not installed`);
  return false;
}

/** Path into ../shared/data, or undefined (and the test skipped) when it is absent. */
export function sharedData(t: TestContext, ...parts: string[]): string | undefined {
  const p = join(SHARED_DATA, ...parts);
  if (existsSync(p)) return p;
  if (REQUIRE_SHARED) throw new Error(`shared data ${p} is missing (AIRLOCK_REQUIRE_SHARED_DATA=1)`);
  t.skip(`shared data not present: ${p}`);
  return undefined;
}
