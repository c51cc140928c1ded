/**
 * Profile resolution, the subset the NIST SP 800-53 and FedRAMP baselines need: imports
 * of catalogs or of other profiles (depth-bounded), `include-all`, `include-controls` and
 * `exclude-controls` by `with-ids` (with or without child controls) or by `matching`
 * globs; `set-parameters` (label, values, select, usage replace; constraints, guidelines,
 * props and links are added); `alters` with `adds` (props, parts, links, params at the
 * start or end of the control or of a part named by `by-id`, or before/after that part)
 * and `removes` (by-id, by-name, by-class, by-ns, by-item-name over props, parts and
 * links). Merging keeps the catalog's group structure (as-is); a control whose parent is
 * not selected moves up to the parent's level. What is not applied (titles in adds,
 * `combine`, `custom` merges, a parameter or target that does not exist) is counted in
 * the report rather than silently dropped.
 *
 * Pure apart from the injected loader, which fetches what an import names.
 */
import { AirlockError } from '../common/errors.ts';
import { arrayOf } from './catalog-read.ts';
import { isObject, type JsonObject, type OscalDocument } from './document.ts';

/** What an import points at: its href and the file names it may be known by. */
export interface ImportRef {
  href: string;
  /** Base names from the href or from the back-matter resource it points at. */
  names: string[];
}

export type ImportLoader = (ref: ImportRef, from: string) => Promise<{ doc: OscalDocument; source: string }>;

export interface ResolutionReport {
  /** Every document read, outermost first. */
  sources: string[];
  selected: number;
  setParameters: { applied: number; unmatched: string[] };
  alters: { adds: number; removes: number; unmatched: string[]; unsupported: string[] };
}

export interface ResolvedProfile {
  /** A catalog body (uuid, metadata, groups, controls) holding the selected, modified controls. */
  catalog: JsonObject;
  report: ResolutionReport;
}

const MAX_IMPORT_DEPTH = 4;
const MAX_IMPORTS = 16;

function clone<T>(v: T): T {
  return structuredClone(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function baseName(href: string): string {
  const noQuery = href.replace(/[?#].*$/, '');
  const parts = noQuery.split('/');
  return parts[parts.length - 1] ?? noQuery;
}

/** The file names an import href may refer to (resolving `#uuid` through back-matter). */
export function importRef(profile: JsonObject, href: string): ImportRef {
  if (href.startsWith('#')) {
    const uuid = href.slice(1);
    const res = arrayOf(isObject(profile['back-matter']) ? profile['back-matter'].resources : undefined).find((r) => r.uuid === uuid);
    const names = arrayOf(res?.rlinks)
      .map((l) => str(l.href))
      .filter((h): h is string => h !== undefined)
      .map(baseName)
      .filter((n) => n !== '');
    return { href, names: [...new Set(names)] };
  }
  return { href, names: [baseName(href)].filter((n) => n !== '') };
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

interface Selector {
  ids: Set<string>;
  withChildren: Set<string>;
  patterns: RegExp[];
}

function selector(list: unknown): Selector {
  const s: Selector = { ids: new Set(), withChildren: new Set(), patterns: [] };
  for (const sel of arrayOf(list)) {
    const children = sel['with-child-controls'] === 'yes';
    for (const id of Array.isArray(sel['with-ids']) ? sel['with-ids'] : []) {
      if (typeof id !== 'string') continue;
      s.ids.add(id);
      if (children) s.withChildren.add(id);
    }
    for (const m of arrayOf(sel.matching)) {
      const p = str(m.pattern);
      if (p) s.patterns.push(globToRegExp(p));
    }
  }
  return s;
}

function selects(s: Selector, id: string, ancestors: readonly string[]): boolean {
  return s.ids.has(id) || s.patterns.some((r) => r.test(id)) || ancestors.some((a) => s.withChildren.has(a));
}

/** Selects controls from one imported catalog body, keeping its group structure. */
function selectFrom(body: JsonObject, imp: JsonObject): JsonObject {
  const includeAll = isObject(imp['include-all']);
  const include = selector(imp['include-controls']);
  const exclude = selector(imp['exclude-controls']);
  const picked = (id: string, ancestors: readonly string[]): boolean =>
    (includeAll || selects(include, id, ancestors)) && !selects(exclude, id, ancestors);

  // Returns the selected controls of a list; unselected controls hand up their selected descendants.
  const filterControls = (list: unknown, ancestors: string[]): JsonObject[] => {
    const out: JsonObject[] = [];
    for (const c of arrayOf(list)) {
      const id = str(c.id) ?? '';
      const kids = filterControls(c.controls, [...ancestors, id]);
      if (picked(id, ancestors)) {
        const { controls: _drop, ...rest } = c;
        out.push(kids.length > 0 ? { ...rest, controls: kids } : rest);
      } else out.push(...kids);
    }
    return out;
  };
  const filterGroups = (list: unknown): JsonObject[] => {
    const out: JsonObject[] = [];
    for (const g of arrayOf(list)) {
      const { controls: _c, groups: _g, ...rest } = g;
      const controls = filterControls(g.controls, []);
      const groups = filterGroups(g.groups);
      if (controls.length === 0 && groups.length === 0) continue;
      out.push({ ...rest, ...(groups.length ? { groups } : {}), ...(controls.length ? { controls } : {}) });
    }
    return out;
  };
  const controls = filterControls(body.controls, []);
  const groups = filterGroups(body.groups);
  return { ...(Array.isArray(body.params) ? { params: body.params } : {}), ...(groups.length ? { groups } : {}), ...(controls.length ? { controls } : {}) };
}

function forEachControl(body: JsonObject, fn: (c: JsonObject) => void): void {
  const walkControls = (list: unknown): void => {
    for (const c of arrayOf(list)) {
      fn(c);
      walkControls(c.controls);
    }
  };
  const walkGroups = (list: unknown): void => {
    for (const g of arrayOf(list)) {
      walkControls(g.controls);
      walkGroups(g.groups);
    }
  };
  walkControls(body.controls);
  walkGroups(body.groups);
}

function allParams(body: JsonObject): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  const add = (o: JsonObject): void => {
    for (const p of arrayOf(o.params)) if (typeof p.id === 'string' && !out.has(p.id)) out.set(p.id, p);
  };
  add(body);
  const walkGroups = (list: unknown): void => {
    for (const g of arrayOf(list)) {
      add(g);
      walkGroups(g.groups);
    }
  };
  walkGroups(body.groups);
  forEachControl(body, add);
  return out;
}

function applySetParameters(body: JsonObject, list: unknown, report: ResolutionReport): void {
  const params = allParams(body);
  for (const sp of arrayOf(list)) {
    const id = str(sp['param-id']) ?? '';
    const p = params.get(id);
    if (!p) {
      report.setParameters.unmatched.push(id);
      continue;
    }
    for (const key of ['label', 'usage', 'values', 'select', 'class', 'depends-on'] as const) if (sp[key] !== undefined) p[key] = clone(sp[key]);
    for (const key of ['constraints', 'guidelines', 'props', 'links'] as const) {
      if (Array.isArray(sp[key])) p[key] = [...(Array.isArray(p[key]) ? p[key] : []), ...clone(sp[key])];
    }
    report.setParameters.applied++;
  }
}

interface Located {
  node: JsonObject;
  /** The array holding the node (a control's or part's `parts`), undefined for the control itself. */
  siblings: unknown[] | undefined;
}

function findPart(control: JsonObject, id: string): Located | undefined {
  if (control.id === id) return { node: control, siblings: undefined };
  const walk = (parts: unknown): Located | undefined => {
    if (!Array.isArray(parts)) return undefined;
    for (const p of parts) {
      if (!isObject(p)) continue;
      if (p.id === id) return { node: p, siblings: parts };
      const r = walk(p.parts);
      if (r) return r;
    }
    return undefined;
  };
  return walk(control.parts);
}

const ADDABLE = ['params', 'props', 'links', 'parts'] as const;

function applyAdd(control: JsonObject, add: JsonObject, report: ResolutionReport): void {
  const byId = str(add['by-id']);
  const target = byId ? findPart(control, byId) : { node: control, siblings: undefined };
  if (!target) {
    report.alters.unmatched.push(`${String(control.id)}: no part ${byId}`);
    return;
  }
  if (add.title !== undefined) report.alters.unsupported.push(`${String(control.id)}: title in adds`);
  const position = str(add.position) ?? 'ending';
  if ((position === 'before' || position === 'after') && target.siblings) {
    // Only parts can be siblings of a part; other kinds go into the part itself.
    const parts = arrayOf(add.parts).map(clone);
    const at = target.siblings.indexOf(target.node);
    target.siblings.splice(position === 'before' ? at : at + 1, 0, ...parts);
    for (const key of ADDABLE) if (key !== 'parts' && Array.isArray(add[key])) target.node[key] = [...arrayOf(target.node[key]), ...clone(add[key] as unknown[])];
  } else {
    for (const key of ADDABLE) {
      if (!Array.isArray(add[key])) continue;
      const existing = Array.isArray(target.node[key]) ? (target.node[key] as unknown[]) : [];
      const added = clone(add[key] as unknown[]);
      target.node[key] = position === 'starting' || position === 'before' ? [...added, ...existing] : [...existing, ...added];
    }
  }
  report.alters.adds++;
}

function removeMatching(node: JsonObject, rm: JsonObject): number {
  const match = (o: JsonObject, kind: string): boolean =>
    (rm['by-id'] === undefined || o.id === rm['by-id']) &&
    (rm['by-name'] === undefined || o.name === rm['by-name']) &&
    (rm['by-class'] === undefined || o.class === rm['by-class']) &&
    (rm['by-ns'] === undefined || o.ns === rm['by-ns']) &&
    (rm['by-item-name'] === undefined || rm['by-item-name'] === kind);
  let removed = 0;
  for (const kind of ['props', 'links', 'parts', 'params'] as const) {
    const list = node[kind];
    if (!Array.isArray(list)) continue;
    const keep = list.filter((o) => !(isObject(o) && match(o, kind.replace(/s$/, ''))));
    removed += list.length - keep.length;
    if (keep.length === 0) delete node[kind];
    else node[kind] = keep;
  }
  for (const p of arrayOf(node.parts)) removed += removeMatching(p, rm);
  return removed;
}

function applyAlters(body: JsonObject, list: unknown, report: ResolutionReport): void {
  const byId = new Map<string, JsonObject>();
  forEachControl(body, (c) => {
    if (typeof c.id === 'string') byId.set(c.id, c);
  });
  for (const alter of arrayOf(list)) {
    const id = str(alter['control-id']) ?? '';
    const control = byId.get(id);
    if (!control) {
      report.alters.unmatched.push(id);
      continue;
    }
    for (const rm of arrayOf(alter.removes)) report.alters.removes += removeMatching(control, rm);
    for (const add of arrayOf(alter.adds)) applyAdd(control, add, report);
  }
}

function mergeInto(target: JsonObject, part: JsonObject): void {
  // as-is merge of several imports: groups with the same id are joined, others appended.
  for (const key of ['params', 'controls'] as const) if (Array.isArray(part[key])) target[key] = [...arrayOf(target[key]), ...(part[key] as unknown[])];
  const groups = arrayOf(target.groups);
  for (const g of arrayOf(part.groups)) {
    const same = groups.find((x) => x.id !== undefined && x.id === g.id);
    if (same) mergeInto(same, g);
    else groups.push(g);
  }
  if (groups.length > 0) target.groups = groups;
}

/** Resolves a profile into a catalog body. `source` names the profile in reports and errors. */
export async function resolveProfile(profile: OscalDocument, source: string, load: ImportLoader, depth = 0): Promise<ResolvedProfile> {
  if (profile.model !== 'profile') throw new AirlockError('BAD_INPUT', `${source}: expected a profile, found ${profile.model}`);
  if (depth > MAX_IMPORT_DEPTH) throw new AirlockError('BAD_INPUT', `${source}: profile imports nest deeper than ${MAX_IMPORT_DEPTH}`);
  const body = profile.body;
  const report: ResolutionReport = { sources: [source], selected: 0, setParameters: { applied: 0, unmatched: [] }, alters: { adds: 0, removes: 0, unmatched: [], unsupported: [] } };
  const imports = arrayOf(body.imports);
  if (imports.length === 0) throw new AirlockError('BAD_INPUT', `${source}: profile has no imports`);
  if (imports.length > MAX_IMPORTS) throw new AirlockError('BAD_INPUT', `${source}: more than ${MAX_IMPORTS} imports`);
  const merged: JsonObject = {};
  for (const imp of imports) {
    const href = str(imp.href) ?? '';
    const { doc, source: from } = await load(importRef(body, href), source);
    let imported: JsonObject;
    if (doc.model === 'catalog') {
      imported = clone(doc.body);
      report.sources.push(from);
    } else if (doc.model === 'profile') {
      const inner = await resolveProfile(doc, from, load, depth + 1);
      imported = inner.catalog;
      report.sources.push(...inner.report.sources);
      report.setParameters.applied += inner.report.setParameters.applied;
      report.setParameters.unmatched.push(...inner.report.setParameters.unmatched);
      report.alters.adds += inner.report.alters.adds;
      report.alters.removes += inner.report.alters.removes;
      report.alters.unmatched.push(...inner.report.alters.unmatched);
      report.alters.unsupported.push(...inner.report.alters.unsupported);
    } else {
      throw new AirlockError('BAD_INPUT', `${from}: imported by ${source} as ${href}, but it is a ${doc.model}, not a catalog or profile`);
    }
    mergeInto(merged, selectFrom(imported, imp));
  }
  if (body.merge !== undefined && isObject(body.merge) && (body.merge.custom !== undefined || body.merge.combine !== undefined)) {
    report.alters.unsupported.push('merge: custom and combine are treated as as-is');
  }
  const modify = isObject(body.modify) ? body.modify : {};
  applySetParameters(merged, modify['set-parameters'], report);
  applyAlters(merged, modify.alters, report);
  forEachControl(merged, () => report.selected++);
  const catalog: JsonObject = { uuid: body.uuid, metadata: clone(body.metadata), ...merged };
  return { catalog, report };
}
