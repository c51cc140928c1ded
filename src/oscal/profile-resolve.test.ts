/** Profile resolution over hand-written catalogs and profiles with an in-memory loader. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AirlockError } from '../common/errors.ts';
import { indexCatalog, statementText } from './catalog-read.ts';
import { identifyOscal, type JsonObject, type OscalDocument } from './document.ts';
import { importRef, resolveProfile, type ImportLoader } from './profile-resolve.ts';

const meta = { title: 't', 'last-modified': '2024-01-01T00:00:00Z', version: '1', 'oscal-version': '1.1.2' };
const ctl = (id: string, extra: JsonObject = {}): JsonObject => ({ id, title: id.toUpperCase(), ...extra });

const catalog = identifyOscal(
  {
    catalog: {
      uuid: 'c',
      metadata: meta,
      groups: [
        {
          id: 'ac',
          title: 'Access Control',
          controls: [
            ctl('ac-1', { params: [{ id: 'ac-1_prm_1', label: 'frequency' }], parts: [{ id: 'ac-1_smt', name: 'statement', prose: 'Review {{ insert: param, ac-1_prm_1 }}.', props: [{ name: 'x', value: 'drop-me', class: 'tmp' }] }] }),
            ctl('ac-2', { controls: [ctl('ac-2.1'), ctl('ac-2.2')] }),
            ctl('ac-3', { controls: [ctl('ac-3.1')] }),
          ],
        },
        { id: 'cm', title: 'Configuration Management', controls: [ctl('cm-1'), ctl('cm-2')] },
      ],
    },
  },
  'catalog.json',
);

function loaderOf(docs: Record<string, OscalDocument>): ImportLoader {
  return async (ref, from) => {
    const name = ref.names.find((n) => docs[n]);
    if (!name) throw new AirlockError('NOT_FOUND', `${from}: imports ${ref.names.join(' or ')}`);
    return { doc: docs[name] as OscalDocument, source: name };
  };
}

function profile(body: JsonObject): OscalDocument {
  return identifyOscal({ profile: { uuid: 'p', metadata: meta, ...body } }, 'profile.json');
}

const ids = (c: JsonObject): string[] => [...indexCatalog(c).controls.keys()];

test('include-controls with ids, with child controls, exclusions and globs select the right controls', async () => {
  const p = profile({
    imports: [
      {
        href: '#res',
        'include-controls': [{ 'with-ids': ['ac-1', 'ac-2'], 'with-child-controls': 'yes' }, { 'with-ids': ['ac-3.1'] }, { matching: [{ pattern: 'cm-*' }] }],
        'exclude-controls': [{ 'with-ids': ['ac-2.2', 'cm-2'] }],
      },
    ],
    'back-matter': { resources: [{ uuid: 'res', rlinks: [{ href: '../../catalogs/catalog.xml' }, { href: 'https://example.org/x/catalog.json' }] }] },
  });
  assert.deepEqual(importRef(p.body, '#res').names, ['catalog.xml', 'catalog.json']);
  const r = await resolveProfile(p, 'profile.json', loaderOf({ 'catalog.json': catalog }));
  // ac-3 is not selected, so its selected child moves up to the group.
  assert.deepEqual(ids(r.catalog), ['ac-1', 'ac-2', 'ac-2.1', 'ac-3.1', 'cm-1']);
  assert.equal(r.report.selected, 5);
  assert.deepEqual(r.report.sources, ['profile.json', 'catalog.json']);
  // The source catalog is not changed by resolution.
  assert.equal(ids(catalog.body).length, 8);
});

test('set-parameters and alters change the selected controls; misses are counted, not dropped', async () => {
  const p = profile({
    imports: [{ href: 'catalog.json', 'include-all': {} }],
    modify: {
      'set-parameters': [
        { 'param-id': 'ac-1_prm_1', values: ['at least annually'] },
        { 'param-id': 'zz-9_prm_1', values: ['never'] },
      ],
      alters: [
        {
          'control-id': 'ac-1',
          removes: [{ 'by-class': 'tmp' }],
          adds: [
            { position: 'ending', 'by-id': 'ac-1_smt', parts: [{ id: 'ac-1_fr', name: 'item', title: 'Additional Requirements', parts: [{ id: 'ac-1_fr.1', name: 'item', prose: 'Also this.' }] }] },
            { position: 'starting', props: [{ name: 'CORE', value: 'true' }] },
            { position: 'after', 'by-id': 'ac-1_smt', parts: [{ id: 'ac-1_extra', name: 'guidance', prose: 'g' }] },
            { position: 'ending', 'by-id': 'ac-1_nothing', props: [{ name: 'p', value: 'v' }] },
          ],
        },
        { 'control-id': 'zz-1', adds: [{ props: [{ name: 'p', value: 'v' }] }] },
      ],
    },
  });
  const r = await resolveProfile(p, 'profile.json', loaderOf({ 'catalog.json': catalog }));
  assert.equal(r.report.selected, 8);
  assert.deepEqual(r.report.setParameters, { applied: 1, unmatched: ['zz-9_prm_1'] });
  assert.equal(r.report.alters.adds, 3);
  assert.equal(r.report.alters.removes, 1);
  assert.deepEqual(r.report.alters.unmatched, ['ac-1: no part ac-1_nothing', 'zz-1']);
  const idx = indexCatalog(r.catalog);
  const ac1 = idx.controls.get('ac-1')?.control ?? {};
  assert.equal(statementText(ac1, idx.params), 'Review at least annually.\nAdditional Requirements\n  Also this.');
  assert.deepEqual(ac1.props, [{ name: 'CORE', value: 'true' }]);
  assert.deepEqual(
    (ac1.parts as JsonObject[]).map((x) => x.id),
    ['ac-1_smt', 'ac-1_extra'],
  );
  assert.equal((ac1.parts as JsonObject[])[0]?.props, undefined);
});

test('a profile can import a profile; cycles and wrong models are refused', async () => {
  const inner = profile({ imports: [{ href: 'catalog.json', 'include-controls': [{ 'with-ids': ['ac-1', 'cm-1', 'cm-2'] }] }], modify: { 'set-parameters': [{ 'param-id': 'ac-1_prm_1', values: ['daily'] }] } });
  const outer = profile({ imports: [{ href: 'inner.json', 'exclude-controls': [{ 'with-ids': ['cm-2'] }], 'include-all': {} }] });
  const r = await resolveProfile(outer, 'outer.json', loaderOf({ 'catalog.json': catalog, 'inner.json': inner }));
  assert.deepEqual(ids(r.catalog), ['ac-1', 'cm-1']);
  assert.deepEqual(r.report.sources, ['outer.json', 'inner.json', 'catalog.json']);
  assert.equal(r.report.setParameters.applied, 1);

  const self = profile({ imports: [{ href: 'self.json', 'include-all': {} }] });
  await assert.rejects(resolveProfile(self, 'self.json', loaderOf({ 'self.json': self })), /nest deeper than 4/);
  const ssp = identifyOscal({ 'system-security-plan': { uuid: 's', metadata: meta } }, 'ssp.json');
  await assert.rejects(resolveProfile(profile({ imports: [{ href: 'ssp.json', 'include-all': {} }] }), 'p.json', loaderOf({ 'ssp.json': ssp })), /ssp\.json: imported by p\.json as ssp\.json, but it is a system-security-plan/);
  await assert.rejects(resolveProfile(profile({ imports: [] }), 'p.json', loaderOf({})), /p\.json: profile has no imports/);
  await assert.rejects(resolveProfile(catalog, 'catalog.json', loaderOf({})), /expected a profile, found catalog/);
});
