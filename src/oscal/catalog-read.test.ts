/** Control statements with parameters inserted, from hand-written catalog fragments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { indexCatalog, insertParams, statementText } from './catalog-read.ts';
import type { JsonObject } from './document.ts';

const catalog: JsonObject = {
  uuid: '00000000-0000-4000-8000-000000000000',
  metadata: { title: 't', 'last-modified': '2024-01-01T00:00:00Z', version: '1', 'oscal-version': '1.1.2' },
  params: [{ id: 'top_prm', values: ['every day'] }],
  groups: [
    {
      id: 'xx',
      title: 'Example family',
      controls: [
        {
          id: 'xx-1',
          title: 'First',
          params: [
            { id: 'xx-1_prm_1', label: 'organization-defined frequency' },
            { id: 'xx-1_prm_2', select: { 'how-many': 'one-or-more', choice: ['logs', 'alerts at {{ insert: param, top_prm }}'] } },
            { id: 'xx-1_prm_3', label: 'frequency', constraints: [{ description: 'at least annually' }] },
            { id: 'loop', values: ['{{ insert: param, loop }}'] },
          ],
          props: [{ name: 'label', value: 'XX-1' }],
          parts: [
            {
              id: 'xx-1_smt',
              name: 'statement',
              parts: [
                { id: 'xx-1_smt.a', name: 'item', props: [{ name: 'label', value: 'a.' }], prose: 'Review {{ insert: param, xx-1_prm_1 }}; and' },
                {
                  id: 'xx-1_smt.b',
                  name: 'item',
                  props: [{ name: 'label', value: 'b.' }],
                  prose: 'Keep {{ insert: param, xx-1_prm_2 }}:',
                  parts: [{ id: 'xx-1_smt.b.1', name: 'item', props: [{ name: 'label', value: '1.' }], prose: 'for {{ insert: param, xx-1_prm_3 }}.' }],
                },
                { id: 'xx-1_fr', name: 'item', title: 'Additional requirements', parts: [{ id: 'xx-1_fr.1', name: 'item', props: [{ name: 'label', value: 'Requirement:' }], prose: 'Use {{ insert: param, nowhere }}.' }] },
              ],
            },
            { id: 'xx-1_gdn', name: 'guidance', prose: 'Not part of the statement.' },
          ],
          controls: [{ id: 'xx-1.1', title: 'Enhancement', parts: [{ id: 'xx-1.1_smt', name: 'statement', prose: 'Do it {{ insert: param, top_prm }}.' }] }],
        },
      ],
    },
  ],
};

test('the index finds nested controls with their group and parent, and every parameter', () => {
  const idx = indexCatalog(catalog);
  assert.deepEqual([...idx.controls.keys()], ['xx-1', 'xx-1.1']);
  assert.deepEqual(idx.controls.get('xx-1.1')?.group, { id: 'xx', title: 'Example family' });
  assert.equal(idx.controls.get('xx-1.1')?.parentId, 'xx-1');
  assert.deepEqual([...idx.params.keys()].sort(), ['loop', 'top_prm', 'xx-1_prm_1', 'xx-1_prm_2', 'xx-1_prm_3']);
});

test('statements render items with labels, values, selections, assignments and constraints', () => {
  const idx = indexCatalog(catalog);
  const text = statementText(idx.controls.get('xx-1')?.control ?? {}, idx.params);
  assert.equal(
    text,
    [
      'a. Review [Assignment: organization-defined frequency]; and',
      'b. Keep [Selection (one or more): logs; alerts at every day]:',
      '  1. for [Assignment: frequency (constraint: at least annually)].',
      'Additional requirements',
      '  Requirement: Use [Assignment: nowhere].',
    ].join('\n'),
  );
  assert.equal(statementText(idx.controls.get('xx-1.1')?.control ?? {}, idx.params), 'Do it every day.');
  assert.equal(statementText({ id: 'none', parts: [{ name: 'guidance', prose: 'x' }] }, idx.params), undefined);
});

test('a parameter that inserts itself stops at the depth bound', () => {
  const idx = indexCatalog(catalog);
  const out = insertParams('{{ insert: param, loop }}', idx.params);
  assert.equal(out, '[Assignment: loop]');
});

test('any prose renders without throwing, and no insert of a known parameter survives', () => {
  const idx = indexCatalog(catalog);
  const known = [...idx.params.keys()];
  const piece = fc.oneof(
    fc.string(),
    fc.constantFrom(...known).map((id) => `{{ insert: param, ${id} }}`),
    fc.constant('{{ insert: param, }}'),
    fc.constant('{{ insert:'),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const out = insertParams(pieces.join(''), idx.params);
      for (const id of known) assert.ok(!out.includes(`{{ insert: param, ${id} }}`), out);
    }),
    { numRuns: 300 },
  );
});
