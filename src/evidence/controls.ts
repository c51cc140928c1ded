/**
 * Control mapping for evidence: turns what a source says about itself (signals, NIST
 * SP 800-53 ids as Falco and Wazuh tag them, PCI DSS and SOC 2 TSC ids, Kyverno policy
 * names) into sorted, unique ControlRefs (`framework:control`), keeping only controls
 * that exist in Airlock's framework indexes. A hint that names a control Airlock does
 * not index is dropped, never invented.
 *
 * Rules (docs/evidence.md, "Controls"):
 * - signals: the controls content/evidence-signals.yaml maps them to, in every framework;
 * - NIST SP 800-53: `AU-2`, `au-2`, `AU.2` (Wazuh), `SI-4(2)`, `si-4.2` all mean the
 *   OSCAL id `si-4.2`; it applies to nist-800-53-r5 and fedramp-high;
 * - PCI DSS 4.0 ids apply as they are; PCI DSS 3.2.1 ids (Wazuh's and Falco's tags use
 *   that numbering) go through a fixed translation table to their 4.0 successors;
 * - SOC 2: TSC ids (`CC7.2`) apply to soc2;
 * - policies: the policy's controls.yaml mappings, in every framework;
 * - refs: ready `framework:control` strings (airlock policy output), checked.
 */
import { controlsForPolicy } from '../frameworks/catalog.ts';
import { defaultContentDir, loadContent, type Content } from '../frameworks/content.ts';
import type { ControlIndex } from '../frameworks/schema.ts';
import { loadEvidenceSignals, type EvidenceSignals, type Signal } from './signals.ts';
import type { ControlRef } from './types.ts';

export const NIST_FRAMEWORKS = ['nist-800-53-r5', 'fedramp-high'] as const;
export const PCI_FRAMEWORK = 'pci-dss-4.0';
export const TSC_FRAMEWORK = 'soc2';

export interface ControlHints {
  signals?: readonly Signal[];
  /** NIST SP 800-53 Rev. 5 control ids in any common spelling. */
  nist80053?: readonly string[];
  /** PCI DSS 4.0 requirement numbers. */
  pciDss4?: readonly string[];
  /** PCI DSS 3.2.1 requirement numbers, translated to 4.0. */
  pciDss321?: readonly string[];
  /** SOC 2 Trust Services Criteria ids (CC7.2). */
  tsc?: readonly string[];
  /** Kyverno policy names (`name` or `namespace/name`). */
  policies?: readonly string[];
  /** Ready references, `framework:control`. */
  refs?: readonly string[];
}

export interface ControlResolver {
  /** Sorted, unique refs to controls that exist in the indexes. */
  resolve(hints: ControlHints): ControlRef[];
  /** Whether `framework:control` names an indexed control. */
  has(ref: string): boolean;
  readonly signals: EvidenceSignals;
}

/**
 * The normalised OSCAL form of a NIST SP 800-53 id, or undefined when it is not one:
 * `AU-2` → `au-2`, `AU.14` → `au-14`, `SI-4(2)` → `si-4.2`, `si-4.2` → `si-4.2`,
 * `AC-6 (10)` → `ac-6.10`.
 */
export function nistOscalId(raw: string): string | undefined {
  const m = /^\s*([A-Za-z]{2})[-._ ]?0*(\d{1,2})\s*(?:(?:\(\s*0*(\d{1,2})\s*\))|(?:[.]0*(\d{1,2})))?\s*$/.exec(raw);
  if (!m) return undefined;
  const family = m[1]!.toLowerCase();
  const enhancement = m[3] ?? m[4];
  return enhancement === undefined ? `${family}-${m[2]}` : `${family}-${m[2]}.${enhancement}`;
}

/**
 * PCI DSS 3.2.1 requirement → 4.0 requirements that took its place (only those in the
 * pci-dss-4.0 index matter; the others are dropped by the resolver). Longest prefix
 * wins; a prefix `10.2` covers 10.2, 10.2.1 ... 10.2.7.
 */
export const PCI_321_TO_40: readonly (readonly [string, readonly string[]])[] = [
  ['1.1', ['1.2.1']],
  ['1.2', ['1.3.1', '1.3.2']],
  ['1.3', ['1.4.1', '1.4.2']],
  ['2.2', ['2.2.1']],
  ['2.2.2', ['2.2.4']],
  ['2.2.4', ['2.2.6']],
  ['2.2.5', ['2.2.4']],
  ['5.1', ['5.2.1']],
  ['5.2', ['5.3.1']],
  ['6.1', ['6.3.1']],
  ['6.2', ['6.3.3']],
  ['6.4.1', ['6.5.3']],
  ['6.4.5', ['6.5.1']],
  ['7.1', ['7.2.1', '7.2.2']],
  ['7.2', ['7.3.1']],
  ['8.1.5', ['8.2.7']],
  ['10.1', ['10.2.1']],
  ['10.2', ['10.2.1']],
  ['10.3', ['10.2.2']],
  ['10.5', ['10.3.2']],
  ['10.5.5', ['10.3.4']],
  ['10.6', ['10.4.1']],
  ['10.6.2', ['10.4.2']],
  ['10.6.3', ['10.4.3']],
  ['11.2', ['11.3.1']],
  ['11.2.2', ['11.3.2']],
  ['11.4', ['11.5.1']],
  ['11.5', ['11.5.2']],
];

function pci321To40(raw: string): readonly string[] {
  const id = raw.trim();
  if (!/^\d{1,2}(\.\d{1,2}){0,3}$/.test(id)) return [];
  let best: readonly [string, readonly string[]] | undefined;
  for (const entry of PCI_321_TO_40) {
    const [prefix] = entry;
    if ((id === prefix || id.startsWith(`${prefix}.`)) && (!best || prefix.length > best[0].length)) best = entry;
  }
  return best?.[1] ?? [];
}

/** Distinct hint sets seen (alerts of one rule repeat them); the cache is cleared when full. */
const CACHE_ENTRIES = 4096;

export function createControlResolver(content: Pick<Content, 'frameworks' | 'policies'>, signals: EvidenceSignals): ControlResolver {
  const known = new Map<string, Set<string>>();
  for (const [id, fw] of content.frameworks as ReadonlyMap<string, ControlIndex>) known.set(id, new Set(fw.controls.map((c) => c.id)));
  // TSC ids are matched without regard to case (`cc7.2` in some exports).
  const tscIds = new Map<string, string>([...(known.get(TSC_FRAMEWORK) ?? [])].map((id) => [id.toUpperCase(), id]));
  const has = (fw: string, control: string): boolean => known.get(fw)?.has(control) ?? false;
  const signalRefs = new Map<string, string[]>();
  for (const [id, def] of signals.signals) {
    signalRefs.set(
      id,
      Object.entries(def.mappings).flatMap(([fw, entries]) => entries.filter((e) => has(fw, e.control)).map((e) => `${fw}:${e.control}`)),
    );
  }
  const cache = new Map<string, ControlRef[]>();

  function compute(hints: ControlHints): ControlRef[] {
    const out = new Set<string>();
    const add = (fw: string, control: string): void => {
      if (has(fw, control)) out.add(`${fw}:${control}`);
    };
    for (const s of hints.signals ?? []) for (const ref of signalRefs.get(s) ?? []) out.add(ref);
    for (const raw of hints.nist80053 ?? []) {
      const id = nistOscalId(raw);
      if (id) for (const fw of NIST_FRAMEWORKS) add(fw, id);
    }
    for (const raw of hints.pciDss4 ?? []) add(PCI_FRAMEWORK, raw.trim());
    for (const raw of hints.pciDss321 ?? []) for (const id of pci321To40(raw)) add(PCI_FRAMEWORK, id);
    for (const raw of hints.tsc ?? []) {
      const id = tscIds.get(raw.trim().toUpperCase());
      if (id) add(TSC_FRAMEWORK, id);
    }
    for (const raw of hints.policies ?? []) {
      const name = raw.slice(raw.lastIndexOf('/') + 1);
      for (const [fw, ids] of controlsForPolicy(content as Content, name)) for (const id of ids) add(fw, id);
    }
    for (const ref of hints.refs ?? []) {
      const colon = ref.indexOf(':');
      if (colon > 0) add(ref.slice(0, colon), ref.slice(colon + 1).trim());
    }
    // The default sort orders by UTF-16 code units: stable across locales.
    return [...out].sort();
  }

  return {
    signals,
    has(ref: string): boolean {
      const colon = ref.indexOf(':');
      return colon > 0 && has(ref.slice(0, colon), ref.slice(colon + 1));
    },
    resolve(hints: ControlHints): ControlRef[] {
      const key = JSON.stringify(hints);
      let refs = cache.get(key);
      if (!refs) {
        if (cache.size >= CACHE_ENTRIES) cache.clear();
        refs = compute(hints);
        cache.set(key, refs);
      }
      return [...refs];
    },
  };
}

/** Loads the framework content and the signals from a content folder (default: the installed content). */
export async function loadControlResolver(contentRoot: string = defaultContentDir()): Promise<ControlResolver> {
  const content = await loadContent(contentRoot);
  const signals = await loadEvidenceSignals(contentRoot, content.frameworks);
  return createControlResolver(content, signals);
}
