/** Every output format. Add a new one here. */
import { AirlockError } from '../../common/errors.ts';
import { cyclonedxFormat } from './cyclonedx.ts';
import type { Format } from './format.ts';
import { jsonFormat } from './json.ts';
import { sarifFormat } from './sarif.ts';
import { spdxFormat } from './spdx.ts';
import { tableFormat } from './table.ts';

export const FORMATS: readonly Format[] = [tableFormat, jsonFormat, sarifFormat, cyclonedxFormat, spdxFormat];

export function getFormat(name: string, use: 'sbom' | 'findings'): Format {
  const f = FORMATS.find((x) => x.name === name && (x.produces === 'both' || x.produces === use));
  if (!f) {
    const names = FORMATS.filter((x) => x.produces === 'both' || x.produces === use).map((x) => x.name);
    throw new AirlockError('USAGE', `unknown ${use === 'sbom' ? 'SBOM' : 'report'} format "${name}" (choose ${names.join(', ')})`);
  }
  return f;
}
