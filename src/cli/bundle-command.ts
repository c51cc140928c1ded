import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { terminalProgress, silentProgress } from '../common/progress.ts';
import { formatSize, parseSize } from '../common/size.ts';
import { applyBundle } from '../bundle/apply.ts';
import { createBundle } from '../bundle/create.ts';
import { pushStoreItems } from '../bundle/push.ts';
import { Store } from '../bundle/store.ts';
import { diffBundles, inspectBundle } from '../bundle/inspect.ts';
import { verifyBundle } from '../bundle/verify.ts';
import { loadPrivateKey } from '../trust/keys.ts';
import { SoftwareSigner } from '../trust/signer.ts';
import { resolveTrust } from '../trust/trust-root.ts';
import { printJson, printLines, warn } from './output.ts';
import type { RegistryOptions } from '../oci/registry/index.ts';

const progressFor = (json: boolean | undefined) => (json ? silentProgress : terminalProgress());

function parseSequence(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new AirlockError('USAGE', `--sequence: "${v}" must be a positive integer`);
  return n;
}

interface RegistryFlags {
  creds?: string;
  caFile?: string;
  plainHttp?: boolean;
  concurrency: number;
}

function registryOptions(opts: RegistryFlags): RegistryOptions {
  return {
    ...(opts.creds ? { creds: opts.creds } : {}),
    ...(opts.caFile ? { caFile: opts.caFile } : {}),
    ...(opts.plainHttp ? { plainHttp: true } : {}),
    concurrency: opts.concurrency,
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n <= 0 || n > 64) throw new AirlockError('USAGE', `--concurrency: "${v}" must be an integer from 1 to 64`);
  return n;
}

export function registerBundleCommands(program: Command): void {
  const bundle = program.command('bundle').description('signed update bundles: create on the connected side, verify and apply on the isolated side');

  bundle
    .command('create')
    .description('build and sign a bundle from airlock.yaml')
    .requiredOption('-f, --file <airlock.yaml>', 'bundle specification')
    .requiredOption('-o, --out <path>', 'output folder (dir), file (tar) or folder of parts (--split)')
    .requiredOption('--key <private-key>', 'signing key (PEM; passphrase from AIRLOCK_KEY_PASSPHRASE)')
    .option('--base <bundle>', 'previous bundle: leave out the blobs it already delivered (delta)')
    .option('--sequence <n>', 'sequence number (default: seconds since 1970, above the base)', parseSequence)
    .option('--format <dir|tar>', 'output format (default dir; tar with --split)')
    .option('--split <size>', 'split into parts no larger than SIZE (e.g. 4GiB), as a tar')
    .option('--platform <os/arch[/variant]>', 'keep only this platform of multi-platform registry images (repeatable)', collect, [])
    .option('--creds <user:password>', 'registry credentials (else AIRLOCK_REGISTRY_USERNAME/PASSWORD or the docker config)')
    .option('--ca-file <pem>', 'trust this CA for registries')
    .option('--plain-http', 'reach registries over plain HTTP (never done silently)')
    .option('--concurrency <n>', 'parallel blob transfers per image', parsePositive, 4)
    .option('--json', 'machine-readable output')
    .action(async (opts: { file: string; out: string; key: string; base?: string; sequence?: number; format?: string; split?: string; json?: boolean } & RegistryFlags & { platform: string[] }) => {
      if (opts.format !== undefined && opts.format !== 'dir' && opts.format !== 'tar') throw new AirlockError('USAGE', `--format: "${opts.format}" must be dir or tar`);
      const signer = new SoftwareSigner(await loadPrivateKey(opts.key));
      const r = await createBundle({
        specFile: opts.file,
        out: opts.out,
        signer,
        ...(opts.format ? { format: opts.format as 'dir' | 'tar' } : {}),
        ...(opts.base ? { base: opts.base } : {}),
        ...(opts.sequence !== undefined ? { sequence: opts.sequence } : {}),
        ...(opts.split ? { split: parseSize(opts.split, '--split') } : {}),
        registry: { ...registryOptions(opts), ...(opts.platform.length > 0 ? { platforms: opts.platform } : {}) },
        progress: progressFor(opts.json),
      });
      if (opts.json) return printJson(r);
      const d = r.descriptor;
      printLines([
        `created ${r.out} (${r.format})`,
        `  ${d.name} ${d.version} on channel ${d.channel}, sequence ${d.sequence}, expires ${d.expires}`,
        `  ${d.items.length} item(s), ${d.blobs.length} blob(s), ${formatSize(r.bytes)}${d.base ? `; delta on ${d.base.version}: ${d.omitted.length} blob(s) (${formatSize(r.omittedBytes)}) left out` : ''}`,
        ...(r.parts ? [`  ${r.parts.length} part(s) of at most ${formatSize(Math.max(...r.parts.map((p) => p.size)))}`] : []),
        `  signed by ${r.keyId}`,
      ]);
    });

  bundle
    .command('verify')
    .description('verify signature, trust, expiry, every blob and completeness; exit 1 on any problem')
    .argument('<bundle>', 'bundle folder, tar file, or folder of parts')
    .option('--trust <file>', 'trust file: keys and the channels they may sign')
    .option('--key <public-key>', 'trust one public key for every channel')
    .option('--json', 'machine-readable output')
    .action(async (path: string, opts: { trust?: string; key?: string; json?: boolean }) => {
      const trust = await resolveTrust(opts);
      const r = await verifyBundle(path, { trust, progress: progressFor(opts.json) });
      for (const w of r.warnings) warn(w);
      if (opts.json) {
        const { descriptor, baseRoots: _b, ...rest } = r;
        printJson({ ...rest, ...(descriptor ? { name: descriptor.name, channel: descriptor.channel, version: descriptor.version, sequence: descriptor.sequence, delta: descriptor.base !== undefined } : {}) });
      } else if (r.ok && r.descriptor) {
        const d = r.descriptor;
        printLines([
          `OK ${path}: ${d.name} ${d.version} (channel ${d.channel}, sequence ${d.sequence})`,
          `  signed by ${r.keyId}; ${r.blobsChecked} blob(s), ${formatSize(r.bytesChecked)} checked${d.omitted.length ? `; delta: ${d.omitted.length} blob(s) expected from the base` : ''}`,
        ]);
      }
      if (!r.ok) {
        throw new AirlockError('VERIFY_FAILED', `${path}: verification failed: ${r.problems[0] ?? ''}`, { details: r.problems });
      }
    });

  bundle
    .command('inspect')
    .description('show what a bundle holds (does not verify it)')
    .argument('<bundle>')
    .option('--json', 'machine-readable output')
    .action(async (path: string, opts: { json?: boolean }) => {
      const r = await inspectBundle(path);
      if (opts.json) return printJson(r);
      const d = r.descriptor;
      printLines([
        `${d.name} ${d.version}  channel ${d.channel}  sequence ${d.sequence}  (${r.format}; not verified: run bundle verify)`,
        `created ${d.created}, expires ${d.expires}${r.signedBy ? `, signed by ${r.signedBy}` : ', UNSIGNED'}`,
        ...(d.base ? [`delta on ${d.base.name} ${d.base.version} (sequence ${d.base.sequence}): ${d.omitted.length} blob(s), ${formatSize(r.omittedBytes)} expected on the isolated side`] : []),
        `${d.blobs.length} blob(s), ${formatSize(r.bytes)}`,
        '',
        ...d.items.map((i) => `  ${i.type.padEnd(7)} ${i.name}  ${i.digest.slice(0, 19)}${i.platforms?.length ? `  [${i.platforms.join(', ')}]` : ''}`),
        ...(r.parts ? ['', ...r.parts.map((p) => `  part ${p.name}  ${formatSize(p.size)}`)] : []),
      ]);
    });

  bundle
    .command('diff')
    .description('what changed between two bundles')
    .argument('<old>')
    .argument('<new>')
    .option('--json', 'machine-readable output')
    .action(async (oldPath: string, newPath: string, opts: { json?: boolean }) => {
      const r = await diffBundles(oldPath, newPath);
      if (opts.json) return printJson(r);
      printLines([
        `${r.old.name} ${r.old.version} (sequence ${r.old.sequence}) -> ${r.new.name} ${r.new.version} (sequence ${r.new.sequence})${r.deltaOfOld ? ', a delta on the old one' : ''}`,
        ...r.items.added.map((i) => `  + ${i.type} ${i.name}`),
        ...r.items.removed.map((i) => `  - ${i.type} ${i.name}`),
        ...r.items.changed.map((i) => `  ~ ${i.type} ${i.name}  ${i.oldDigest.slice(7, 19)} -> ${i.digest.slice(7, 19)}`),
        `  ${r.items.unchanged} item(s) unchanged`,
        `blobs: ${r.blobs.added} new (${formatSize(r.blobs.addedBytes)}), ${r.blobs.removed} gone (${formatSize(r.blobs.removedBytes)}), ${r.blobs.shared} shared (${formatSize(r.blobs.sharedBytes)})`,
      ]);
    });

  bundle
    .command('apply')
    .description('verify, then apply into the isolated side store (no rollback, no partial state)')
    .argument('<bundle>')
    .option('--trust <file>', 'trust file')
    .option('--key <public-key>', 'trust one public key for every channel')
    .requiredOption('--store <dir>', 'the store folder (created on first apply)')
    .option('--allow-downgrade', 'apply a sequence at or below the last applied (recorded in the state)')
    .option('--registry <host[:port]>', 'then push every item into this registry (Harbor, Zot, distribution)')
    .option('--prefix <path>', 'repository prefix in the registry (a Harbor project, say)')
    .option('--creds <user:password>', 'registry credentials (else AIRLOCK_REGISTRY_USERNAME/PASSWORD or the docker config)')
    .option('--ca-file <pem>', 'trust this CA for the registry')
    .option('--plain-http', 'reach the registry over plain HTTP (never done silently)')
    .option('--concurrency <n>', 'parallel blob transfers per image', parsePositive, 4)
    .option('--json', 'machine-readable output')
    .action(async (path: string, opts: { trust?: string; key?: string; store: string; allowDowngrade?: boolean; json?: boolean; registry?: string; prefix?: string } & RegistryFlags) => {
      const trust = await resolveTrust(opts);
      if (opts.prefix !== undefined && opts.registry === undefined) throw new AirlockError('USAGE', '--prefix goes with --registry');
      const applied = await applyBundle(path, { trust, store: opts.store, allowDowngrade: opts.allowDowngrade === true, progress: progressFor(opts.json) });
      const pushed = opts.registry
        ? await pushStoreItems(await Store.open(opts.store, { create: false }), applied.items.map((i) => i.name), opts.registry, opts.prefix, registryOptions(opts))
        : undefined;
      const r = { ...applied, ...(pushed ? { pushed } : {}) };
      for (const w of r.warnings) warn(w);
      if (r.downgrade) warn(`applied a DOWNGRADE to sequence ${r.bundle.sequence} (--allow-downgrade); recorded in the store state`);
      if (opts.json) return printJson(r);
      const b = r.bundle;
      printLines(
        r.status === 'already-applied'
          ? [`${b.name} ${b.version} (sequence ${b.sequence}) is already applied to ${r.store}; nothing to do`]
          : [
              `applied ${b.name} ${b.version} (channel ${b.channel}, sequence ${b.sequence}) to ${r.store}${r.previous ? `, after ${r.previous.version} (sequence ${r.previous.sequence})` : ''}`,
              `  ${r.blobsWritten} blob(s) written, ${formatSize(r.bytesWritten)}; ${r.items.length} item(s)${r.vulndb ? `; vulnerability DB ${r.vulndb.active.slice(0, 12)} active` : ''}`,
            ],
      );
      if (pushed) {
        printLines(
          pushed.map(
            (p) => `  pushed ${p.target}: ${p.uploaded} blob(s) uploaded (${formatSize(p.bytesUploaded)}), ${p.mounted} mounted, ${p.skipped} already there`,
          ),
        );
      }
    });
}
