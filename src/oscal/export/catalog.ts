/**
 * The framework as an OSCAL catalog: Airlock's indexed controls grouped by family, in
 * index order. With an imported official catalog, each control carries the official
 * title, label and statement (parameters inserted) and the back-matter cites the source
 * file and its SHA-256; without one, the title is Airlock's one-line summary and there is
 * no statement. A prop `text-source` says which it is.
 */
import type { JsonObject } from '../document.ts';
import { stableUuid } from '../uuid.ts';
import { airlockProp, controlIds, familyIds, metadata, withDocumentUuid, type Prop } from './common.ts';
import type { ExportContext, OscalExporter } from './types.ts';

function buildCatalog(ctx: ExportContext): JsonObject {
  const fw = ctx.framework;
  const ids = controlIds(fw);
  const families = familyIds(fw);
  const official = new Map((ctx.official?.controls ?? []).map((c) => [c.id, c]));
  const width = String(fw.controls.length).length;
  const groups = new Map<string, JsonObject[]>();
  fw.controls.forEach((c, i) => {
    const id = ids.get(c.id) as string;
    const o = official.get(c.id);
    const props: Prop[] = [{ name: 'label', value: o?.label ?? c.id }, { name: 'sort-id', value: String(i + 1).padStart(width, '0') }];
    if (o?.label && o.label !== c.id) props.push(airlockProp('airlock-id', c.id));
    if (o?.withdrawn) props.push({ name: 'status', value: 'withdrawn' });
    props.push(airlockProp('text-source', o ? 'official' : 'airlock-summary'));
    if (o) props.push(airlockProp('airlock-summary', c.title));
    const control: JsonObject = { id, title: o?.title ?? c.title, props };
    if (o?.statement) control.parts = [{ id: `${id}_smt`, name: 'statement', prose: o.statement }];
    const list = groups.get(c.family) ?? [];
    list.push(control);
    groups.set(c.family, list);
  });
  const body: JsonObject = {
    metadata: { ...metadata(ctx, `${fw.name} ${fw.version}: controls indexed by Airlock`), remarks: fw.description },
    groups: [...groups].map(([family, controls]) => ({ id: families.get(family) as string, class: 'family', title: family, controls })),
  };
  const src = ctx.official?.source;
  if (src) {
    body['back-matter'] = {
      resources: [
        {
          uuid: stableUuid(fw.id, 'catalog', 'resource', 'official-source', src.sha256),
          title: src.title || src.file,
          props: [
            ...(src.version ? [{ name: 'version', value: src.version }] : []),
            airlockProp('source-model', src.model),
            ...(src.lastModified ? [airlockProp('source-last-modified', src.lastModified)] : []),
          ],
          rlinks: [{ href: src.file, 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: src.sha256 }] }],
        },
      ],
    };
  }
  return withDocumentUuid('catalog', ctx, 'catalog', body);
}

export const catalogExporter: OscalExporter = { name: 'catalog', model: 'catalog', fileName: 'catalog.json', build: buildCatalog };
