/**
 * PEP 440 ordering for PyPI, through @renovatebot/pep440 (a port of pypa/packaging):
 * epochs, pre/post/dev releases, local versions, normalization (1.0a1 == 1.0.alpha1).
 */
import * as pep440 from '@renovatebot/pep440';
import { invalidVersion, sign, type VersionComparator } from './comparator.ts';

export const pep440Comparator: VersionComparator = {
  scheme: 'pep440',
  compare(a, b) {
    if (!pep440.valid(a)) throw invalidVersion('pep440', a);
    if (!pep440.valid(b)) throw invalidVersion('pep440', b);
    return sign(pep440.compare(a, b));
  },
  isValid: (v) => pep440.valid(v) !== null,
};
