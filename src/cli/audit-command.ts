import type { Command } from 'commander';
import { createPublicKey } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { exportAudit, type AuditPart } from '../audit/export.ts';
import { EVIDENCE_SEALED_FILE, RECIPIENT_FILE } from '../audit/format.ts';
import { openWith, recipientSchema } from '../audit/recipient.ts';
import { verifyAudit } from '../audit/verify.ts';
import { AirlockError } from '../common/errors.ts';
import { pathExists, writeFileAtomic } from '../common/fsx.ts';
import { assessForReport, fontsIn, renderReport, REPORT_KINDS } from '../report/index.ts';
import { parseJsonStrict } from '../common/json.ts';
import { defaultContentDir, getFramework, loadContent } from '../frameworks/index.ts';
import { DEFAULT_OSCAL_VERSION, exportFramework } from '../oscal/index.ts';
import { loadPrivateKey, loadPublicKey } from '../trust/keys.ts';
import { SoftwareSigner } from '../trust/signer.ts';
import { addStoreOptions, withStore, type StoreCliOptions } from './evidence-options.ts';
import { VERSION } from './main.ts';
import { color, printJson, printLines } from './output.ts';

const generator = () => ({ name: 'airlock', version: VERSION });

/** The OSCAL documents of the framework with the period's evidence (SSP, assessment results, POA&M), as `airlock oscal export --evidence` writes them. */
function oscalPart(contentDir: string): AuditPart {
  return {
    folder: 'oscal',
    async produce(ctx, dir) {
      const content = await loadContent(contentDir);
      await exportFramework({
        content,
        framework: ctx.framework,
        out: dir,
        oscalVersion: DEFAULT_OSCAL_VERSION,
        producer: generator(),
        from: ctx.from,
        to: ctx.to,
        // The store stays open: the reports read it next.
        evidence: { storeId: ctx.store.storeId, records: (q) => ctx.store.records(q) },
        warn: () => undefined,
      });
    },
  };
}

/** The four reports, as PDF, rendered from the same period. */
function reportsPart(contentDir: string): AuditPart {
  return {
    folder: 'reports',
    async produce(ctx, dir) {
      const framework = getFramework(await loadContent(contentDir), ctx.framework);
      const fonts = fontsIn(contentDir);
      for (const kind of REPORT_KINDS) {
        const assessed = await assessForReport(ctx.store, { kind, framework, period: { from: ctx.from, to: ctx.to }, generatedAt: ctx.generatedAt });
        const { bytes } = await renderReport(assessed.document, 'pdf', fonts);
        await writeFileAtomic(join(dir, `${kind}.pdf`), bytes);
      }
    },
  };
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('signed audit archives an auditor verifies offline');

  addStoreOptions(audit.command('export').description('write the evidence of a period, its chain proof and the OSCAL documents to a signed tar.gz'))
    .requiredOption('--framework <id>', 'framework the archive is for')
    .requiredOption('--from <date>', 'start of the period (ISO 8601)')
    .requiredOption('--to <date>', 'end of the period (ISO 8601)')
    .requiredOption('--out <file.tar.gz>', 'the archive; the signature is written beside it as FILE.tar.gz.sig')
    .requiredOption('--key <private-key>', 'signing key (PEM; passphrase from AIRLOCK_KEY_PASSPHRASE)')
    .option('--recipient <public-key>', "encrypt the evidence to the auditor's P-256 public key instead of writing it decrypted")
    .option('--json', 'machine-readable output')
    .action(async (o: StoreCliOptions & { framework: string; from: string; to: string; out: string; key: string; recipient?: string; json?: boolean }) => {
      const contentDir = defaultContentDir();
      getFramework(await loadContent(contentDir), o.framework);
      if (await pathExists(o.out)) throw new AirlockError('USAGE', `${o.out}: already exists; refusing to overwrite an audit archive`);
      const signer = new SoftwareSigner(await loadPrivateKey(o.key));
      const recipient = o.recipient ? await loadPublicKey(o.recipient) : undefined;
      const r = await withStore(o, 'required', (store) =>
        exportAudit({ store, framework: o.framework, from: o.from, to: o.to, out: o.out, signer, recipient, parts: [oscalPart(contentDir), reportsPart(contentDir)], generator: generator() }),
      );
      if (o.json) return printJson({ archive: r.archive, signature: r.signature, bytes: r.bytes, manifest: r.manifest });
      printLines([
        `wrote ${r.archive} (${r.bytes} bytes) and ${r.signature}`,
        `  ${r.manifest.evidence.records} evidence records${r.manifest.evidence.encrypted ? ' (encrypted to the recipient)' : ''}, chain ${r.manifest.store.chain.fromSeq}–${r.manifest.store.chain.toSeq}, ${r.manifest.files.length} files`,
        `  verify: airlock audit verify ${r.archive} --key <the signer's public key>`,
      ]);
    });

  audit
    .command('verify')
    .description('check an audit archive: signature, manifest digests, chain proof, evidence contents, OSCAL schemas; exit 1 on any problem')
    .argument('<archive>', 'the .tar.gz')
    .requiredOption('--key <public-key>', "the exporter's public key (PEM)")
    .option('--signature <file>', 'the Sigstore bundle (default ARCHIVE.sig)')
    .option('--decrypt-key <private-key>', "the auditor's private key, to check evidence encrypted to it (passphrase from AIRLOCK_KEY_PASSPHRASE)")
    .option('--checkpoint-key <public-key>', "pin the evidence store's checkpoint key instead of the one in the archive")
    .option('--json', 'machine-readable output')
    .action(async (archive: string, o: { key: string; signature?: string; decryptKey?: string; checkpointKey?: string; json?: boolean }) => {
      const decryptKey = o.decryptKey ? await loadPrivateKey(o.decryptKey) : undefined;
      const r = await verifyAudit({ archive, key: o.key, signature: o.signature, decryptKey, checkpointKey: o.checkpointKey });
      if (o.json) printJson(r);
      else {
        const m = r.manifest;
        printLines([
          `${r.ok ? color(32, 'OK') : color(31, 'FAILED')}: ${archive} signed by ${r.signedBy.slice(0, 16)}`,
          ...(m ? [`  ${m.framework}, ${m.period.from} – ${m.period.to}, store ${m.store.id}`] : []),
          `  ${r.checked.files} files, chain of ${r.checked.chainRecords} records to a signed checkpoint, ${r.checked.evidenceContents ? `${r.checked.evidenceRecords} evidence records checked against it` : 'evidence encrypted (add --decrypt-key to check it)'}, ${r.checked.oscalDocuments} OSCAL documents valid`,
        ]);
      }
      if (!r.ok) throw new AirlockError('VERIFY_FAILED', `${archive}: ${r.problems[0]}`, { details: r.problems.slice(1, 20) });
    });

  audit
    .command('decrypt')
    .description("decrypt the evidence of an archive encrypted to your key (verify the archive first)")
    .argument('<archive>', 'the .tar.gz')
    .requiredOption('--key <private-key>', "the auditor's private key (passphrase from AIRLOCK_KEY_PASSPHRASE)")
    .requiredOption('--out <file>', 'where to write the evidence (JSON lines)')
    .action(async (archive: string, o: { key: string; out: string }) => {
      const key = await loadPrivateKey(o.key);
      const dir = await fsp.mkdtemp(join(tmpdir(), 'airlock-decrypt-'));
      const tmp = `${o.out}.tmp-${process.pid}`;
      try {
        const ex = tar.extract();
        const wanted = new Set([RECIPIENT_FILE, EVIDENCE_SEALED_FILE]);
        ex.on('entry', (h, stream, next) => {
          if (h.type === 'file' && wanted.has(h.name)) {
            pipeline(stream, createWriteStream(join(dir, h.name.replace('/', '_')))).then(() => next(), (e: Error) => ex.destroy(e));
          } else {
            stream.on('end', next);
            stream.resume();
          }
        });
        await pipeline(createReadStream(archive), createGunzip(), ex).catch((e: unknown) => {
          throw new AirlockError('BAD_INPUT', `${archive}: not a readable tar.gz (${(e as Error).message})`);
        });
        const infoPath = join(dir, RECIPIENT_FILE.replace('/', '_'));
        if (!(await pathExists(infoPath))) throw new AirlockError('BAD_INPUT', `${archive}: its evidence is not encrypted to a recipient`);
        const info = recipientSchema.parse(parseJsonStrict(await fsp.readFile(infoPath), RECIPIENT_FILE));
        createPublicKey(key);
        const opener = openWith(key, info, archive);
        await pipeline(
          createReadStream(join(dir, EVIDENCE_SEALED_FILE.replace('/', '_'))),
          async function* (src: AsyncIterable<unknown>) {
            for await (const c of src) yield opener.update(c as Buffer);
            yield opener.final();
          },
          createWriteStream(tmp, { mode: 0o600 }),
        );
        await fsp.rename(tmp, o.out);
        printLines([`wrote ${o.out}`]);
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
        await fsp.rm(tmp, { force: true });
      }
    });
}
