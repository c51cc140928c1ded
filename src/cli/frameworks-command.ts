import type { Command } from 'commander';
import { resolve } from 'node:path';
import { defaultContentDir, frameworkPolicyDirs, listFrameworks, loadContent, packFramework, showFramework } from '../frameworks/index.ts';
import { setFrameworkResolver } from '../policy/index.ts';
import { printJson, printLines } from './output.ts';

interface CommonOpts {
  json?: boolean;
  content?: string;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

export function registerFrameworksCommands(program: Command): void {
  // `airlock policy audit --framework ID` evaluates the policies mapped to the framework.
  setFrameworkResolver(async (id) => frameworkPolicyDirs(await loadContent(defaultContentDir()), id));
  const fw = program.command('frameworks').description('compliance frameworks: control indexes, mapped policies, coverage');
  const contentOpt = `content folder (default: $AIRLOCK_CONTENT_DIR or the bundled content/)`;

  fw.command('list')
    .description('list the frameworks with their control, policy and mapping counts')
    .option('--content <dir>', contentOpt)
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOpts) => {
      const content = await loadContent(opts.content ? resolve(opts.content) : defaultContentDir());
      const list = listFrameworks(content);
      if (opts.json) return printJson(list);
      printLines(
        table([
          ['ID', 'NAME', 'VERSION', 'CONTROLS', 'POLICIES', 'MAPPINGS', 'COVERAGE'],
          ...list.map((f) => [f.id, f.name, f.version, String(f.controls), String(f.policies), `${f.mappings} (min ${f.minimumMappings})`, `${pct(f.coverage)} (${f.coveredControls}/${f.controls})`]),
        ]),
      );
    });

  fw.command('show')
    .description('show one framework: its controls, the policies mapped to them, and coverage')
    .argument('<id>', 'framework id (see `airlock frameworks list`)')
    .option('--content <dir>', contentOpt)
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: CommonOpts) => {
      const content = await loadContent(opts.content ? resolve(opts.content) : defaultContentDir());
      const d = showFramework(content, id);
      if (opts.json) return printJson(d);
      const lines = [
        `${d.name} ${d.version} (${d.id})`,
        `publisher:  ${d.publisher}`,
        `controls:   ${d.controls}, covered by at least one policy: ${d.coveredControls} (${pct(d.coverage)})`,
        `policies:   ${d.policies}`,
        `mappings:   ${d.mappings} (minimum ${d.minimumMappings})`,
        `ids:        ${d.idFormat}`,
        '',
        'CONTROLS',
        ...table([['ID', 'FAMILY', 'TITLE', 'POLICIES'], ...d.controlList.map((c) => [c.id, c.family, c.title, c.policies.length === 0 ? '-' : c.policies.join(', ')])]),
        '',
        'POLICIES',
        ...table([['NAME', 'SEVERITY', 'CATEGORY', 'CONTROLS'], ...d.policyList.map((p) => [p.name, p.severity, p.category, p.controls.map((c) => c.control).join(', ')])]),
      ];
      printLines(lines);
    });

  fw.command('pack')
    .description("pack a framework's control index and policies into a folder for an update bundle")
    .argument('<id>', 'framework id')
    .requiredOption('--out <dir>', 'output folder (created; must be empty if it exists)')
    .option('--content <dir>', contentOpt)
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: CommonOpts & { out: string }) => {
      const content = await loadContent(opts.content ? resolve(opts.content) : defaultContentDir());
      const m = await packFramework(content, id, resolve(opts.out));
      if (opts.json) return printJson(m);
      printLines([`packed ${m.framework.id}: ${m.policies.length} policies, ${m.files.length} files in ${resolve(opts.out)}`]);
    });
}
