import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { silentProgress, terminalProgress } from '../common/progress.ts';
import { loadControlResolver } from '../evidence/controls.ts';
import { followIngest } from '../evidence/follow-ingest.ts';
import { AUTO_TYPE, IMPORTERS } from '../evidence/importers/registry.ts';
import { ingestFiles } from '../evidence/ingest-files.ts';
import { addHold, listHolds, releaseHold, retentionReport, setRetention } from '../evidence/retention.ts';
import { EVIDENCE_KINDS, OUTCOMES, type EvidenceHeader, type EvidenceKind, type EvidenceQuery, type Outcome } from '../evidence/types.ts';
import { loadPublicKey } from '../trust/keys.ts';
import { PublicKeyVerifier } from '../trust/signer.ts';
import { addStoreOptions, openStoreFrom, withStore, type StoreCliOptions } from './evidence-options.ts';
import { color, printJson, printLines, warn } from './output.ts';

interface ListOptions extends StoreCliOptions {
  kind?: string;
  source?: string;
  subject?: string;
  control?: string;
  outcome?: string;
  from?: string;
  to?: string;
  limit?: string;
  json?: boolean;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((s) => s.trim());
  for (const p of parts) {
    if (!(allowed as readonly string[]).includes(p)) throw new AirlockError('USAGE', `${flag}: ${JSON.stringify(p)} is not one of ${allowed.join(', ')}`);
  }
  return parts as T[];
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1) throw new AirlockError('USAGE', `${flag}: expected a positive whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function queryFrom(o: ListOptions): EvidenceQuery {
  return {
    kind: oneOf<EvidenceKind>(o.kind, EVIDENCE_KINDS, '--kind'),
    outcome: oneOf<Outcome>(o.outcome, OUTCOMES, '--outcome'),
    source: o.source,
    subject: o.subject,
    control: o.control,
    from: o.from,
    to: o.to,
    limit: positiveInt(o.limit, '--limit'),
  };
}

const OUTCOME_COLOR: Record<string, number> = { fail: 31, alert: 31, error: 35, warn: 33, pass: 32 };

function headerLine(h: EvidenceHeader): string {
  const controls = h.controls.length > 3 ? `${h.controls.slice(0, 3).join(' ')} +${h.controls.length - 3}` : h.controls.join(' ');
  return `${String(h.seq).padStart(7)}  ${h.observedAt.slice(0, 19).replace('T', ' ')}  ${h.kind.padEnd(18)} ${h.source.padEnd(14)} ${color(OUTCOME_COLOR[h.outcome] ?? 0, h.outcome.padEnd(5))} ${h.severity.padEnd(8)} ${h.subject}  ${controls}`;
}

export function registerEvidenceCommands(program: Command): void {
  const evidence = program.command('evidence').description('the tamper-evident, encrypted evidence store');

  addStoreOptions(evidence.command('init').description('create an evidence store (keys, database, identity)'))
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { json?: boolean }) => {
      const store = await openStoreFrom(o, 'required', { create: true });
      try {
        const s = await store.status();
        if (o.json) printJson({ ...s, checkpointKeyId: store.info.checkpointKeyId, kekId: store.info.kekId });
        else {
          printLines([
            `evidence store ${s.storeId} ready in ${store.dir} (${s.engine === 'pglite' ? 'embedded database' : `PostgreSQL ${s.location}`})`,
            `  checkpoint key ${store.info.checkpointKeyId} (public key: ${store.dir}/checkpoint.pub; give it to auditors)`,
            `  ${s.records} records`,
          ]);
        }
      } finally {
        await store.close();
      }
    });

  addStoreOptions(
    evidence
      .command('ingest')
      .description('import reports and logs as evidence: airlock scan and policy output, Trivy, Grype, Kyverno PolicyReports, Falco, Wazuh')
      .argument('<files...>', 'input files (JSON documents or JSON lines)'),
  )
    .option('--type <type>', `${[AUTO_TYPE, ...IMPORTERS.map((i) => i.type)].join(', ')}`, AUTO_TYPE)
    .option('--init', 'create the store if the folder is absent or empty')
    .option('--skip-bad-lines', 'store the good lines of a JSON-lines file and report the bad ones (default: store nothing)')
    .option('--follow', 'follow one growing JSON-lines file like tail -F (Wazuh alerts.json, Falco file output) until interrupted')
    .option('--from-end', 'with --follow and no saved position: start at the end of the file')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], o: StoreCliOptions & { type: string; init?: boolean; skipBadLines?: boolean; follow?: boolean; fromEnd?: boolean; json?: boolean }) => {
      const controls = await loadControlResolver();
      if (o.follow) {
        if (files.length !== 1) throw new AirlockError('USAGE', '--follow: give exactly one file');
        if (o.type === AUTO_TYPE) throw new AirlockError('USAGE', '--follow: give --type falco or --type wazuh');
      }
      await withStore(o, 'required', async (store) => {
        if (o.follow) {
          const ac = new AbortController();
          const stop = () => ac.abort();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          try {
            const r = await followIngest(store, {
              type: o.type,
              path: files[0]!,
              controls,
              signal: ac.signal,
              fromEnd: o.fromEnd,
              onBatch: (n, total) => {
                if (!o.json) process.stderr.write(`stored ${n} records (${total} since start)\n`);
              },
              onNotice: (m) => warn(m),
            });
            if (o.json) printJson(r);
            else printLines([`stopped: ${r.records} records stored, ${r.badLines} bad lines skipped`]);
          } finally {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
          }
          return;
        }
        const bar = o.json ? silentProgress : terminalProgress(undefined, 'items');
        let shown = 0;
        bar.start('storing', 0);
        const report = await ingestFiles(store, {
          type: o.type,
          files,
          controls,
          skipBadLines: o.skipBadLines,
          onProgress: (n) => {
            bar.advance(n - shown);
            shown = n;
          },
        });
        bar.stop();
        if (o.json) return printJson(report);
        printLines([
          `stored ${report.records} records${report.firstSeq !== null ? ` (${report.firstSeq}–${report.lastSeq})` : ''} in ${store.dir}`,
          ...report.files.map((f) => `  ${f.path}: ${f.records} records${f.importer ? ` (${f.importer})` : ''}${f.badLines ? `, ${f.badLines} bad lines skipped` : ''}`),
        ]);
        for (const b of report.badLines) warn(b.error);
        if (report.badLinesTotal > report.badLines.length) warn(`... and ${report.badLinesTotal - report.badLines.length} more bad lines`);
      }, { create: o.init === true });
    });

  addStoreOptions(evidence.command('status').description('what the store holds: records, chain head, last checkpoint'))
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const s = await store.status();
        if (o.json) return printJson(s);
        printLines([
          `evidence store ${s.storeId} (${s.engine}, ${s.location})`,
          `  records:         ${s.records}${s.firstObservedAt ? `, observed ${s.firstObservedAt} – ${s.lastObservedAt}` : ''}`,
          `  chain head:      ${s.headSeq} ${s.headHash}`,
          `  last checkpoint: ${s.lastCheckpoint ? `record ${s.lastCheckpoint.seq} at ${s.lastCheckpoint.createdAt}, key ${s.lastCheckpoint.keyId.slice(0, 16)}` : 'none'}`,
        ]);
      });
    });

  addStoreOptions(evidence.command('list').description('list records (clear header fields only; no passphrase needed)'))
    .option('--kind <kinds>', `comma-separated: ${EVIDENCE_KINDS.join(', ')}`)
    .option('--source <tool>', 'producing tool (falco, wazuh, trivy, ...)')
    .option('--subject <subject>', 'exact subject, e.g. host:node-1')
    .option('--control <ref>', 'records supporting a control (framework:id) or any control of a framework')
    .option('--outcome <outcomes>', `comma-separated: ${OUTCOMES.join(', ')}`)
    .option('--from <time>', 'observed at or after (ISO 8601)')
    .option('--to <time>', 'observed at or before (ISO 8601)')
    .option('--limit <n>', 'at most this many records')
    .option('--json', 'machine-readable output (JSON lines, one header per line)')
    .action(async (o: ListOptions) => {
      const q = queryFrom(o);
      await withStore(o, 'optional', async (store) => {
        let n = 0;
        for await (const h of store.headers(q)) {
          process.stdout.write(`${o.json ? JSON.stringify(h) : headerLine(h)}\n`);
          n++;
        }
        if (!o.json && n === 0) process.stderr.write('no records match\n');
      });
    });

  addStoreOptions(evidence.command('show').description('one record, decrypted, by id or sequence number').argument('<record>', 'record id (UUID) or sequence number'))
    .option('--json', 'machine-readable output')
    .action(async (ref: string, o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'required', async (store) => {
        const r = await store.get(ref);
        if (o.json) return printJson(r);
        printLines([
          `record ${r.seq} ${r.id}`,
          `  ${r.title}`,
          `  kind ${r.kind}, source ${r.source}, outcome ${r.outcome}, severity ${r.severity}`,
          `  subject   ${r.subject}`,
          `  observed  ${r.observedAt}`,
          `  collected ${r.collectedAt}`,
          `  controls  ${r.controls.join(' ') || '(none)'}`,
          `  content   ${r.contentHash}`,
          `  record    ${r.recordHash}`,
          `  previous  ${r.prevHash}`,
          '  payload:',
          ...JSON.stringify(r.payload, null, 2).split('\n').map((l) => `    ${l}`),
        ]);
      });
    });

  addStoreOptions(evidence.command('verify').description('re-walk the hash chain and the signed checkpoints; exit 1 naming the first altered, removed or reordered record'))
    .option('--key <public-key>', "checkpoint public key to trust (default: the store's checkpoint.pub)")
    .option('--payloads', 'also decrypt every payload and check its content hash (needs the passphrase)')
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { key?: string; payloads?: boolean; json?: boolean }) => {
      await withStore(o, o.payloads ? 'required' : 'optional', async (store) => {
        const verifier = o.key ? new PublicKeyVerifier(await loadPublicKey(o.key)) : await store.checkpointVerifier();
        const bar = o.json ? silentProgress : terminalProgress(undefined, 'items');
        let started = false;
        let seen = 0;
        const report = await store.verify({
          verifier,
          decrypt: o.payloads === true,
          onProgress: (done, total) => {
            if (!started) bar.start('verifying', total);
            started = true;
            bar.advance(done - seen);
            seen = done;
          },
        });
        bar.stop();
        if (o.json) printJson(report);
        else {
          const cp = report.checkpoints;
          printLines([
            `${report.ok ? color(32, 'OK') : color(31, 'FAILED')}: ${report.records} records, head ${report.headSeq} ${report.headHash}`,
            `  checkpoints: ${cp.verified}/${cp.total} signed by ${cp.keyId ? cp.keyId.slice(0, 16) : '-'}, latest valid at record ${cp.latestSeq ?? '-'}`,
            `  payloads:    ${report.payloadsChecked ? 'decrypted and checked' : 'not opened (add --payloads)'}`,
          ]);
          for (const w of report.warnings) warn(w);
        }
        if (!report.ok) {
          const first = report.problems[0]!;
          throw new AirlockError('VERIFY_FAILED', `${store.dir}: ${first.message}`, {
            details: report.problems.slice(1, 20).map((p) => p.message).concat(report.truncated || report.problems.length > 20 ? ['... more problems (see --json)'] : []),
          });
        }
      });
    });

  addStoreOptions(evidence.command('checkpoint').description('sign a checkpoint of the chain head now'))
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'required', async (store) => {
        const c = await store.checkpoint();
        if (o.json) return printJson({ checkpoint: c ?? null });
        printLines([c ? `signed checkpoint at record ${c.seq} ${c.headHash}` : 'the head is already checkpointed (or the store is empty)']);
      });
    });

  const retention = evidence.command('retention').description('retention policies: recorded and reported, never applied silently');
  addStoreOptions(retention.command('set').description('record a retention policy'))
    .requiredOption('--days <n>', 'keep records this many days')
    .option('--kind <kind>', `only for this kind: ${EVIDENCE_KINDS.join(', ')}`)
    .requiredOption('--reason <text>', 'why (for example the regulation that sets it)')
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { days: string; kind?: string; reason: string; json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const p = await setRetention(store.sql, { keepDays: positiveInt(o.days, '--days') ?? 0, kind: o.kind, reason: o.reason });
        if (o.json) return printJson(p);
        printLines([`recorded retention policy ${p.id}: keep ${p.kind ?? 'all records'} ${p.keepDays} days (${p.reason})`]);
      });
    });
  addStoreOptions(retention.command('report').description('records past retention, and those legal holds keep'))
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const r = await retentionReport(store.sql);
        if (o.json) return printJson(r);
        printLines([
          `${r.policies.length} retention policies, ${r.activeHolds} active legal holds; airlock never deletes evidence`,
          ...r.kinds.map((k) => `  ${k.kind.padEnd(20)} ${String(k.records).padStart(8)} records  ${k.keepDays === null ? 'no policy' : `keep ${k.keepDays} days: ${k.pastRetention} past retention, ${k.held} of them on hold`}`),
        ]);
      });
    });

  const hold = evidence.command('hold').description('legal holds: records that must be kept whatever the retention');
  addStoreOptions(hold.command('add').description('place a legal hold'))
    .option('--subject <subject>', 'records about this subject')
    .option('--control <ref>', 'records supporting this control (framework:id)')
    .option('--from <time>', 'observed at or after')
    .option('--to <time>', 'observed at or before')
    .requiredOption('--reason <text>', 'why (case, request)')
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { subject?: string; control?: string; from?: string; to?: string; reason: string; json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const h = await addHold(store.sql, o);
        if (o.json) return printJson(h);
        printLines([`legal hold ${h.id} placed (${h.reason})`]);
      });
    });
  addStoreOptions(hold.command('release').description('release a legal hold (recorded with its reason)').argument('<id>', 'hold id'))
    .requiredOption('--reason <text>', 'why it is released')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: StoreCliOptions & { reason: string; json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const h = await releaseHold(store.sql, id, o.reason);
        if (o.json) return printJson(h);
        printLines([`legal hold ${h.id} released at ${h.releasedAt} (${h.releaseReason})`]);
      });
    });
  addStoreOptions(hold.command('list').description('all legal holds, active and released'))
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { json?: boolean }) => {
      await withStore(o, 'optional', async (store) => {
        const hs = await listHolds(store.sql);
        if (o.json) return printJson(hs);
        printLines(hs.length ? hs.map((h) => `${h.id}  ${h.releasedAt ? 'released' : 'active  '}  ${[h.subject, h.control, h.from && `from ${h.from}`, h.to && `to ${h.to}`].filter(Boolean).join(' ') || 'all records'}  (${h.reason})`) : ['no legal holds']);
      });
    });
}
