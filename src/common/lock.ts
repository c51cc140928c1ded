/**
 * A directory lock: a file created with O_EXCL holding the owner's pid. A lock left by
 * a process that no longer runs (killed, crashed) is taken over, so a kill -9 never
 * leaves a store locked for good.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { AirlockError, errnoCode, ioError } from './errors.ts';

export type Unlock = () => Promise<void>;

/**
 * Takes `<root>/<file>`. `activity` completes the message a second process sees:
 * "another airlock process (pid N) is <activity>".
 */
export async function takeDirLock(root: string, file: string, activity: string): Promise<Unlock> {
  const path = join(root, file);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await fsp.open(path, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        await fsp.rm(path, { force: true });
      };
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw ioError(root, e, 'lock store');
      const pid = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new AirlockError('LOCKED', `${root}: another airlock process (pid ${pid}) is ${activity}`);
      }
      await fsp.rm(path, { force: true });
    }
  }
  throw new AirlockError('LOCKED', `${root}: could not take the store lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}
