/** Reading OSCAL documents: model, declared version, hostile input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AirlockError } from '../common/errors.ts';
import { parseOscalDocument } from './document.ts';
import { modelInVersion, schemaVersionFor } from './models.ts';

const bad = (re: RegExp) => (e: unknown) => e instanceof AirlockError && e.code === 'BAD_INPUT' && e.exitCode === 2 && re.test(e.message);

test('the model is the root key and the version comes from metadata', () => {
  const d = parseOscalDocument('{"$schema":"x","profile":{"uuid":"u","metadata":{"oscal-version":"1.0.4"}}}', 'p.json');
  assert.equal(d.model, 'profile');
  assert.equal(d.declaredVersion, '1.0.4');
  assert.deepEqual(d.body, { uuid: 'u', metadata: { 'oscal-version': '1.0.4' } });
  assert.equal(parseOscalDocument('{"catalog":{}}', 'c.json').declaredVersion, undefined);
});

test('declared versions choose a schema: 1.0.x and 1.1.x validate as 1.1.3, 1.2.x as 1.2.1', () => {
  assert.equal(schemaVersionFor('1.0.0'), '1.1.3');
  assert.equal(schemaVersionFor('1.0.4'), '1.1.3');
  assert.equal(schemaVersionFor('1.1.2'), '1.1.3');
  assert.equal(schemaVersionFor('v1.1.3'), '1.1.3');
  assert.equal(schemaVersionFor('1.2.1'), '1.2.1');
  assert.equal(schemaVersionFor('1.2.2'), '1.2.1');
  assert.equal(schemaVersionFor('1.0.0-milestone3'), '1.1.3');
  assert.equal(schemaVersionFor('2.0.0'), undefined);
  assert.equal(schemaVersionFor('latest'), undefined);
  assert.equal(modelInVersion('mapping-collection', '1.1.3'), false);
  assert.equal(modelInVersion('mapping-collection', '1.2.1'), true);
});

test('what is not OSCAL is refused with one line naming the file', () => {
  assert.throws(() => parseOscalDocument('[1]', 'a.json'), bad(/^a\.json: not an OSCAL document: the JSON root is not an object/));
  assert.throws(() => parseOscalDocument('{"name":"x"}', 'b.json'), bad(/^b\.json: not an OSCAL document: no root key of catalog, .* \(found "name"\)/));
  assert.throws(() => parseOscalDocument('{"catalog":{},"profile":{}}', 'c.json'), bad(/more than one model at the root \(catalog, profile\)/));
  assert.throws(() => parseOscalDocument('{"catalog":[]}', 'd.json'), bad(/catalog is not an object/));
  assert.throws(() => parseOscalDocument('{"catalog":{"uuid":"a","uuid":"b"}}', 'e.json'), bad(/^e\.json: invalid JSON: duplicate key "uuid"/));
  assert.throws(() => parseOscalDocument('{"catalog":', 'f.json'), bad(/^f\.json: invalid JSON/));
  assert.throws(() => parseOscalDocument('{"catalog":{}}', 'g.json', { maxBytes: 5 }), bad(/^g\.json: JSON document of 14 bytes exceeds the limit of 5/));
  assert.throws(() => parseOscalDocument(`{"catalog":${'['.repeat(100)}${']'.repeat(100)}}`, 'h.json'), bad(/nesting deeper than 64/));
});

test('any input gives a document or a BAD_INPUT error, never anything else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.jsonValue().map((v) => JSON.stringify({ catalog: v }))), (text) => {
      try {
        const d = parseOscalDocument(text, 'x.json');
        assert.equal(typeof d.body, 'object');
      } catch (e) {
        assert.ok(e instanceof AirlockError && e.code === 'BAD_INPUT', String(e));
      }
    }),
    { numRuns: 500 },
  );
});
