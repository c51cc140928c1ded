/** The shipped component index, and what a broken one is refused for. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AirlockError } from '../common/errors.ts';
import { loadContent, type Content } from '../frameworks/index.ts';
import { PROJECT_ROOT } from '../../test/helpers/env.ts';
import { checkComponentIndex, loadComponentIndex, parseComponentIndex } from './components.ts';

let cached: Promise<Content> | undefined;
const content = (): Promise<Content> => (cached ??= loadContent(join(PROJECT_ROOT, 'content')));

test('the shipped components cover every framework, and Kyverno takes its controls from the policies', async () => {
  const c = await content();
  const index = await loadComponentIndex(c);
  const ids = index.components.map((x) => x.id);
  for (const id of ['airlock', 'kyverno', 'harbor', 'trivy', 'falco', 'wazuh', 'vault', 'calico', 'postgresql']) assert.ok(ids.includes(id), id);
  assert.equal(index.components.find((x) => x.id === 'kyverno')?.fromPolicies, true);
  for (const comp of index.components.filter((x) => !x.fromPolicies)) {
    for (const fw of c.frameworks.keys()) assert.ok((comp.mappings?.[fw]?.length ?? 0) > 0, `${comp.id} has nothing for ${fw}`);
  }
});

const head = 'apiVersion: airlock.dev/v1alpha1\nkind: ComponentIndex\ncomponents:\n';
const bad = (re: RegExp) => (e: unknown) => e instanceof AirlockError && e.code === 'BAD_INPUT' && re.test(e.message);

test('unknown controls and frameworks, duplicates and malformed entries are refused with the file named', async () => {
  const c = await content();
  const one = (mappings: string) => `${head}  - id: x\n    title: X\n    type: software\n    description: d\n    mappings:\n${mappings}`;
  assert.throws(() => checkComponentIndex(parseComponentIndex(one('      soc2:\n        - control: CC9.9\n          description: d\n'), 'c.yaml'), c, 'c.yaml'), bad(/^c\.yaml: component x: soc2 has no control CC9\.9/));
  assert.throws(() => checkComponentIndex(parseComponentIndex(one('      nope:\n        - control: CC6.1\n          description: d\n'), 'c.yaml'), c, 'c.yaml'), bad(/unknown framework nope/));
  assert.throws(() => parseComponentIndex(one('      soc2:\n        - control: CC6.1\n          description: d\n        - control: CC6.1\n          description: e\n'), 'c.yaml'), bad(/soc2 control CC6\.1 is listed twice/));
  assert.throws(() => parseComponentIndex(`${head}  - id: x\n    title: X\n    type: software\n    description: d\n  - id: x\n    title: Y\n    type: software\n    description: d\n`, 'c.yaml'), bad(/component x is listed twice/));
  assert.throws(() => parseComponentIndex(`${head}  - id: x\n    title: X\n    type: gadget\n    description: d\n`, 'c.yaml'), bad(/^c\.yaml: components\.0\.type:/));
  assert.throws(() => parseComponentIndex(`${head}  - id: x\n    title: X\n    type: software\n    description: d\n    extra: 1\n`, 'c.yaml'), bad(/^c\.yaml: components\.0:/));
  assert.throws(() => parseComponentIndex(one('      soc2:\n        - control: CC6.1\n          description: "two\\nlines"\n'), 'c.yaml'), bad(/must be one line/));
});
