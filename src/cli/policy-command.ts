import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { evaluate, evaluateAdmission, loadAdmissionPolicies, loadExceptions, loadPolicies, loadResources, policyReports, resultsTable, runKyvernoTests, summary, testTable } from '../policy/index.ts';
import { printJson, printLines } from './output.ts';

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('Kyverno-compatible policy evaluation, offline');
  policy
    .command('test')
    .description('run kyverno-test.yaml files (Kyverno CLI test format) found under the paths')
    .argument('<paths...>', 'files or folders')
    .option('--json', 'machine-readable output')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const results = await runKyvernoTests(paths);
      const failed = results.reduce((n, r) => n + r.failed, 0);
      if (opts.json) printJson({ tests: results, failed });
      else {
        for (const r of results) {
          printLines([`Test ${r.name} (${r.file}): ${r.rows.length} result(s)`, ...testTable(r), '']);
        }
        printLines([`Test Summary: ${results.reduce((n, r) => n + r.passed, 0)} tests passed and ${failed} tests failed`]);
      }
      if (failed > 0) throw new AirlockError('CHECK_FAILED', `${failed} kyverno test result(s) did not match`);
    });
  policy
    .command('audit')
    .description('evaluate manifests against policies and report the results')
    .requiredOption('--policies <dir>', 'policy file or folder (repeat for more)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .argument('<targets...>', 'manifest files or folders (YAML, JSON, List kinds, rendered Helm output)')
    .option('--format <format>', 'table, json or policyreport', 'table')
    .option('--json', 'machine-readable output (same as --format json)')
    .action(async (targets: string[], opts: { policies: string[]; format: string; json?: boolean }) => {
      const format = opts.json ? 'json' : opts.format;
      if (!['table', 'json', 'policyreport'].includes(format)) throw new AirlockError('USAGE', `--format: unknown format "${format}" (table, json, policyreport)`);
      const policies = await loadPolicies(opts.policies);
      const admission = await loadAdmissionPolicies(opts.policies);
      if (policies.length === 0 && admission.length === 0) throw new AirlockError('BAD_INPUT', `${opts.policies.join(', ')}: no Kyverno or admission policies found`);
      const resources = await loadResources(targets);
      const namespaceLabels: Record<string, Record<string, string>> = {};
      for (const r of resources) {
        const meta = r.metadata as { name?: string; labels?: Record<string, string> };
        if (r.kind === 'Namespace' && meta.name) namespaceLabels[meta.name] = meta.labels ?? {};
      }
      const exceptions = await loadExceptions(opts.policies);
      const results = [...evaluate(policies, resources, { namespaceLabels, exceptions }), ...evaluateAdmission(admission, resources, { namespaceLabels })];
      const s = summary(results);
      if (format === 'json') printJson({ results, summary: s });
      else if (format === 'policyreport') printJson({ apiVersion: 'v1', kind: 'List', items: policyReports(results) });
      else printLines([...resultsTable(results), '', `pass: ${s.pass}, fail: ${s.fail}, warn: ${s.warn}, error: ${s.error}, skip: ${s.skip}`]);
      if (s.fail > 0 || s.error > 0) throw new AirlockError('CHECK_FAILED', `${s.fail} rule result(s) failed and ${s.error} errored`);
    });
}
