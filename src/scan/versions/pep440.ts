/**
 * PEP 440 ordering for PyPI, through @renovatebot/pep440 (a port of pypa/packaging):
 * epochs, pre/post/dev releases, local versions, normalization (1.0a1 == 1.0.alpha1).
 */
import * as pep440 from '@renovatebot/pep440';
import { invalidVersion, memoize, sign, type VersionComparator } from './comparator.ts';

const isValid = memoize((v: string): boolean => pep440.valid(v) !== null);

export const pep440Comparator: VersionComparator = {
  scheme: 'pep440',
  compare(a, b) {
    if (!isValid(a)) throw invalidVersion('pep440', a);
    if (!isValid(b)) throw invalidVersion('pep440', b);
    return sign(pep440.compare(a, b));
  },
  isValid,
};
