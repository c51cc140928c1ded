/** A profile importing the exported catalog with every control of the framework. */
import type { JsonObject } from '../document.ts';
import { controlIds, metadata, withDocumentUuid } from './common.ts';
import type { ExportContext, OscalExporter } from './types.ts';

function buildProfile(ctx: ExportContext): JsonObject {
  const fw = ctx.framework;
  const ids = controlIds(fw);
  const body: JsonObject = {
    metadata: metadata(ctx, `${fw.name} ${fw.version}: Airlock profile`),
    imports: [{ href: ctx.hrefs.catalog ?? 'catalog.json', 'include-controls': [{ 'with-ids': fw.controls.map((c) => ids.get(c.id) as string) }] }],
    merge: { 'as-is': true },
  };
  return withDocumentUuid('profile', ctx, 'profile', body);
}

export const profileExporter: OscalExporter = { name: 'profile', model: 'profile', fileName: 'profile.json', build: buildProfile };
