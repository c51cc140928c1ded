import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import { defaultContentDir, loadContent } from '../frameworks/index.ts';
import {
  DEFAULT_MAX_ERRORS,
  DEFAULT_OSCAL_VERSION,
  CONTENT_EXPORTERS,
  EXPORTERS,
  MAX_OSCAL_BYTES,
  OSCAL_VERSIONS,
  STORE_ENV,
  exportFramework,
  importCatalog,
  isOscalVersion,
  loadSystemDescription,
  modelInVersion,
  parseOscalDocument,
  schemaVersionFor,
  validateOscal,
  type OscalVersion,
} from '../oscal/index.ts';
import { EvidenceReaderThread } from '../evidence/reader-thread.ts';
import { addStoreOptions, storeOptionsFrom, type StoreCliOptions } from './evidence-options.ts';
import { printJson, printLines, warn } from './output.ts';

const contentOpt = 'content folder (default: $AIRLOCK_CONTENT_DIR or the bundled content/)';
const schemaDirOpt = "folder of NIST's OSCAL JSON schemas, by version or flat (default: the bundled content/oscal-schemas)";
const storeOpt = `Airlock data folder for imported catalogs (default: $${STORE_ENV})`;

function versionOpt(v: string | undefined): OscalVersion | undefined {
  if (v === undefined) return undefined;
  if (!isOscalVersion(v)) throw new AirlockError('USAGE', `--oscal-version: ${JSON.stringify(v)} is not one of ${OSCAL_VERSIONS.join(', ')}`);
  return v;
}

function storeDir(opt: string | undefined): string | undefined {
  const s = opt ?? process.env[STORE_ENV];
  return s && s.trim() !== '' ? resolve(s) : undefined;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function registerOscalCommands(program: Command): void {
  const oscal = program.command('oscal').description('OSCAL: validate documents, import official catalogs, export framework documents');

  oscal
    .command('validate')
    .description("validate an OSCAL JSON document against NIST's schema for its model and version; exit 1 when invalid")
    .argument('<file>', 'OSCAL JSON document (catalog, profile, component-definition, SSP, assessment plan or results, POA&M, mapping)')
    .option('--oscal-version <version>', `schema version (${OSCAL_VERSIONS.join(', ')}); default from metadata.oscal-version`)
    .option('--schema-dir <dir>', schemaDirOpt)
    .option('--max-errors <n>', 'errors listed at most', String(DEFAULT_MAX_ERRORS))
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { oscalVersion?: string; schemaDir?: string; maxErrors: string; json?: boolean }) => {
      const maxErrors = Number(opts.maxErrors);
      if (!Number.isInteger(maxErrors) || maxErrors < 1 || maxErrors > 100_000) throw new AirlockError('USAGE', `--max-errors: ${JSON.stringify(opts.maxErrors)} is not a number from 1 to 100000`);
      const doc = parseOscalDocument(await readFileBounded(file, MAX_OSCAL_BYTES, 'OSCAL file'), file);
      let version = versionOpt(opts.oscalVersion);
      if (!version) {
        if (doc.declaredVersion === undefined) version = DEFAULT_OSCAL_VERSION;
        else {
          version = schemaVersionFor(doc.declaredVersion);
          if (!version) throw new AirlockError('BAD_INPUT', `${file}: declares OSCAL version ${JSON.stringify(doc.declaredVersion)}, which has no schema here; give --oscal-version (${OSCAL_VERSIONS.join(', ')})`);
        }
      }
      if (!modelInVersion(doc.model, version)) throw new AirlockError('UNSUPPORTED', `${file}: OSCAL ${version} has no ${doc.model} model; give --oscal-version 1.2.1`);
      const r = await validateOscal(doc.value, doc.model, version, { schemaDir: opts.schemaDir ? resolve(opts.schemaDir) : undefined, maxErrors });
      const summary = { file, ...r, declaredVersion: doc.declaredVersion ?? null };
      if (opts.json) printJson(summary);
      else if (r.valid) printLines([`OK ${file}: valid OSCAL ${version} ${doc.model}${doc.declaredVersion && doc.declaredVersion !== version ? ` (declares ${doc.declaredVersion})` : ''}`]);
      if (!r.valid) {
        const first = r.errors[0];
        const lines = r.errors.map((e) => `${e.pointer || '/'}: ${e.message}`);
        if (r.truncated) lines.push(`... and ${r.errorCount - r.errors.length} more (--max-errors)`);
        throw new AirlockError('CHECK_FAILED', `${file}: not valid OSCAL ${version} ${doc.model}: ${r.errorCount} error(s), first at ${first?.pointer || '/'}`, {
          details: opts.json ? [] : lines,
        });
      }
    });

  oscal
    .command('import-catalog')
    .description("import an official OSCAL catalog or profile and store its control text for a framework's exports")
    .argument('<file>', 'OSCAL catalog or profile (JSON)')
    .option('--framework <id>', 'framework of the index it belongs to (default: detected from the catalog)')
    .option('--catalog <file>', 'a catalog or profile the profile imports (repeat for more); else found in the store', collect, [] as string[])
    .option('--store <dir>', storeOpt)
    .option('--oscal-version <version>', `validate FILE against this schema version (${OSCAL_VERSIONS.join(', ')})`)
    .option('--schema-dir <dir>', schemaDirOpt)
    .option('--content <dir>', contentOpt)
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { framework?: string; catalog: string[]; store?: string; oscalVersion?: string; schemaDir?: string; content?: string; json?: boolean }) => {
      const store = storeDir(opts.store);
      if (!store) throw new AirlockError('USAGE', `give --store DIR (or set ${STORE_ENV}): the folder the imported catalog is kept in`);
      const content = await loadContent(opts.content ? resolve(opts.content) : defaultContentDir());
      const r = await importCatalog({
        file,
        store,
        content,
        ...(opts.framework ? { framework: opts.framework } : {}),
        catalogs: opts.catalog,
        ...(opts.schemaDir ? { schemaDir: resolve(opts.schemaDir) } : {}),
        ...(versionOpt(opts.oscalVersion) ? { oscalVersion: versionOpt(opts.oscalVersion) } : {}),
      });
      if (opts.json) return printJson(r);
      const lines = [
        `imported ${r.title || file} (${r.model}, OSCAL ${r.oscalVersion}, valid against ${r.schemaVersion}) for ${r.framework}`,
        `  controls of ${r.framework} found: ${r.found} of ${r.total}`,
      ];
      if (r.missing.length > 0) lines.push(`  not in the ${r.model}: ${r.missing.join(', ')}`);
      if (r.withdrawn.length > 0) lines.push(`  withdrawn in the ${r.model}: ${r.withdrawn.join(', ')}`);
      const res = r.resolution;
      if (res) {
        lines.push(`  resolved through: ${res.sources.map((s) => s.file).join(', ')}`);
        lines.push(`  selected ${res.selected} controls; set-parameters: ${res.setParameters.applied} applied, ${res.setParameters.unmatched} not in the catalog`);
        lines.push(`  alters: ${res.alters.adds} additions, ${res.alters.removes} removals, ${res.alters.unmatched} targets not in the catalog${res.alters.unsupported.length ? `, not applied: ${res.alters.unsupported.join('; ')}` : ''}`);
      }
      lines.push(`  stored in ${r.stored}`);
      printLines(lines);
    });

  const exportCmd = oscal
    .command('export')
    .description(
      `write a framework's OSCAL documents, each validated first: ${CONTENT_EXPORTERS.map((e) => e.fileName).join(', ')}; ` +
        `with --evidence also ${EXPORTERS.filter((e) => e.fromEvidence).map((e) => e.fileName).join(', ')}`,
    )
    .requiredOption('--framework <id>', 'framework id (see airlock frameworks list)')
    .requiredOption('--out <dir>', 'output folder (created; existing files of the same names are replaced)')
    .option('--oscal-version <version>', `OSCAL version to write (${OSCAL_VERSIONS.join(', ')})`, DEFAULT_OSCAL_VERSION)
    .option('--store <dir>', `${storeOpt}; its imported catalog gives the official control text`)
    .option('--from <date>', 'evidence observed at or after this date or date-time (with --evidence)')
    .option('--to <date>', 'evidence observed at or before this date (to its end) or date-time (with --evidence)')
    .option('--system <file>', 'system description (system.yaml) for the SSP (default: the example in content/oscal, with a warning)')
    .option('--last-modified <date-time>', 'metadata.last-modified of the content documents (default: SOURCE_DATE_EPOCH, else the newest input file)')
    .option('--document <name>', `only this document (repeat for more: ${EXPORTERS.map((e) => e.name).join(', ')})`, collect, [] as string[])
    .option('--schema-dir <dir>', schemaDirOpt)
    .option('--content <dir>', contentOpt);
  addStoreOptions(exportCmd, {
    storeFlag: 'evidence',
    storeHelp: 'evidence store folder: adds ssp.json, assessment-results.json and poam.json (needs the passphrase; $AIRLOCK_EVIDENCE_STORE is not read here)',
  })
    .option('--json', 'machine-readable output')
    .action(
      async (
        opts: {
          framework: string;
          out: string;
          oscalVersion: string;
          store?: string;
          evidence?: string;
          from?: string;
          to?: string;
          system?: string;
          lastModified?: string;
          document: string[];
          schemaDir?: string;
          content?: string;
          json?: boolean;
        } & Omit<StoreCliOptions, 'store'>,
      ) => {
        const content = await loadContent(opts.content ? resolve(opts.content) : defaultContentDir());
        const store = storeDir(opts.store);
        const base = {
          content,
          framework: opts.framework,
          out: resolve(opts.out),
          oscalVersion: versionOpt(opts.oscalVersion) as OscalVersion,
          producer: { name: 'Airlock', version: program.version() ?? '0.0.0' },
          ...(opts.lastModified !== undefined ? { lastModified: opts.lastModified } : {}),
          ...(store ? { store } : {}),
          ...(opts.schemaDir ? { schemaDir: resolve(opts.schemaDir) } : {}),
          ...(opts.document.length > 0 ? { documents: opts.document } : {}),
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(opts.to !== undefined ? { to: opts.to } : {}),
          ...(opts.system !== undefined ? { system: resolve(opts.system) } : {}),
          warn,
        };
        const evidenceOpts = ['dbUrl', 'dbCa', 'dbCert', 'dbKey', 'passphraseFile'] as const;
        if (!opts.evidence && evidenceOpts.some((k) => opts[k] !== undefined)) {
          throw new AirlockError('USAGE', '--db-url, --db-ca, --db-cert, --db-key and --passphrase-file open the evidence store: give --evidence DIR');
        }
        let r;
        if (opts.evidence) {
          // A bad system description fails before the store is opened (which takes seconds).
          if (opts.system !== undefined) await loadSystemDescription(resolve(opts.system));
          // The store is read on a thread of its own, ended as soon as the records are read
          // (release): the embedded engine's memory goes with it, before the documents are built.
          const reader = await EvidenceReaderThread.open(await storeOptionsFrom({ ...opts, store: resolve(opts.evidence) }, 'required'));
          try {
            r = await exportFramework({ ...base, evidence: { storeId: reader.storeId, records: (q) => reader.records(q), release: () => reader.close() } });
          } finally {
            await reader.close();
          }
        } else r = await exportFramework(base);
        if (opts.json) return printJson(r);
        const lines = [
          `exported ${r.framework} as OSCAL ${r.oscalVersion} (last-modified ${r.lastModified}; ${r.official ? `official text from ${r.official.file}, ${r.official.found} controls` : 'no imported catalog: Airlock summaries only'})`,
        ];
        if (r.evidence) {
          const e = r.evidence;
          lines.push(
            `  evidence: ${e.records} records from store ${e.storeId}${e.from || e.to ? ` (${e.from ?? 'start'} to ${e.to ?? 'end'})` : ''}, last collected ${e.lastModified}; ` +
              `controls ${e.controls.satisfied} satisfied, ${e.controls.notSatisfied} not satisfied, ${e.controls.notAssessed} without evidence; ${e.openVulnerabilities} open vulnerabilities`,
          );
        }
        lines.push(...r.files.map((f) => `  ${f.path}  ${f.bytes} bytes  sha256:${f.sha256}`));
        lines.push(...r.skipped.map((s) => `  ${s.path}  not written: ${s.reason}${s.removedOlder ? ' (an older copy was removed)' : ''}`));
        printLines(lines);
      },
    );
}
