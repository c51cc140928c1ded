import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJsonReference } from './canonical.ts';
import { CHAIN_VERSION, recordText } from './chain.ts';
import { EVIDENCE_KINDS, EVIDENCE_SEVERITIES, OUTCOMES } from './types.ts';

// Any strings (the header fields are validated elsewhere; the text must agree whatever they hold).
const header = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  id: fc.string(),
  kind: fc.constantFrom(...EVIDENCE_KINDS),
  source: fc.string(),
  subject: fc.string({ unit: 'binary' }),
  collectedAt: fc.string(),
  observedAt: fc.string(),
  outcome: fc.constantFrom(...OUTCOMES),
  severity: fc.constantFrom(...EVIDENCE_SEVERITIES),
  controls: fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 40 }),
  contentHash: fc.string(),
  prevHash: fc.string(),
});
const digest = fc.record({ dekId: fc.integer({ min: 0, max: 2 ** 31 - 1 }), iv: fc.string(), cipherHash: fc.string() });

test('the record text is the canonical JSON of the header and digest, for any field values', () => {
  fc.assert(
    fc.property(header, digest, (h, d) => {
      const expected = canonicalJsonReference({ v: CHAIN_VERSION, ...h, dekId: d.dekId, iv: d.iv, cipherHash: d.cipherHash });
      assert.equal(recordText(h, d), expected);
    }),
    { numRuns: 2000 },
  );
});

test('a non-finite sequence number is refused, as canonical JSON refuses it', () => {
  const h = { seq: Number.NaN, id: 'x', kind: 'policy-result' as const, source: 's', subject: 's', collectedAt: 'c', observedAt: 'o', outcome: 'pass' as const, severity: 'low' as const, controls: [], contentHash: 'h', prevHash: 'p' };
  assert.throws(() => recordText(h, { dekId: 1, iv: 'aa', cipherHash: 'c' }), /non-finite/);
});
