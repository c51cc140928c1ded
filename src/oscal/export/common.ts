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

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/**
 * The text of each document withDocumentUuid made, so that it is serialised once: the
 * text with the nil UUID, where the nil UUID is, and the UUID that replaces it.
 */
const texts = new WeakMap<object, { text: string; at: number; uuid: string }>();

/**
 * Sets the document's UUID to one derived from its name and its content: the SHA-256 of
 * the document as written (two-space JSON, a final newline) with the nil UUID in place
 * of its own. The same content gives the same UUID, any change gives a new one (see
 * uuid.ts). The text is kept for documentChunks, which saves serialising a large document
 * twice; the document must not be changed afterwards.
 */
export function withDocumentUuid(model: string, ctx: ExportContext, name: string, body: JsonObject): JsonObject {
  const inner: JsonObject = { uuid: NIL_UUID, ...body };
  const doc: JsonObject = { [model]: inner };
  const text = JSON.stringify(doc, null, 2) + '\n';
  const uuid = stableUuid(ctx.framework.id, name, `sha256:${createHash('sha256').update(text).digest('hex')}`);
  inner.uuid = uuid;
  // The root's uuid is the first value written, so the first nil UUID in the text is it.
  texts.set(doc, { text, at: text.indexOf(NIL_UUID), uuid });
  return doc;
}

/**
 * The document as written (two-space JSON with a final newline), in pieces of at most `size` characters (a surrogate pair is never
 * split): the text of a large document is written without a second copy of it being
 * made (joining the UUID into a 28 MiB text would copy it whole).
 */
export function* documentChunks(doc: JsonObject, size = 1 << 20): Generator<string> {
  const kept = texts.get(doc);
  const parts = kept ? [kept.text.slice(0, kept.at), kept.uuid, kept.text.slice(kept.at + kept.uuid.length)] : [JSON.stringify(doc, null, 2) + '\n'];
  for (const part of parts) {
    for (let i = 0; i < part.length; ) {
      let end = Math.min(part.length, i + size);
      if (end < part.length && (part.charCodeAt(end - 1) & 0xfc00) === 0xd800) end++;
      yield part.slice(i, end);
      i = end;
    }
  }
}
