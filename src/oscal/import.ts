/**
 * `airlock oscal import-catalog`: reads an official OSCAL catalog or profile, validates
 * it (and everything a profile imports) against NIST's schema, resolves a profile (see
 * profile-resolve.ts for the subset), finds the controls of Airlock's framework index in
 * the result and stores their official text (catalog-store.ts).
 *
 * What a profile imports is found among the files given with `--catalog` and the sources
 * already in the store, by file name: the import's href, or the back-matter links it
 * points at, compared without folder and extension (NIST's and FedRAMP's profiles link
 * to .xml or to web addresses; the JSON sibling of the same name is what is used). When
 * no name matches and exactly one `--catalog` was given, that one is used.
 */
import { basename } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { readFileBounded } from '../common/fsx.ts';
import type { Content } from '../frameworks/index.ts';
import { indexCatalog } from './catalog-read.ts';
import { CatalogStore, sha256, type ImportedCatalog, type StoredSource } from './catalog-store.ts';
import { MAX_OSCAL_BYTES, isObject, parseOscalDocument, type OscalDocument } from './document.ts';
import { schemaVersionFor, type OscalVersion } from './models.ts';
import { detectFramework, matchFramework } from './official.ts';
import { resolveProfile, type ImportRef, type ResolutionReport } from './profile-resolve.ts';
import { validateOscal } from './validate.ts';

export interface ImportCatalogOptions {
  file: string;
  store: string;
  content: Content;
  /** Framework id of Airlock's index; detected from the catalog when absent. */
  framework?: string;
  /** Files a profile's imports may name. */
  catalogs?: readonly string[];
  schemaDir?: string;
  /** Validate against this schema version instead of the one the document declares. */
  oscalVersion?: OscalVersion;
}

export interface ImportCatalogResult {
  framework: string;
  file: string;
  model: 'catalog' | 'profile';
  title: string;
  version: string;
  oscalVersion: string;
  schemaVersion: OscalVersion;
  sha256: string;
  /** Controls of Airlock's index. */
  total: number;
  found: number;
  missing: string[];
  /** Found controls that the catalog marks withdrawn. */
  withdrawn: string[];
  resolution?: {
    sources: { file: string; sha256: string }[];
    selected: number;
    /** Parameters set, and those the catalog does not have (the first LIST_CAP ids listed). */
    setParameters: { applied: number; unmatched: number; unmatchedIds: string[] };
    /** Additions and removals applied; targets not found and what is not supported (first LIST_CAP listed). */
    alters: { adds: number; removes: number; unmatched: number; unmatchedTargets: string[]; unsupported: string[] };
  };
  stored: string;
}

/** How many unmatched ids a result lists (the counts are always complete). */
export const LIST_CAP = 50;

interface Loaded {
  doc: OscalDocument;
  bytes: Buffer;
  source: string;
  file: string;
  sha256: string;
  schemaVersion: OscalVersion;
}

function metaString(doc: OscalDocument, key: string): string {
  const m = isObject(doc.body.metadata) ? doc.body.metadata : {};
  return typeof m[key] === 'string' ? m[key] : '';
}

async function loadValidated(bytes: Buffer, source: string, file: string, options: { schemaDir?: string; oscalVersion?: OscalVersion }): Promise<Loaded> {
  const doc = parseOscalDocument(bytes, source);
  if (doc.model !== 'catalog' && doc.model !== 'profile') {
    throw new AirlockError('BAD_INPUT', `${source}: is an OSCAL ${doc.model}; import-catalog reads a catalog or a profile`);
  }
  const schemaVersion = options.oscalVersion ?? (doc.declaredVersion !== undefined ? schemaVersionFor(doc.declaredVersion) : undefined);
  if (!schemaVersion) {
    throw new AirlockError('BAD_INPUT', `${source}: declares OSCAL version ${JSON.stringify(doc.declaredVersion ?? null)}, which has no schema here; give --oscal-version`);
  }
  const r = await validateOscal(doc.value, doc.model, schemaVersion, { schemaDir: options.schemaDir, maxErrors: 20 });
  if (!r.valid) {
    const first = r.errors[0];
    throw new AirlockError('BAD_INPUT', `${source}: not valid OSCAL ${schemaVersion} ${doc.model} (${r.errorCount} error(s)); first: ${first?.pointer || '/'}: ${first?.message ?? ''}`, {
      details: r.errors.map((e) => `${e.pointer || '/'}: ${e.message}`),
    });
  }
  return { doc, bytes, source, file, sha256: sha256(bytes), schemaVersion };
}

const stem = (name: string): string => name.replace(/\.(json|xml|ya?ml)$/i, '').toLowerCase();

export async function importCatalog(options: ImportCatalogOptions): Promise<ImportCatalogResult> {
  const store = new CatalogStore(options.store);
  const vopts = { schemaDir: options.schemaDir, oscalVersion: options.oscalVersion };
  const main = await loadValidated(await readFileBounded(options.file, MAX_OSCAL_BYTES, 'OSCAL file'), options.file, basename(options.file), vopts);
  const read: Loaded[] = [main];

  let catalogBody = main.doc.body;
  let report: ResolutionReport | undefined;
  if (main.doc.model === 'profile') {
    const given = options.catalogs ?? [];
    const stored = await store.listSources();
    const givenLoaded = new Map<string, Loaded>();
    const chain: string[] = [main.sha256];
    const loadGiven = async (path: string): Promise<Loaded> => {
      let l = givenLoaded.get(path);
      if (!l) {
        l = await loadValidated(await readFileBounded(path, MAX_OSCAL_BYTES, 'OSCAL file'), path, basename(path), { schemaDir: options.schemaDir });
        givenLoaded.set(path, l);
      }
      return l;
    };
    const loadStored = async (entry: StoredSource): Promise<Loaded> => {
      const { bytes, path } = await store.readSource(entry);
      return loadValidated(bytes, `${path} (${entry.file})`, entry.file, { schemaDir: options.schemaDir });
    };
    const loader = async (ref: ImportRef, from: string): Promise<{ doc: OscalDocument; source: string }> => {
      const names = new Set(ref.names.map(stem));
      let l: Loaded | undefined;
      const byName = given.find((p) => names.has(stem(basename(p))));
      if (byName) l = await loadGiven(byName);
      else {
        const entry = stored.find((e) => names.has(stem(e.file)));
        if (entry) l = await loadStored(entry);
        else if (given.length === 1) {
          // The one file given stands in for an import it is not named after, unless it is already on the chain.
          const only = await loadGiven(given[0] as string);
          if (!chain.includes(only.sha256)) l = only;
        }
      }
      if (!l) {
        const wanted = ref.names.length > 0 ? ref.names.join(' or ') : ref.href;
        throw new AirlockError('NOT_FOUND', `${from}: imports ${wanted}; give it with --catalog FILE (or import it into the store first)`);
      }
      if (chain.includes(l.sha256)) throw new AirlockError('BAD_INPUT', `${from}: import cycle through ${l.source}`);
      chain.push(l.sha256);
      read.push(l);
      return { doc: l.doc, source: l.source };
    };
    const resolved = await resolveProfile(main.doc, main.source, loader);
    catalogBody = resolved.catalog;
    report = resolved.report;
  }

  const index = indexCatalog(catalogBody);
  const title = metaString(main.doc, 'title');
  const framework = options.framework ?? detectFramework(index, title, options.content.frameworks.values());
  if (!framework) {
    throw new AirlockError('BAD_INPUT', `${options.file}: cannot tell which framework "${title}" is; give --framework ID (${[...options.content.frameworks.keys()].sort().join(', ')})`);
  }
  const fw = options.content.frameworks.get(framework);
  if (!fw) throw new AirlockError('NOT_FOUND', `unknown framework ${JSON.stringify(framework)}; known: ${[...options.content.frameworks.keys()].sort().join(', ')}`);
  const match = matchFramework(index, fw);
  if (match.found.length === 0) {
    throw new AirlockError('BAD_INPUT', `${options.file}: none of the ${fw.controls.length} controls of ${framework} is in this ${main.doc.model}; is it the right framework?`);
  }

  const record: ImportedCatalog = {
    apiVersion: 'airlock.dev/v1alpha1',
    kind: 'ImportedCatalog',
    framework,
    source: {
      file: main.file,
      sha256: main.sha256,
      model: main.doc.model as 'catalog' | 'profile',
      uuid: typeof main.doc.body.uuid === 'string' ? main.doc.body.uuid : '',
      title,
      version: metaString(main.doc, 'version'),
      lastModified: metaString(main.doc, 'last-modified'),
      oscalVersion: main.doc.declaredVersion ?? '',
      schemaVersion: main.schemaVersion,
    },
    ...(report
      ? {
          resolution: {
            sources: read.slice(1).map((l) => ({ file: l.file, sha256: l.sha256 })),
            selected: report.selected,
            setParameters: { applied: report.setParameters.applied, unmatched: report.setParameters.unmatched.length },
            alters: { adds: report.alters.adds, removes: report.alters.removes, unmatched: report.alters.unmatched.length, unsupported: report.alters.unsupported.length },
          },
        }
      : {}),
    controls: match.found,
    missing: match.missing,
  };
  await store.addSources(
    read.map((l) => ({
      bytes: l.bytes,
      entry: { sha256: l.sha256, file: l.file, model: l.doc.model as 'catalog' | 'profile', title: metaString(l.doc, 'title'), version: metaString(l.doc, 'version'), oscalVersion: l.doc.declaredVersion ?? '' },
    })),
  );
  const stored = await store.writeRecord(record);
  return {
    framework,
    file: options.file,
    model: record.source.model,
    title,
    version: record.source.version,
    oscalVersion: record.source.oscalVersion,
    schemaVersion: main.schemaVersion,
    sha256: main.sha256,
    total: fw.controls.length,
    found: match.found.length,
    missing: match.missing,
    withdrawn: match.found.filter((c) => c.withdrawn).map((c) => c.id),
    ...(report
      ? {
          resolution: {
            sources: read.slice(1).map((l) => ({ file: l.source, sha256: l.sha256 })),
            selected: report.selected,
            setParameters: { applied: report.setParameters.applied, unmatched: report.setParameters.unmatched.length, unmatchedIds: report.setParameters.unmatched.slice(0, LIST_CAP) },
            alters: {
              adds: report.alters.adds,
              removes: report.alters.removes,
              unmatched: report.alters.unmatched.length,
              unmatchedTargets: report.alters.unmatched.slice(0, LIST_CAP),
              unsupported: report.alters.unsupported.slice(0, LIST_CAP),
            },
          },
        }
      : {}),
    stored,
  };
}
