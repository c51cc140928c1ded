/** The evidence importers' context for tests: the shipped content's control resolver and a fixed clock. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadControlResolver, type ControlResolver } from '../../src/evidence/controls.ts';
import type { ImportContext } from '../../src/evidence/importers/importer.ts';
import { PROJECT_ROOT } from './env.ts';

let cached: Promise<ControlResolver> | undefined;

export function contentResolver(): Promise<ControlResolver> {
  return (cached ??= loadControlResolver(join(PROJECT_ROOT, 'content')));
}

export const FIXED_NOW = new Date('2026-11-23T12:00:00.000Z');

export async function importContext(source: string, now: Date = FIXED_NOW): Promise<ImportContext> {
  return { source, now: () => now, controls: await contentResolver() };
}

/** The importers' own fixtures (src/evidence/importers/testdata). */
export function testdata(name: string): string {
  return fileURLToPath(new URL(`../../src/evidence/importers/testdata/${name}`, import.meta.url));
}
