import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { inspectBundle } from '../bundle/inspect.ts';
import { parseCreds } from '../oci/registry/credentials.ts';
import { parseReference } from '../oci/registry/reference.ts';
import { DISTROS, type Distro, mirrorConfig } from '../oci/registry/mirror-config.ts';
import { printJson } from './output.ts';

interface MirrorOptions {
  distro: string;
  registry: string;
  source?: string[];
  prefix?: string;
  caFile?: string;
  creds?: string;
  name?: string;
  bundle?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** The registries a bundle's images came from (registry images only; local layouts have none). */
async function bundleRegistries(path: string): Promise<string[]> {
  const { descriptor } = await inspectBundle(path);
  const out = new Set<string>();
  for (const item of descriptor.items) {
    if (item.type !== 'image' || item.source.startsWith('oci:') || item.source.startsWith('docker-archive:')) continue;
    out.add(parseReference(item.source).registry);
  }
  return [...out].sort();
}

export function registerMirrorCommands(program: Command): void {
  program
    .command('mirror-config')
    .description('print the cluster mirror configuration for images pushed to a registry (k3s/RKE2 registries.yaml, OpenShift mirror sets)')
    .requiredOption('--distro <distro>', `one of ${DISTROS.join(', ')}`)
    .requiredOption('--registry <url>', 'the mirror registry, host[:port] or https://host[:port]')
    .option('--source <registry>', 'a source registry to mirror (repeatable), e.g. docker.io', collect)
    .option('--bundle <bundle>', "take the source registries from a bundle's images")
    .option('--prefix <path>', 'repository path prefix the images were pushed under')
    .option('--ca-file <file>', "the registry's CA certificate (k3s/RKE2: its path on the nodes; OpenShift: read into a ConfigMap)")
    .option('--creds <user:pass>', 'k3s/RKE2: credentials for the auth stanza')
    .option('--name <name>', 'OpenShift: name of the mirror sets', 'airlock-mirror')
    .option('--json', 'machine-readable output')
    .action(async (opts: MirrorOptions) => {
      if (!(DISTROS as readonly string[]).includes(opts.distro)) throw new AirlockError('USAGE', `--distro ${opts.distro}: expected one of ${DISTROS.join(', ')}`);
      const distro = opts.distro as Distro;
      const sources = [...(opts.source ?? []), ...(opts.bundle ? await bundleRegistries(opts.bundle) : [])];
      if (sources.length === 0) throw new AirlockError('USAGE', opts.bundle ? `${opts.bundle}: the bundle holds no registry images; give --source` : 'give at least one --source registry or --bundle');
      const caPem = distro === 'openshift' && opts.caFile ? (await readFileBounded(opts.caFile, 1024 * 1024, 'CA file')).toString('utf8') : undefined;
      if (caPem !== undefined && !caPem.includes('-----BEGIN CERTIFICATE-----')) throw new AirlockError('BAD_INPUT', `${opts.caFile}: not a PEM certificate`);
      const out = mirrorConfig({
        distro,
        registry: opts.registry,
        sources: [...new Set(sources)],
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
        ...(distro !== 'openshift' && opts.caFile ? { caFile: opts.caFile } : {}),
        ...(caPem ? { caPem } : {}),
        ...(opts.creds ? { creds: parseCreds(opts.creds) } : {}),
        ...(opts.name ? { name: opts.name } : {}),
      });
      if (opts.json) printJson({ distro, target: out.target, documents: out.documents });
      else process.stdout.write(out.yaml);
    });
}
