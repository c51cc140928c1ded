/**
 * `airlock tokens` and `airlock serve` on the command line: the token is printed once
 * and only its hash is stored; list and revoke; serve refuses unsafe or wrong options
 * with exit 2, warns on plain HTTP, serves with TLS and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { makeCa } from '../helpers/certs.ts';
import { AIRLOCK_BIN, runCli } from '../helpers/cli.ts';
import { PROJECT_ROOT, tempDir } from '../helpers/env.ts';
import { Client, falcoEvent } from '../helpers/ingest.ts';

const ENV = { AIRLOCK_EVIDENCE_PASSPHRASE: 'cli test passphrase' };

test('airlock tokens: create prints the token once, the store keeps its hash; list; revoke', async (t) => {
  const dir = join(tempDir(t), 'evidence');
  assert.equal((await runCli(['evidence', 'init', '--store', dir], { env: ENV })).code, 0);
  const created = await runCli(['tokens', 'create', '--store', dir, '--name', 'falcosidekick', '--expires', '30']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^alk_[A-Za-z0-9_-]{43}$/);
  assert.match(created.stderr, /scope ingest, expires .* shown only this once/);
  const json = await runCli(['tokens', 'create', '--store', dir, '--name', 'prometheus', '--scope', 'read', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const reader = JSON.parse(json.stdout) as { token: string; scope: string; expiresAt: string | null };
  assert.equal(reader.scope, 'read');
  assert.equal(reader.expiresAt, null);

  const dup = await runCli(['tokens', 'create', '--store', dir, '--name', 'falcosidekick']);
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /a token named falcosidekick exists/);
  assert.equal((await runCli(['tokens', 'create', '--store', dir, '--name', 'x', '--scope', 'admin'])).code, 2);
  assert.equal((await runCli(['tokens', 'create', '--store', dir, '--name', 'bad name'])).code, 2);

  const list = await runCli(['tokens', 'list', '--store', dir, '--json']);
  const listed = JSON.parse(list.stdout) as { name: string; scope: string; revokedAt: string | null }[];
  assert.deepEqual(listed.map((x) => [x.name, x.scope]), [['falcosidekick', 'ingest'], ['prometheus', 'read']]);
  assert.ok(!list.stdout.includes(token.slice(4)), 'list never shows a secret');

  // The database holds the SHA-256 of the token, not the token.
  const db = await PGlite.create(join(dir, 'pgdata'));
  const rows = (await db.query<{ token_hash: string }>("SELECT token_hash FROM api_tokens WHERE name = 'falcosidekick'")).rows;
  await db.close();
  const { createHash } = await import('node:crypto');
  assert.equal(rows[0]?.token_hash, createHash('sha256').update(token).digest('hex'));

  const revoked = await runCli(['tokens', 'revoke', '--store', dir, 'falcosidekick']);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /token falcosidekick \(.*\) revoked at /);
  assert.equal((await runCli(['tokens', 'revoke', '--store', dir, 'falcosidekick'])).code, 2, 'no active token of that name is left');
  const human = await runCli(['tokens', 'list', '--store', dir]);
  assert.match(human.stdout, /falcosidekick +ingest .* revoked /);
  // The name is free again.
  assert.equal((await runCli(['tokens', 'create', '--store', dir, '--name', 'falcosidekick'])).code, 0);
});

test('airlock serve: refuses plain HTTP without --insecure-http and bad options (exit 2)', async (t) => {
  const dir = join(tempDir(t), 'evidence');
  const cases: [string[], RegExp][] = [
    [[], /needs --tls-cert and --tls-key \(or --insecure-http/],
    [['--insecure-http', '--tls-cert', 'a.pem'], /do not go together/],
    [['--insecure-http', '--listen', 'localhost'], /--listen: expected HOST:PORT/],
    [['--insecure-http', '--listen', '127.0.0.1:70000'], /--listen: expected HOST:PORT/],
    [['--insecure-http', '--queue-limit', '0'], /--queue-limit: expected a whole number/],
    [['--insecure-http', '--body-limit', 'lots'], /--body-limit: "lots" is not a size/],
    [['--tls-cert', 'c', '--tls-key', 'k', '--client-cert-scope', 'ingest'], /--client-cert-scope needs --tls-client-ca/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(['serve', '--store', dir, ...args], { env: ENV });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('airlock serve over TLS: listens, ingests, and on SIGTERM drains, checkpoints and exits 0', async (t) => {
  const work = tempDir(t);
  const dir = join(work, 'evidence');
  assert.equal((await runCli(['evidence', 'init', '--store', dir], { env: ENV })).code, 0);
  const token = (await runCli(['tokens', 'create', '--store', dir, '--name', 'falco'])).stdout.trim();
  const ca = makeCa(work);
  const child = spawn(process.execPath, [AIRLOCK_BIN, 'serve', '--store', dir, '--listen', '127.0.0.1:0', '--tls-cert', ca.certFile, '--tls-key', ca.keyFile, '--json', '--log-json'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const client = new Client(url, { ca: readFileSync(ca.caFile) });
  t.after(() => client.close());
  const r = await client.post('/v1/ingest/falco', token, JSON.stringify(falcoEvent(7)));
  assert.equal(r.status, 200, r.text);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  const stopped = JSON.parse(out.trim().split('\n').at(-1)!) as { event: string; accepted: number; checkpoint: { seq: number } | null };
  assert.equal(stopped.event, 'stopped');
  assert.equal(stopped.accepted, 1);
  assert.equal(stopped.checkpoint?.seq, 1);
  // --log-json: every stderr line is a JSON object with time, level and msg.
  const logLines = err.trim().split('\n');
  for (const l of logLines) {
    const o = JSON.parse(l) as { time: string; level: string; msg: string };
    assert.ok(o.time && o.level && o.msg, l);
  }
  assert.ok(logLines.some((l) => l.includes('SIGTERM: stopping')));
  const verify = await runCli(['evidence', 'verify', '--store', dir]);
  assert.equal(verify.code, 0, verify.stderr);
});
