import type { Command } from 'commander';
import { PASSPHRASE_ENV, generateKeyPair } from '../trust/keys.ts';
import { AirlockError } from '../common/errors.ts';
import { printJson, printLines, warn } from './output.ts';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys (ECDSA P-256)');
  keys
    .command('generate')
    .description(`generate a key pair; the private key is encrypted with the passphrase in ${PASSPHRASE_ENV}`)
    .requiredOption('--out <dir>', 'folder for NAME.key and NAME.pub')
    .option('--name <name>', 'file name stem', 'airlock')
    .option('--no-passphrase', 'write the private key unencrypted (not for production)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { out: string; name: string; passphrase: boolean; json?: boolean }) => {
      let passphrase: string | undefined;
      if (opts.passphrase) {
        passphrase = process.env[PASSPHRASE_ENV];
        if (!passphrase) {
          throw new AirlockError('USAGE', `set ${PASSPHRASE_ENV} to encrypt the private key, or pass --no-passphrase`);
        }
      } else {
        warn('writing an UNENCRYPTED private key (--no-passphrase); anyone who reads the file can sign bundles');
      }
      const r = await generateKeyPair(opts.out, opts.name, passphrase);
      if (opts.json) printJson(r);
      else printLines([`private key: ${r.privateKeyPath}${r.encrypted ? ' (encrypted)' : ' (UNENCRYPTED)'}`, `public key:  ${r.publicKeyPath}`, `key id:      ${r.keyId}`]);
    });
}
