/** Pieces shared by the exporters: metadata, control ids, props, the document UUID. */
import { createHash } from 'node:crypto';
import type { ControlIndex } from '../../frameworks/index.ts';
import type { JsonObject } from '../document.ts';
import { controlToken, familyToken, tokenMap } from '../ids.ts';
import { stableUuid } from '../uuid.ts';
import type { ExportContext } from './types.ts';

/** Namespace of the props Airlock adds (OSCAL requires one for names it does not define). */
export const AIRLOCK_NS = 'https://airlock.dev/ns/oscal';

export interface Prop {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}

export function airlockProp(name: string, value: string): Prop {
  return { name, ns: AIRLOCK_NS, value };
}

/** Control id (Airlock's) to its OSCAL id, for every control of the framework. */
export function controlIds(fw: ControlIndex): Map<string, string> {
  return tokenMap(
    fw.controls.map((c) => c.id),
    `${fw.id}: control ids`,
    controlToken,
  );
}

/** Family name to its OSCAL group id. */
export function familyIds(fw: ControlIndex): Map<string, string> {
  return tokenMap(
    fw.controls.map((c) => c.family),
    `${fw.id}: families`,
    familyToken,
  );
}

export function metadata(ctx: ExportContext, title: string): JsonObject {
  return {
    title,
    'last-modified': ctx.lastModified,
    version: `${ctx.framework.version} / ${ctx.producer.name} ${ctx.producer.version}`,
    'oscal-version': ctx.oscalVersion,
    props: [airlockProp('framework', ctx.framework.id)],
  };
}

/**
 * Sets the document's UUID to one derived from its name and its content: the same
 * content gives the same UUID, any change gives a new one (see uuid.ts).
 */
export function withDocumentUuid(model: string, ctx: ExportContext, name: string, body: JsonObject): JsonObject {
  const digest = createHash('sha256').update(JSON.stringify({ [model]: body })).digest('hex');
  return { [model]: { uuid: stableUuid(ctx.framework.id, name, `sha256:${digest}`), ...body } };
}
