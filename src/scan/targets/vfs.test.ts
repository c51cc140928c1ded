import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AirlockError } from '../../common/errors.ts';
import { normaliseEntryPath, resolveInTree } from './vfs.ts';

test('resolveInTree: absolute and climbing symlinks stay inside the tree', async () => {
  const links: Record<string, string> = { 'etc/os-release': '../usr/lib/os-release', 'evil': '/../../../../etc/shadow', 'lib': 'usr/lib', 'up': '../../..' };
  const rl = (p: string): string | undefined => links[p];
  assert.equal(await resolveInTree('etc/os-release', rl, 't'), 'usr/lib/os-release');
  assert.equal(await resolveInTree('evil', rl, 't'), 'etc/shadow');
  assert.equal(await resolveInTree('lib/x/../y', rl, 't'), 'usr/lib/y');
  assert.equal(await resolveInTree('up/etc/passwd', rl, 't'), 'etc/passwd');
});

test('resolveInTree: a symlink loop is an error naming the path', async () => {
  const rl = (p: string): string | undefined => ({ a: 'b', b: '/a' })[p];
  await assert.rejects(resolveInTree('a/file', rl, 'img'), /img: a\/file: more than 40 symlinks \(a loop\?\)/);
});

test('resolveInTree: for any links and path, the result never escapes or is absolute', async () => {
  const seg = fc.constantFrom('a', 'b', '..', '.', '', 'c');
  const rel = fc.array(seg, { maxLength: 6 }).map((s) => s.join('/'));
  const target = fc.tuple(fc.boolean(), rel).map(([abs, r]) => (abs ? `/${r}` : r));
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.constantFrom('a', 'b', 'a/b', 'c/a'), target), rel, async (links, path) => {
      try {
        const out = await resolveInTree(path, (p) => links[p], 't');
        assert.ok(!out.startsWith('/'));
        assert.ok(!out.split('/').includes('..'));
        assert.ok(!out.split('/').includes('.'));
      } catch (e) {
        assert.ok(e instanceof AirlockError);
      }
    }),
  );
});

test('normaliseEntryPath: leading slashes and dots go, ".." is refused', () => {
  assert.equal(normaliseEntryPath('./usr//lib/', 'l'), 'usr/lib');
  assert.equal(normaliseEntryPath('/etc/os-release', 'l'), 'etc/os-release');
  assert.throws(() => normaliseEntryPath('usr/../../x', 'layer'), /layer: entry "usr\/..\/..\/x" escapes the tree/);
});
