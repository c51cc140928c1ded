import type { Command } from 'commander';
import { buildVulnDb, VulnDb } from '../vulndb/index.ts';
import { AirlockError } from '../common/errors.ts';
import { printJson, printLines, warn } from './output.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseThreads(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 64) throw new AirlockError('USAGE', `--threads: "${v}" must be an integer from 0 to 64`);
  return n;
}

function age(builtAt: string, now = Date.now()): string {
  const ms = now - Date.parse(builtAt);
  if (!Number.isFinite(ms)) return 'unknown age';
  const days = Math.floor(ms / 86_400_000);
  return days >= 1 ? `${days} day${days === 1 ? '' : 's'} old` : `${Math.max(0, Math.floor(ms / 3_600_000))} hours old`;
}

export function registerVulndbCommands(program: Command): void {
  const vulndb = program.command('vulndb').description('the offline vulnerability database (vuln.db, built from OSV)');
  vulndb
    .command('build')
    .description('build vuln.db from OSV records (directories, .zip, .tar.gz of JSON/YAML) and optional NVD CVE JSON 2.0 feeds')
    .requiredOption('--osv <path>', 'OSV source (repeatable)', collect)
    .option('--nvd <path>', 'NVD CVE JSON 2.0 feed or folder, for CVSS vectors OSV lacks (repeatable)', collect)
    .requiredOption('-o, --output <file>', 'the database to write (replaced atomically)')
    .option('--threads <n>', 'threads parsing records beside the one writing the DB (0: parse on that one; default: one per core, at most 4)', parseThreads)
    .option('--json', 'machine-readable output')
    .action(async (opts: { osv: string[]; nvd?: string[]; output: string; threads?: number; json?: boolean }) => {
      const report = await buildVulnDb({ osv: opts.osv, nvd: opts.nvd ?? [], output: opts.output, ...(opts.threads === undefined ? {} : { parserThreads: opts.threads }) });
      if (opts.json) {
        printJson(report);
        return;
      }
      const lines = [
        `wrote ${report.output}: ${report.advisories} advisories (${report.withdrawn} withdrawn), ${report.nvdCves} NVD CVEs, schema ${report.schemaVersion}, in ${(report.durationMs / 1000).toFixed(1)} s`,
      ];
      for (const s of report.sources) {
        const ecos = Object.entries(s.ecosystems).sort((a, b) => b[1] - a[1]).map(([e, n]) => `${e} ${n}`).join(', ');
        lines.push(`  ${s.kind} ${s.path}: ${s.records} records${s.bad ? `, ${s.bad} bad` : ''}${ecos ? ` (${ecos})` : ''}`);
      }
      if (report.duplicates) lines.push(`  ${report.duplicates} duplicate ids (the newer record kept)`);
      printLines(lines);
      if (report.badCount > 0) {
        warn(`${report.badCount} bad records skipped:`);
        for (const b of report.bad.slice(0, 20)) process.stderr.write(`  ${b.id ?? b.entry}: ${b.error}\n`);
        if (report.badCount > 20) process.stderr.write(`  ... and ${report.badCount - 20} more (see --json, or the bad_record table)\n`);
      }
    });
  vulndb
    .command('info')
    .description('show what a vuln.db holds and how old it is')
    .argument('<db>', 'the database file')
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { json?: boolean }) => {
      const db = VulnDb.open(path);
      try {
        const info = db.info();
        if (opts.json) {
          printJson(info);
          return;
        }
        printLines([
          `${info.path}`,
          `  schema:     ${info.schemaVersion}`,
          `  built:      ${info.builtAt} (${age(info.builtAt)})`,
          `  advisories: ${info.advisories} (${info.withdrawn} withdrawn, ${info.bad} bad records skipped)`,
          `  NVD CVEs:   ${info.nvdCves}`,
          '  ecosystems:',
          ...Object.entries(info.ecosystems).map(([e, n]) => `    ${e.padEnd(28)} ${n}`),
          '  sources:',
          ...info.sources.map((s) => `    ${s.kind} ${s.path}: ${s.records} records${s.bad ? `, ${s.bad} bad` : ''}`),
        ]);
      } finally {
        db.close();
      }
    });
  vulndb
    .command('lookup')
    .description('list the advisories for one package, e.g. `lookup vuln.db PyPI django` or `lookup vuln.db Debian:12 openssl`')
    .argument('<db>', 'the database file')
    .argument('<ecosystem>', 'OSV ecosystem, with the release for distributions')
    .argument('<name>', 'package name (source package for distributions)')
    .option('--json', 'machine-readable output')
    .action((path: string, ecosystem: string, name: string, opts: { json?: boolean }) => {
      if (ecosystem.trim() === '' || name.trim() === '') throw new AirlockError('USAGE', 'ecosystem and name must not be empty');
      const db = VulnDb.open(path);
      try {
        const found = db.lookup(ecosystem, name);
        if (opts.json) printJson(found);
        else printLines(found.length === 0 ? [`no advisories for ${ecosystem} ${name}`] : found.map((a) => `${a.id}${a.aliases.length ? ` (${a.aliases.join(', ')})` : ''}${a.withdrawn ? ' [withdrawn]' : ''}${a.summary ? `: ${a.summary}` : ''}`));
      } finally {
        db.close();
      }
    });
}
