/**
 * system.yaml and remediation-deadlines.yaml: the shipped files parse; hostile and wrong
 * input is refused with one line naming the file and the key; any input either parses or
 * fails with an AirlockError (never another exception).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { AirlockError } from '../common/errors.ts';
import { deadlineDays, deadlineFrom, DEADLINES_FILE, parseDeadlines } from './deadlines.ts';
import { highWaterMark, parseSystemDescription, SYSTEM_EXAMPLE_FILE } from './system.ts';

const CONTENT = join(import.meta.dirname, '..', '..', 'content');
const example = readFileSync(join(CONTENT, SYSTEM_EXAMPLE_FILE), 'utf8');
const SRC = 'system.yaml';

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseSystemDescription(text, SRC),
    (e: unknown) => e instanceof AirlockError && e.code === 'BAD_INPUT' && !e.message.includes('\n') && e.message.startsWith(`${SRC}: `) && pattern.test(e.message),
    pattern.source,
  );
}

test('the shipped example parses, and its impact levels make its category', () => {
  const s = parseSystemDescription(example, SYSTEM_EXAMPLE_FILE);
  assert.equal(s.name, 'Example Isolated Workload Platform');
  assert.equal(highWaterMark(s.impact), 'moderate');
  assert.ok(s.responsibleParties.every((rp) => rp.parties.every((id) => s.parties.some((p) => p.id === id))));
});

test('hostile and wrong system descriptions are refused with one line naming the file and the key', () => {
  const base = parseSystemDescription(example, SYSTEM_EXAMPLE_FILE) as unknown as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>): string => stringify({ ...base, ...patch });
  refused('name: [unclosed', /invalid YAML/);
  refused(example.replace('name: Example Isolated Workload Platform', 'name: A\nname: B'), /invalid YAML.*(duplicate|unique)/i);
  refused('a: &a [x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n', /invalid YAML|alias/i);
  refused('x'.repeat(300 * 1024), /exceeds the limit/);
  refused(variant({ kind: 'ComponentIndex' }), /kind:/);
  refused(variant({ extra: 1 }), /Unrecognized key|extra/);
  refused(variant({ name: 'two\nlines' }), /name: must be one line/);
  refused(variant({ name: 'x'.repeat(201) }), /name:/);
  refused(variant({ impact: { confidentiality: 'severe', integrity: 'low', availability: 'low' } }), /impact\.confidentiality/);
  refused(variant({ sensitivity: 'low', impact: { confidentiality: 'high', integrity: 'low', availability: 'low' } }), /sensitivity: low is below the high-water mark of impact \(high\)/);
  refused(variant({ status: 'running' }), /status/);
  refused(variant({ dateAuthorized: '2026-02-30' }), /dateAuthorized: is not a calendar date/);
  refused(variant({ systemIdType: 'not a uri' }), /systemIdType: must be an absolute URI/);
  refused(variant({ responsibleParties: [{ role: 'system-owner', parties: ['nobody'] }] }), /responsibleParties: system-owner: no party nobody in parties/);
  refused(variant({ responsibleParties: [{ role: '1-owner', parties: ['isso'] }] }), /responsibleParties\.0\.role: must be a token/);
  refused(variant({ parties: [{ id: 'isso', name: 'A' }, { id: 'isso', name: 'B' }], responsibleParties: [] }), /parties: isso is listed twice/);
  refused(variant({ organization: { name: 'Org', email: 'not-an-address' } }), /organization\.email/);
  refused(variant({ informationTypes: [] }), /informationTypes/);
  refused('[]', /\(document\)|expected object/);
});

test('any YAML value either parses as a system description or is refused with an AirlockError', () => {
  const keys = ['apiVersion', 'kind', 'name', 'systemId', 'description', 'status', 'impact', 'authorizationBoundary', 'organization', 'parties', 'responsibleParties', 'users', 'sensitivity'];
  const value = fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: keys.length });
  fc.assert(
    fc.property(value, fc.boolean(), (v, asText) => {
      const input = asText ? JSON.stringify(v) : stringify(v);
      try {
        parseSystemDescription(input, SRC);
      } catch (e) {
        assert.ok(e instanceof AirlockError, String(e));
        assert.ok(e.message.startsWith(`${SRC}: `) && !e.message.includes('\n'), e.message);
      }
    }),
    { numRuns: 300 },
  );
});

test('remediation deadlines: the shipped table, its order, and the date arithmetic', () => {
  const d = parseDeadlines(readFileSync(join(CONTENT, DEADLINES_FILE)), DEADLINES_FILE);
  assert.deepEqual(d.days, { critical: 15, high: 30, medium: 90, low: 180, unknown: 90 });
  assert.equal(deadlineDays(d, 'info'), undefined, 'informational findings get no POA&M item');
  assert.equal(deadlineFrom('2026-11-01T08:00:00.000Z', 15), '2026-11-16T08:00:00Z');
  assert.equal(deadlineFrom('2026-12-31T23:30:00.250Z', 1), '2027-01-01T23:30:00.250Z');
  const bad = (days: Record<string, unknown>) => stringify({ apiVersion: 'airlock.dev/v1alpha1', kind: 'RemediationDeadlines', days });
  assert.throws(() => parseDeadlines(bad({ critical: 40, high: 30, medium: 90, low: 180, unknown: 90 }), 'd.yaml'), /d\.yaml: days: a more severe finding may not get longer/);
  assert.throws(() => parseDeadlines(bad({ critical: 0, high: 30, medium: 90, low: 180, unknown: 90 }), 'd.yaml'), /d\.yaml: days\.critical/);
  assert.throws(() => parseDeadlines(bad({ critical: 15, high: 30, medium: 90, low: 180 }), 'd.yaml'), /d\.yaml: days\.unknown/);
});
