/**
 * The ingest endpoints: `POST /v1/ingest/<name>`, each backed by one evidence importer
 * from the importers' registry. Adding a source is one line here.
 */
import { AirlockError } from '../common/errors.ts';
import type { ControlResolver } from '../evidence/controls.ts';
import { falcoImporter } from '../evidence/importers/falco.ts';
import type { Importer } from '../evidence/importers/importer.ts';
import { wazuhImporter } from '../evidence/importers/wazuh.ts';
import type { EvidenceDraft } from '../evidence/types.ts';
import type { BodyValue } from './body.ts';
import { HttpError } from './http-error.ts';

export interface IngestEndpoint {
  /** The path segment: `/v1/ingest/<name>`. */
  name: string;
  importer: Importer;
}

export const INGEST_ENDPOINTS: readonly IngestEndpoint[] = [
  { name: 'falco', importer: falcoImporter },
  { name: 'wazuh', importer: wazuhImporter },
];

/** The drafts of a request's event values; 400 naming the first value the importer refuses. */
export function draftsOf(endpoint: IngestEndpoint, values: readonly BodyValue[], controls: ControlResolver, now: () => Date = () => new Date()): EvidenceDraft[] {
  const drafts: EvidenceDraft[] = [];
  for (const v of values) {
    try {
      drafts.push(...endpoint.importer.import(v.value, { source: v.where, now, controls }));
    } catch (e) {
      if (e instanceof AirlockError) throw new HttpError(400, e.message);
      throw e;
    }
  }
  return drafts;
}
