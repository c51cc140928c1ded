/** Every cataloger, in the order they run. Add a new package type here. */
import { apkCataloger } from './apk.ts';
import { cargoCataloger } from './cargo.ts';
import type { Cataloger } from './cataloger.ts';
import { composerCataloger } from './composer.ts';
import { dotnetCataloger } from './dotnet.ts';
import { dpkgCataloger } from './dpkg.ts';
import { embeddedSbomCataloger } from './embedded-sbom.ts';
import { goBinaryCataloger } from './go-binary.ts';
import { goModCataloger } from './go-mod.ts';
import { javaCataloger } from './java.ts';
import { npmLockCataloger } from './npm-lock.ts';
import { npmCataloger } from './npm.ts';
import { pnpmCataloger } from './pnpm.ts';
import { pythonLockCataloger } from './python-lock.ts';
import { pythonCataloger } from './python.ts';
import { rpmCataloger } from './rpm.ts';
import { gemfileLockCataloger, gemspecCataloger } from './ruby.ts';
import { yarnCataloger } from './yarn.ts';

export const CATALOGERS: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  npmLockCataloger,
  yarnCataloger,
  pnpmCataloger,
  pythonCataloger,
  pythonLockCataloger,
  goModCataloger,
  goBinaryCataloger,
  javaCataloger,
  cargoCataloger,
  gemfileLockCataloger,
  gemspecCataloger,
  composerCataloger,
  dotnetCataloger,
  embeddedSbomCataloger,
];

export function catalogerByName(name: string): Cataloger | undefined {
  return CATALOGERS.find((c) => c.name === name);
}
