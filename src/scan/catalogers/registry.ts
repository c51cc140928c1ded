/** Every cataloger, in the order they run. Add a new package type here. */
import { apkCataloger } from './apk.ts';
import type { Cataloger } from './cataloger.ts';
import { dpkgCataloger } from './dpkg.ts';
import { npmLockCataloger } from './npm-lock.ts';
import { npmCataloger } from './npm.ts';
import { pythonLockCataloger } from './python-lock.ts';
import { pythonCataloger } from './python.ts';

export const CATALOGERS: readonly Cataloger[] = [dpkgCataloger, apkCataloger, npmCataloger, npmLockCataloger, pythonCataloger, pythonLockCataloger];

export function catalogerByName(name: string): Cataloger | undefined {
  return CATALOGERS.find((c) => c.name === name);
}
