/** Every evidence importer, in the order `--type auto` tries them. Add a new one here. */
import { AirlockError } from '../../common/errors.ts';
import { airlockPolicyImporter } from './airlock-policy.ts';
import { airlockScanImporter } from './airlock-scan.ts';
import { falcoImporter } from './falco.ts';
import { grypeImporter } from './grype.ts';
import type { Importer } from './importer.ts';
import { kyvernoImporter } from './kyverno.ts';
import { trivyImporter } from './trivy.ts';
import { wazuhImporter } from './wazuh.ts';

/** airlock-policy precedes kyverno: both read PolicyReports, airlock's are named airlock-audit*. */
export const IMPORTERS: readonly Importer[] = [
  airlockScanImporter,
  airlockPolicyImporter,
  trivyImporter,
  grypeImporter,
  kyvernoImporter,
  falcoImporter,
  wazuhImporter,
];

export const AUTO_TYPE = 'auto';

export function importerTypes(): string[] {
  return IMPORTERS.map((i) => i.type);
}

/** The importer for a `--type` value; USAGE error naming the known types otherwise. */
export function getImporter(type: string): Importer {
  const found = IMPORTERS.find((i) => i.type === type);
  if (!found) throw new AirlockError('USAGE', `unknown evidence type "${type}" (choose ${AUTO_TYPE}, ${importerTypes().join(', ')})`);
  return found;
}

/** The first importer that recognises a parsed value, if any. */
export function detectImporter(value: unknown): Importer | undefined {
  return IMPORTERS.find((i) => {
    try {
      return i.detect(value);
    } catch {
      return false;
    }
  });
}
