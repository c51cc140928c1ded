/**
 * `airlock sbom TARGET`: catalog a target and write its SBOM (CycloneDX 1.6 or SPDX 2.3
 * JSON). `airlock scan TARGET --db vuln.db`: catalog it, match against the offline
 * vulnerability DB and report (table, JSON, SARIF, CycloneDX VEX), stating how old the
 * DB is. Targets: rootfs:DIR, dir:PATH, oci:DIR[:TAG], docker-archive:FILE[:TAG],
 * sbom:FILE. Problems with single files are warnings on stderr; stdout stays the report.
 */
import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded, writeFileAtomic } from '../common/fsx.ts';
import { activeVulnDbPath } from '../bundle/store.ts';
import { applyIgnoreRules, parseIgnoreFile, type IgnoreRule } from '../scan/ignore.ts';
import { parseDuration } from '../common/size.ts';
import { catalog } from '../scan/catalog.ts';
import { notMatchedNotes, severityRank, SEVERITY_ORDER } from '../scan/formats/format.ts';
import { getFormat } from '../scan/formats/registry.ts';
import { matchPackages } from '../scan/match/matcher.ts';
import type { Severity } from '../scan/types.ts';
import { VulnDb } from '../vulndb/index.ts';
import { VERSION } from './main.ts';
import { printJson, useColor, warn } from './output.ts';

interface ScanOptions {
  db?: string;
  store?: string;
  ignore?: string[];
  format?: string;
  json?: boolean;
  output?: string;
  failOn?: string;
  maxDbAge: string;
  requireFreshDb?: boolean;
}

function parseSeverity(text: string): Severity {
  const s = text.toUpperCase();
  if (!(SEVERITY_ORDER as readonly string[]).includes(s) || s === 'UNKNOWN') {
    throw new AirlockError('USAGE', `--fail-on: "${text}" is not a severity (critical, high, medium, low, none)`);
  }
  return s as Severity;
}

async function runScan(target: string, opts: ScanOptions): Promise<void> {
  const format = getFormat(opts.json ? 'json' : (opts.format ?? 'table'), 'findings');
  const failOn = opts.failOn ? parseSeverity(opts.failOn) : undefined;
  const maxAge = parseDuration(opts.maxDbAge, '--max-db-age');
  if ((opts.db === undefined) === (opts.store === undefined)) throw new AirlockError('USAGE', 'give --db FILE or --store DIR (the DB a bundle installed)');
  const dbPath = opts.db ?? (await activeVulnDbPath(opts.store as string));
  // In a store, images are addressed by their name in the bundle: store:NAME.
  if (target.startsWith('store:')) {
    if (!opts.store) throw new AirlockError('USAGE', `${target}: store: targets need --store DIR`);
    target = `oci:${opts.store}:${target.slice('store:'.length)}`;
  }
  const rules: IgnoreRule[] = [];
  for (const file of opts.ignore ?? []) rules.push(...parseIgnoreFile(await readFileBounded(file, 16 * 1024 * 1024, 'ignore file'), file));
  const db = VulnDb.open(dbPath);
  try {
    const info = db.info();
    const now = new Date();
    const ageMs = now.getTime() - Date.parse(info.builtAt);
    if (!Number.isFinite(ageMs) || ageMs > maxAge) {
      const days = Number.isFinite(ageMs) ? `${Math.floor(ageMs / 86_400_000)} days old` : 'of unknown age';
      const message = `${dbPath}: the vulnerability DB was built ${info.builtAt || '(unknown)'} and is ${days}, older than --max-db-age ${opts.maxDbAge}; findings published since are missing`;
      if (opts.requireFreshDb) throw new AirlockError('EXPIRED', message);
      warn(`STALE DATABASE: ${message}`);
    }
    const result = await catalog(target);
    for (const w of result.warnings) warn(w);
    const matched = matchPackages(result.packages, db);
    const { findings, expired } = applyIgnoreRules(matched.findings, rules, now);
    for (const r of expired) warn(`${r.by}: the ignore rule for ${r.id} expired on ${r.expires}; the finding is reported again`);
    const notMatched = { noComparator: matched.unsupported, noVersion: matched.noVersion };
    for (const n of notMatchedNotes(notMatched)) warn(n);
    const text = format.render({
      catalog: result,
      findings,
      notMatched,
      db: { builtAt: info.builtAt, schemaVersion: info.schemaVersion, sources: info.ecosystems },
      generatedAt: now,
      toolVersion: VERSION,
      color: !opts.output && useColor(),
    });
    if (opts.output) await writeFileAtomic(opts.output, text);
    else process.stdout.write(text);
    if (failOn) {
      const hits = findings.filter((f) => !f.suppressed && f.severity !== 'UNKNOWN' && severityRank(f.severity) <= severityRank(failOn));
      if (hits.length > 0) throw new AirlockError('CHECK_FAILED', `${hits.length} finding(s) at or above ${failOn} (--fail-on ${opts.failOn})`);
    }
  } finally {
    db.close();
  }
}

export function registerScanCommands(program: Command): void {
  program
    .command('scan')
    .description('scan a target for known vulnerabilities with the offline DB (rootfs:DIR, dir:PATH, oci:DIR[:TAG], docker-archive:FILE[:TAG], sbom:FILE)')
    .argument('<target>', 'what to scan')
    .option('--db <file>', 'the vulnerability DB (vuln.db)')
    .option('--store <dir>', 'use the active DB of an Airlock store (and scan its images as store:NAME)')
    .option('--ignore <file>', 'suppress findings: OpenVEX, or a YAML list with justification and expiry (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--format <format>', 'table, json, sarif or cyclonedx (VEX)', 'table')
    .option('--json', 'the same as --format json')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (critical, high, medium, low)')
    .option('--max-db-age <duration>', 'warn loudly when the DB is older than this', '7d')
    .option('--require-fresh-db', 'fail instead of warning when the DB is older than --max-db-age')
    .action(async (target: string, opts: ScanOptions) => runScan(target, opts));
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
        const summary = { output: opts.output, format: format.name, target: result.target, os: result.os ?? null, packages: result.packages.length, osOwned: result.osOwned ?? 0, warnings: result.warnings };
        if (opts.json) printJson(summary);
        else process.stdout.write(`${opts.output}: ${format.name} SBOM with ${result.packages.length} packages\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
