/**
 * The official text of a framework's controls, taken from an imported OSCAL catalog:
 * for each control of Airlock's index, the catalog's id, label, title and rendered
 * statement. This is what `airlock oscal import-catalog` stores and what the catalog
 * export carries. Matching is by id, exactly, else ignoring case (CSF ids are upper case
 * in both; a catalog could differ). Pure functions and the stored record's schema.
 */
import { z } from 'zod';
import type { ControlIndex } from '../frameworks/index.ts';
import { isWithdrawn, propValue, statementText, type CatalogIndex } from './catalog-read.ts';

export const officialControlSchema = z
  .object({
    /** The id in Airlock's control index. */
    id: z.string().min(1).max(64),
    /** The id in the catalog. */
    catalogId: z.string().min(1).max(200),
    label: z.string().max(200).optional(),
    title: z.string().min(1).max(2000),
    statement: z.string().max(200_000).optional(),
    withdrawn: z.literal(true).optional(),
  })
  .strict();
export type OfficialControl = z.infer<typeof officialControlSchema>;

export interface FrameworkMatch {
  found: OfficialControl[];
  /** Ids of the index that the catalog does not have. */
  missing: string[];
}

function lookup(index: CatalogIndex, id: string): string | undefined {
  if (index.controls.has(id)) return id;
  const lower = id.toLowerCase();
  for (const k of index.controls.keys()) if (k.toLowerCase() === lower) return k;
  return undefined;
}

export function matchFramework(index: CatalogIndex, framework: ControlIndex): FrameworkMatch {
  const found: OfficialControl[] = [];
  const missing: string[] = [];
  for (const c of framework.controls) {
    const catalogId = lookup(index, c.id);
    const entry = catalogId ? index.controls.get(catalogId) : undefined;
    if (!catalogId || !entry) {
      missing.push(c.id);
      continue;
    }
    const ctl = entry.control;
    const title = typeof ctl.title === 'string' && ctl.title.trim() !== '' ? ctl.title.trim() : c.title;
    const statement = statementText(ctl, index.params);
    const label = propValue(ctl, 'label');
    found.push({
      id: c.id,
      catalogId,
      ...(label ? { label } : {}),
      title,
      ...(statement ? { statement } : {}),
      ...(isWithdrawn(ctl) ? { withdrawn: true as const } : {}),
    });
  }
  return { found, missing };
}

const words = (s: string): Set<string> => new Set(s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1));

/**
 * The framework of Airlock's index that a catalog matches best: the most control ids
 * found; among equals (NIST SP 800-53 and FedRAMP share ids), the most words shared by
 * the framework's name and the catalog's title. Undefined when nothing matches or two
 * frameworks stay level.
 */
export function detectFramework(index: CatalogIndex, catalogTitle: string, frameworks: Iterable<ControlIndex>): string | undefined {
  const title = words(catalogTitle);
  const scored = [...frameworks]
    .map((fw) => ({
      id: fw.id,
      found: fw.controls.filter((c) => lookup(index, c.id) !== undefined).length,
      shared: [...words(`${fw.name} ${fw.publisher}`)].filter((w) => title.has(w)).length,
    }))
    .filter((s) => s.found > 0)
    .sort((a, b) => b.found - a.found || b.shared - a.shared);
  const [best, next] = scored;
  if (!best) return undefined;
  if (next && next.found === best.found && next.shared === best.shared) return undefined;
  return best.id;
}
