/**
 * The signed audit archive end to end: export from a store filled by real ingest,
 * verification by airlock and by hand with openssl, sha256sum, jq and tar (the commands
 * docs/audit.md gives), evidence encrypted to an auditor, and archives altered or
 * hostile even when re-signed with the exporter's own key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { SoftwareSigner } from '../../src/trust/signer.ts';
import { signToSigstoreBundle } from '../../src/trust/sigstore.ts';
import { runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, requireTool, tempDir } from '../helpers/env.ts';
import { makeTar } from '../helpers/tar.ts';

const TESTDATA = join(PROJECT_ROOT, 'src', 'evidence', 'importers', 'testdata');
const ENV = { AIRLOCK_EVIDENCE_PASSPHRASE: 'audit test passphrase', AIRLOCK_KEY_PASSPHRASE: 'audit key passphrase' };
const cli = (args: string[]) => runCli(args, { env: ENV });

let shared: Promise<{ dir: string; store: string }> | undefined;

/** One store and two key pairs for the whole file (a store takes seconds to create). */
function setup(t: TestContext): Promise<{ dir: string; store: string }> {
  shared ??= (async () => {
    const dir = tempDir({ after: (fn: () => void) => process.on('exit', fn) }, 'airlock-audit-');
    const store = join(dir, 'evidence');
    const inputs = ['falco-events.jsonl', 'wazuh-alerts.jsonl', 'kyverno-policyreports.json', 'airlock-scan-oci.json'].map((f) => join(TESTDATA, f));
    const r = await cli(['evidence', 'ingest', '--init', '--store', store, ...inputs]);
    assert.equal(r.code, 0, r.stderr);
    for (const name of ['exporter', 'auditor', 'other']) assert.equal((await cli(['keys', 'generate', '--out', dir, '--name', name])).code, 0);
    return { dir, store };
  })();
  void t;
  return shared;
}

async function exported(t: TestContext, name: string, extra: string[] = []): Promise<{ dir: string; archive: string }> {
  const { dir, store } = await setup(t);
  const archive = join(dir, `${name}.tar.gz`);
  const r = await cli(['audit', 'export', '--store', store, '--framework', 'nist-800-53-r5', '--from', '2020-01-01', '--to', '2030-01-01', '--out', archive, '--key', join(dir, 'exporter.key'), ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return { dir, archive };
}

/** Rewrites an archive's entries and signs the result with the exporter's own key. */
async function resign(dir: string, archive: string, out: string, edit: (name: string, body: Buffer) => Buffer | undefined, extra: { name: string; content: string; symlink?: string }[] = []): Promise<void> {
  const entries: { name: string; content: Buffer }[] = [];
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      const body = edit(h.name, Buffer.concat(chunks));
      if (body) entries.push({ name: h.name, content: body });
      next();
    });
  });
  ex.end(gunzipSync(readFileSync(archive)));
  await new Promise<void>((r) => ex.on('finish', () => r()));
  const bytes = await makeTar([...entries, ...extra.map((e) => (e.symlink ? { name: e.name, symlink: e.symlink } : { name: e.name, content: e.content }))], true);
  writeFileSync(out, bytes);
  const signer = new SoftwareSigner(createPrivateKey({ key: readFileSync(join(dir, 'exporter.key')), passphrase: ENV.AIRLOCK_KEY_PASSPHRASE }));
  writeFileSync(`${out}.sig`, JSON.stringify(await signToSigstoreBundle(signer, bytes)));
}

test('export, then verify with airlock and by hand with openssl, sha256sum, jq and tar', async (t) => {
  for (const tool of ['openssl', 'sha256sum', 'jq', 'tar', 'base64']) if (!requireTool(t, tool)) return;
  const { dir, archive } = await exported(t, 'plain');
  const r = await cli(['audit', 'verify', archive, '--key', join(dir, 'exporter.pub'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; checked: { evidenceRecords: number; chainRecords: number; oscalDocuments: number } };
  assert.ok(report.checked.evidenceRecords > 10);
  assert.ok(report.checked.oscalDocuments >= 5, 'catalog, profile, component definition, SSP, assessment results (and a POA&M when findings are open)');

  // The commands of docs/audit.md, verbatim.
  const work = tempDir(t);
  const sh = (script: string) => execFileSync('sh', ['-euc', script], { cwd: work, encoding: 'utf8', env: { ...process.env, A: archive, PUB: join(dir, 'exporter.pub') } });
  assert.match(sh(`jq -r '.messageSignature.signature' "$A.sig" | base64 -d > archive.sig.der
openssl dgst -sha256 -verify "$PUB" -signature archive.sig.der "$A"`), /Verified OK/);
  const sums = sh(`mkdir audit && tar -xzf "$A" -C audit
cd audit && jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum -c --strict -`);
  assert.match(sums, /evidence\/records\.jsonl: OK/);
  assert.doesNotMatch(sums, /FAILED/);
  assert.match(sh(`cd audit
jq -j .statement chain/checkpoint.json > checkpoint.statement
jq -r .bundle.messageSignature.signature chain/checkpoint.json | base64 -d > checkpoint.sig.der
openssl dgst -sha256 -verify chain/checkpoint.pub -signature checkpoint.sig.der checkpoint.statement`), /Verified OK/);
});

test('evidence encrypted to the auditor: only the auditor checks and reads it', async (t) => {
  const { dir, archive } = await exported(t, 'sealed', ['--recipient', join((await setup(t)).dir, 'auditor.pub')]);
  const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' });
  assert.match(listing, /evidence\/records\.jsonl\.enc/);
  assert.doesNotMatch(listing, /evidence\/records\.jsonl\n/);
  let r = await cli(['audit', 'verify', archive, '--key', join(dir, 'exporter.pub'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { checked: { evidenceContents: boolean } }).checked.evidenceContents, false);
  r = await cli(['audit', 'verify', archive, '--key', join(dir, 'exporter.pub'), '--decrypt-key', join(dir, 'auditor.key'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { checked: { evidenceRecords: number } }).checked.evidenceRecords > 10);
  r = await cli(['audit', 'verify', archive, '--key', join(dir, 'exporter.pub'), '--decrypt-key', join(dir, 'other.key')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /encrypted to key .* not to this key/);
  const out = join(tempDir(t), 'evidence.jsonl');
  r = await cli(['audit', 'decrypt', archive, '--key', join(dir, 'auditor.key'), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const first = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!) as { payload: unknown; recordHash: string };
  assert.ok(first.payload && first.recordHash.startsWith('sha256:'));
});

test('altered archives fail: bytes, the wrong key, and changes re-signed with the exporter key', async (t) => {
  const { dir, archive } = await exported(t, 'tamper');
  const pub = join(dir, 'exporter.pub');
  const bytes = readFileSync(archive);
  const flipped = join(dir, 'flipped.tar.gz');
  writeFileSync(flipped, Buffer.concat([bytes.subarray(0, 100), Buffer.from([bytes[100]! ^ 1]), bytes.subarray(101)]));
  writeFileSync(`${flipped}.sig`, readFileSync(`${archive}.sig`));
  let r = await cli(['audit', 'verify', flipped, '--key', pub]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not the one signed/);
  r = await cli(['audit', 'verify', archive, '--key', join(dir, 'other.pub')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /signed by key .*, not by/);

  // A payload changed, the manifest digest fixed, and the whole archive re-signed: the
  // chain still says what the payload was.
  const forged = join(dir, 'forged.tar.gz');
  let newSha = '';
  await resign(dir, archive, forged, (name, body) => {
    if (name !== 'evidence/records.jsonl') return body;
    const lines = body.toString().split('\n');
    const rec = JSON.parse(lines[1]!) as { title: string };
    rec.title = 'nothing happened here';
    lines[1] = JSON.stringify(rec);
    const out = Buffer.from(lines.join('\n'));
    newSha = execFileSync('sha256sum', { input: out, encoding: 'utf8' }).split(' ')[0]!;
    return out;
  });
  const forged2 = join(dir, 'forged2.tar.gz');
  await resign(dir, forged, forged2, (name, body) => {
    if (name !== 'manifest.json') return body;
    const m = JSON.parse(body.toString()) as { files: { path: string; sha256: string; size: number }[] };
    const f = m.files.find((x) => x.path === 'evidence/records.jsonl')!;
    f.sha256 = newSha;
    f.size = Buffer.byteLength(execFileSync('sh', ['-c', `tar -xzOf "${forged}" evidence/records.jsonl`], { encoding: 'utf8' }));
    return Buffer.from(JSON.stringify(m));
  });
  r = await cli(['audit', 'verify', forged2, '--key', pub]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /evidence\/records\.jsonl:2: record \d+'s title or payload differs from what the chain committed to/);

  // A record dropped from the chain proof.
  const gap = join(dir, 'gap.tar.gz');
  await resign(dir, archive, gap, (name, body) => (name === 'chain/records.jsonl' ? Buffer.from(body.toString().split('\n').filter((_, i) => i !== 3).join('\n')) : body));
  r = await cli(['audit', 'verify', gap, '--key', pub]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /chain\/records\.jsonl|digest or size differs/);
});

test('hostile archives are refused before anything is read from them', async (t) => {
  const { dir, archive } = await exported(t, 'hostile');
  const pub = join(dir, 'exporter.pub');
  const cases: [string, { name: string; content: string; symlink?: string }[], RegExp][] = [
    ['traversal', [{ name: '../escape.txt', content: 'x' }], /escape\.txt/],
    ['symlink', [{ name: 'oscal/link.json', content: '', symlink: '/etc/passwd' }], /symlink, not a regular file/],
    ['duplicate', [{ name: 'manifest.json', content: '{}' }], /appears twice/],
    ['unlisted', [{ name: 'reports/extra.pdf', content: 'pdf' }], /in the archive but not in the manifest/],
  ];
  const unpacked = () => readdirSync(tmpdir()).filter((n) => n.startsWith('airlock-audit-')).sort();
  const before = unpacked();
  for (const [name, extra, expected] of cases) {
    const out = join(dir, `${name}.tar.gz`);
    await resign(dir, archive, out, (_n, body) => body, extra);
    const r = await cli(['audit', 'verify', out, '--key', pub]);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, expected, name);
    assert.match(r.stderr, /^airlock: /, `${name}: one error line, no stack trace`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: one error line, no stack trace`);
  }
  assert.deepEqual(unpacked(), before, "every refused archive's temporary unpacking is removed");
  // The traversal entry would land beside the temporary extraction folder.
  assert.equal(existsSync(join(tmpdir(), 'escape.txt')), false, 'nothing escaped');
});

test('bad usage exits 2 and writes nothing', async (t) => {
  const { dir, store } = await setup(t);
  const out = join(dir, 'never.tar.gz');
  const base = ['audit', 'export', '--store', store, '--framework', 'nist-800-53-r5', '--out', out, '--key', join(dir, 'exporter.key')];
  let r = await cli([...base, '--from', 'last tuesday', '--to', '2030-01-01']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--from: "last tuesday" is not a date/);
  r = await cli([...base.map((a) => (a === 'nist-800-53-r5' ? 'no-such-framework' : a)), '--from', '2020-01-01', '--to', '2030-01-01']);
  assert.equal(r.code, 2);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('never') || f.startsWith('.never')), []);
});
