/**
 * Request bodies: content types, JSON documents and JSON lines, gzip, limits, and
 * property tests: any list of event objects survives both encodings; any bytes give
 * events or an HttpError with a 4xx status, never anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { bodyFormat, bodyValues, decodeContent, DEFAULT_BODY_LIMITS, type BodyLimits } from './body.ts';
import { HttpError } from './http-error.ts';

function refused(fn: () => unknown, status: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HttpError, `expected an HttpError, got ${String(e)}`);
    assert.equal(e.status, status, e.message);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'the reason is one line');
    return true;
  });
}

test('content types: JSON document, JSON lines, everything else 415', () => {
  assert.equal(bodyFormat('application/json'), 'document');
  assert.equal(bodyFormat('Application/JSON; charset=utf-8'), 'document');
  assert.equal(bodyFormat('application/x-ndjson'), 'lines');
  assert.equal(bodyFormat('application/jsonl'), 'lines');
  refused(() => bodyFormat(undefined), 415, /no Content-Type/);
  refused(() => bodyFormat('text/plain'), 415, /json_output: true/);
  refused(() => bodyFormat('application/json; charset=latin1'), 415, /charset latin1/);
  refused(() => bodyFormat('multipart/form-data; boundary=x'), 415, /multipart\/form-data is not accepted/);
});

test('a JSON document: one event or an array of events', () => {
  assert.deepEqual(bodyValues(Buffer.from('{"a":1}'), 'document'), [{ where: 'body', value: { a: 1 } }]);
  assert.deepEqual(
    bodyValues(Buffer.from('[{"a":1},{"b":2}]'), 'document').map((v) => v.where),
    ['body[0]', 'body[1]'],
  );
  refused(() => bodyValues(Buffer.from(''), 'document'), 400, /empty body/);
  refused(() => bodyValues(Buffer.from('{"a":1'), 'document'), 400, /^body: /);
  refused(() => bodyValues(Buffer.from('{"a":1,"a":2}'), 'document'), 400, /duplicate key "a"/);
  refused(() => bodyValues(Buffer.from('[{"a":1},3]'), 'document'), 400, /body\[1\]: expected a JSON object \(an event\), got number/);
  refused(() => bodyValues(Buffer.from('"text"'), 'document'), 400, /got string/);
  refused(() => bodyValues(Buffer.from('null'), 'document'), 400, /got null/);
  refused(() => bodyValues(Buffer.from('['.repeat(100) + ']'.repeat(100)), 'document'), 400, /nesting deeper than 64/);
});

test('JSON lines: blank lines skipped, the first bad line named, a long line refused', () => {
  const body = Buffer.from('\ufeff{"n":1}\n\n  \n{"n":2}\r\n[{"n":3},{"n":4}]\n');
  const values = bodyValues(body, 'lines');
  assert.deepEqual(values.map((v) => (v.value as { n: number }).n), [1, 2, 3, 4]);
  assert.deepEqual(values.map((v) => v.where), ['line 1', 'line 4', 'line 5[0]', 'line 5[1]']);
  refused(() => bodyValues(Buffer.from('{"n":1}\n{"n":\n{"n":3}\n'), 'lines'), 400, /^line 2: /);
  refused(() => bodyValues(Buffer.from('{"n":1}\n42\n'), 'lines'), 400, /^line 2: expected a JSON object/);
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, maxLineBytes: 1000 };
  refused(() => bodyValues(Buffer.from(`{"n":1}\n{"s":"${'x'.repeat(5000)}"}\n{"n":3}`), 'lines', limits), 400, /^line 2: 5008 bytes exceeds the line limit of 1000 bytes/);
  refused(() => bodyValues(Buffer.from('\n\n'), 'lines'), 400, /no event/);
});

test('limits: body size and event count are 413', () => {
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, maxBodyBytes: 100, maxEvents: 3 };
  refused(() => bodyValues(Buffer.alloc(101, 0x20), 'document', limits), 413, /101 bytes exceeds the limit of 100/);
  refused(() => bodyValues(Buffer.from('[{},{},{},{}]'), 'document', limits), 413, /more than 3 events/);
  refused(() => bodyValues(Buffer.from('{}\n{}\n{}\n{}\n'), 'lines', limits), 413, /more than 3 events/);
});

test('gzip: decoded, bounded by the body limit, unknown encodings 415', () => {
  const text = '{"n":1}\n'.repeat(100);
  assert.equal(decodeContent(gzipSync(text), 'gzip', 1 << 20).toString(), text);
  assert.equal(decodeContent(Buffer.from('x'), undefined, 10).toString(), 'x');
  // A kilobyte that expands to 10 MiB stops at the limit.
  const bomb = gzipSync(Buffer.alloc(10 << 20));
  assert.ok(bomb.length < 20_000);
  refused(() => decodeContent(bomb, 'gzip', 1 << 20), 413, /decompressed body exceeds the limit of 1048576/);
  refused(() => decodeContent(Buffer.from('not gzip'), 'gzip', 1 << 20), 400, /not valid gzip/);
  refused(() => decodeContent(Buffer.from('x'), 'br', 1 << 20), 415, /Content-Encoding br/);
});

const eventArb = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__'),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })),
  { maxKeys: 6 },
);

test('property: event objects survive the document and the lines encodings', () => {
  fc.assert(
    fc.property(fc.array(eventArb, { minLength: 1, maxLength: 20 }), fc.boolean(), (generated, crlf) => {
      const events = JSON.parse(JSON.stringify(generated)) as unknown[]; // plain prototypes
      const doc = bodyValues(Buffer.from(JSON.stringify(events)), 'document').map((v) => v.value);
      assert.deepEqual(doc, events);
      const lines = bodyValues(Buffer.from(events.map((e) => JSON.stringify(e)).join(crlf ? '\r\n' : '\n')), 'lines').map((v) => v.value);
      assert.deepEqual(lines, events);
    }),
  );
});

test('property: any bytes give events or a one-line 4xx, nothing else', () => {
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, maxBodyBytes: 4096, maxLineBytes: 512, maxEvents: 50 };
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 600 }).map((s) => new TextEncoder().encode(s))), fc.constantFrom('document' as const, 'lines' as const), (bytes, format) => {
      try {
        const values = bodyValues(Buffer.from(bytes), format, limits);
        for (const v of values) assert.ok(typeof v.value === 'object' && v.value !== null && !Array.isArray(v.value));
      } catch (e) {
        assert.ok(e instanceof HttpError, String(e));
        assert.ok(e.status >= 400 && e.status < 500);
        assert.ok(!e.message.includes('\n'));
      }
    }),
    { numRuns: 500 },
  );
});
