/** Stable identifiers: UUID v5 against RFC vectors, OSCAL tokens for every control id. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AirlockError } from '../common/errors.ts';
import { controlToken, familyToken, OSCAL_TOKEN, tokenMap } from './ids.ts';
import { AIRLOCK_OSCAL_NAMESPACE, stableUuid, uuidV5 } from './uuid.ts';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

test('UUID v5 matches the values of an independent implementation (Python uuid.uuid5)', () => {
  assert.equal(uuidV5(DNS_NAMESPACE, 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  assert.equal(uuidV5(URL_NAMESPACE, 'https://airlock.dev/ns/oscal'), 'b543b0e8-2d86-5951-8744-68dd1ba05624');
  // Names are UTF-8, as control ids in Cyrillic need.
  assert.equal(stableUuid('fz-152', 'component-definition', 'component', 'airlock', 'requirement', 'УПД.5'), '6b1063e1-b7ee-5009-81e5-0d01ab86c3bf');
  assert.equal(uuidV5(AIRLOCK_OSCAL_NAMESPACE, 'component/kyverno'), '1a62deff-db1a-5bde-a7c8-241cf38dff9a');
});

test('every v5 UUID matches the pattern OSCAL requires (version 4 or 5, RFC variant)', () => {
  const oscalUuid = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$/;
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (name) => {
      const u = uuidV5(AIRLOCK_OSCAL_NAMESPACE, name);
      assert.match(u, oscalUuid);
      assert.equal(u, uuidV5(AIRLOCK_OSCAL_NAMESPACE, name));
    }),
    { numRuns: 300 },
  );
});

test('control ids become OSCAL tokens; ids that already are stay as they are', () => {
  for (const id of ['ac-6.10', 'GV.RR-02', 'A.8.9', 'УПД.5', 'AC.L2-3.1.1', 'CC6.1', 'T5.2.2']) assert.equal(controlToken(id), id);
  assert.equal(controlToken('1.2.1'), '_1.2.1');
  assert.equal(controlToken('152-ФЗ ст.19'), '_152-ФЗ_ст.19');
  assert.equal(familyToken('Access control (УПД)'), 'access-control-упд');
  assert.equal(familyToken("Govern: Roles, Responsibilities, and Authorities"), 'govern-roles-responsibilities-and-authorities');
  assert.equal(familyToken('T1 Asset Management'), 't1-asset-management');
});

test('tokens are valid for any input, and two ids sharing a token are refused', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (s) => {
      assert.match(controlToken(s), OSCAL_TOKEN);
      assert.match(familyToken(s), OSCAL_TOKEN);
    }),
    { numRuns: 500 },
  );
  assert.throws(
    () => tokenMap(['a b', 'a_b'], 'ids', controlToken),
    (e: unknown) => e instanceof AirlockError && /ids "a b" and "a_b" map to the same OSCAL id a_b/.test(e.message),
  );
});
