/** Every OSCAL document `airlock oscal export` can write, in the order it writes them. */
import { AirlockError } from '../../common/errors.ts';
import { assessmentResultsExporter } from './assessment-results.ts';
import { catalogExporter } from './catalog.ts';
import { componentDefinitionExporter } from './component-definition.ts';
import { poamExporter } from './poam.ts';
import { profileExporter } from './profile.ts';
import { sspExporter } from './ssp.ts';
import type { OscalExporter } from './types.ts';

export const EXPORTERS: readonly OscalExporter[] = [catalogExporter, profileExporter, componentDefinitionExporter, sspExporter, assessmentResultsExporter, poamExporter];

/** The documents built from content alone (what export writes without an evidence store). */
export const CONTENT_EXPORTERS: readonly OscalExporter[] = EXPORTERS.filter((e) => !e.fromEvidence);

export function exporterByName(name: string): OscalExporter {
  const e = EXPORTERS.find((x) => x.name === name);
  if (!e) throw new AirlockError('USAGE', `unknown OSCAL document ${JSON.stringify(name)}; known: ${EXPORTERS.map((x) => x.name).join(', ')}`);
  return e;
}

/** The relative href of every exporter's document, keyed by exporter name. */
export function exportHrefs(): Record<string, string> {
  return Object.fromEntries(EXPORTERS.map((e) => [e.name, e.fileName]));
}
