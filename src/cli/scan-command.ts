/**
 * `airlock sbom TARGET`: catalog a target and write its SBOM (CycloneDX 1.6 or SPDX 2.3
 * JSON). Targets: rootfs:DIR, dir:PATH, oci:DIR[:TAG], docker-archive:FILE[:TAG],
 * sbom:FILE. Problems with single files are warnings on stderr; stdout stays the document.
 */
import type { Command } from 'commander';
import { writeFileAtomic } from '../common/fsx.ts';
import { catalog } from '../scan/catalog.ts';
import { getFormat } from '../scan/formats/registry.ts';
import { VERSION } from './main.ts';
import { printJson, warn } from './output.ts';

export function registerScanCommands(program: Command): void {
  program
    .command('sbom')
    .description('write the software bill of materials of a target (rootfs:DIR, dir:PATH, oci:DIR[:TAG], docker-archive:FILE[:TAG], sbom:FILE)')
    .argument('<target>', 'what to catalog')
    .option('--format <format>', 'cyclonedx or spdx', 'cyclonedx')
    .option('-o, --output <file>', 'write the SBOM to a file instead of stdout')
    .option('--json', 'with --output: print a JSON summary (the SBOM itself is always JSON)')
    .action(async (target: string, opts: { format: string; output?: string; json?: boolean }) => {
      const format = getFormat(opts.format, 'sbom');
      const result = await catalog(target);
      for (const w of result.warnings) warn(w);
      const text = format.render({ catalog: result, generatedAt: new Date(), toolVersion: VERSION });
      if (opts.output) {
        await writeFileAtomic(opts.output, text);
        const summary = { output: opts.output, format: format.name, target: result.target, os: result.os ?? null, packages: result.packages.length, warnings: result.warnings };
        if (opts.json) printJson(summary);
        else process.stdout.write(`${opts.output}: ${format.name} SBOM with ${result.packages.length} packages\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
