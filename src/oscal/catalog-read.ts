/**
 * Reading controls out of an OSCAL catalog (or a resolved profile, which has the same
 * shape): an index of every control however deeply nested, every parameter, and the
 * statement of a control rendered as text with its parameters inserted: a parameter's
 * values when it has them, else its selection ("[Selection (one or more): a; b]") or its
 * label ("[Assignment: frequency]"), the way NIST prints SP 800-53. Pure functions.
 */
import { isObject, type JsonObject } from './document.ts';

export interface IndexedControl {
  control: JsonObject;
  /** The group the control sits in (the nearest one), if any. */
  group: { id?: string; title: string } | undefined;
  /** The id of the enclosing control for an enhancement. */
  parentId: string | undefined;
}

export interface CatalogIndex {
  /** Control id to the control, in document order. */
  controls: Map<string, IndexedControl>;
  /** Parameter id to the parameter, from the catalog, its groups and its controls. */
  params: Map<string, JsonObject>;
}

const MAX_NESTING = 32;
const MAX_INSERT_DEPTH = 8;
const INSERT = /\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}/g;

export function arrayOf(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function indexCatalog(body: JsonObject): CatalogIndex {
  const controls = new Map<string, IndexedControl>();
  const params = new Map<string, JsonObject>();
  const addParams = (owner: JsonObject): void => {
    for (const p of arrayOf(owner.params)) {
      const id = str(p.id);
      if (id && !params.has(id)) params.set(id, p);
    }
  };
  const walkControls = (list: unknown, group: IndexedControl['group'], parentId: string | undefined, depth: number): void => {
    if (depth > MAX_NESTING) return;
    for (const c of arrayOf(list)) {
      const id = str(c.id);
      if (!id) continue;
      if (!controls.has(id)) controls.set(id, { control: c, group, parentId });
      addParams(c);
      walkControls(c.controls, group, id, depth + 1);
    }
  };
  const walkGroups = (list: unknown, depth: number): void => {
    if (depth > MAX_NESTING) return;
    for (const g of arrayOf(list)) {
      addParams(g);
      const group = { id: str(g.id), title: str(g.title) ?? str(g.id) ?? '' };
      walkControls(g.controls, group, undefined, 0);
      walkGroups(g.groups, depth + 1);
    }
  };
  addParams(body);
  walkControls(body.controls, undefined, undefined, 0);
  walkGroups(body.groups, 0);
  return { controls, params };
}

/** The value of the first prop with this name (and no class, when one without exists). */
export function propValue(owner: JsonObject, name: string): string | undefined {
  const props = arrayOf(owner.props).filter((p) => p.name === name && p.ns === undefined);
  const plain = props.find((p) => p.class === undefined) ?? props[0];
  return plain ? str(plain.value) : undefined;
}

function paramText(p: JsonObject, params: Map<string, JsonObject>, depth: number): string {
  const values = Array.isArray(p.values) ? p.values.filter((v): v is string => typeof v === 'string') : [];
  if (values.length > 0) return values.map((v) => insertParams(v, params, depth + 1)).join(', ');
  const select = isObject(p.select) ? p.select : undefined;
  if (select) {
    const choices = Array.isArray(select.choice) ? select.choice.filter((c): c is string => typeof c === 'string') : [];
    const how = select['how-many'] === 'one-or-more' ? 'one or more' : 'one';
    return `[Selection (${how}): ${choices.map((c) => insertParams(c, params, depth + 1).trim()).join('; ')}]`;
  }
  const label = str(p.label) ?? str(p.id) ?? 'value';
  const constraints = arrayOf(p.constraints)
    .map((c) => str(c.description))
    .filter((d): d is string => d !== undefined && d.trim() !== '');
  return constraints.length > 0 ? `[Assignment: ${label} (constraint: ${constraints.join('; ')})]` : `[Assignment: ${label}]`;
}

/** Replaces each `{{ insert: param, id }}` in prose with the parameter's text. */
export function insertParams(prose: string, params: Map<string, JsonObject>, depth = 0): string {
  return prose.replace(INSERT, (whole, id: string) => {
    const p = params.get(id);
    if (!p || depth >= MAX_INSERT_DEPTH) return `[Assignment: ${id}]`;
    return paramText(p, params, depth);
  });
}

function partLines(part: JsonObject, params: Map<string, JsonObject>, indent: string, out: string[], depth: number): void {
  if (depth > MAX_NESTING) return;
  const label = propValue(part, 'label');
  const title = str(part.title);
  const prose = str(part.prose);
  const head = [label, title && !prose ? title : undefined, prose ? insertParams(prose, params).replace(/\s*\n\s*/g, ' ') : undefined]
    .filter((s): s is string => s !== undefined && s !== '')
    .join(' ');
  if (head !== '') out.push(`${indent}${head}`);
  const childIndent = head === '' ? indent : `${indent}  `;
  for (const p of arrayOf(part.parts)) partLines(p, params, childIndent, out, depth + 1);
}

/** The control's statement part as text, one line per item, nested items indented. */
export function statementText(control: JsonObject, params: Map<string, JsonObject>): string | undefined {
  const smt = arrayOf(control.parts).find((p) => p.name === 'statement');
  if (!smt) return undefined;
  // The statement part is the container: its own prose and its items share one level.
  const out: string[] = [];
  const prose = str(smt.prose);
  if (prose) out.push(insertParams(prose, params).replace(/\s*\n\s*/g, ' '));
  for (const p of arrayOf(smt.parts)) partLines(p, params, '', out, 1);
  const text = out.join('\n').trim();
  return text === '' ? undefined : text;
}

export function isWithdrawn(control: JsonObject): boolean {
  return arrayOf(control.props).some((p) => p.name === 'status' && (p.value === 'withdrawn' || p.value === 'Withdrawn'));
}
