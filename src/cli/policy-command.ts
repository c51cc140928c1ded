import type { Command } from 'commander';
import { AirlockError } from '../common/errors.ts';
import { evaluate, evaluateAdmission, loadAdmissionPolicies, loadExceptions, loadPolicies, loadResources, policyReports, resultsTable, runKyvernoTests, summary, testTable } from '../policy/index.ts';
import { printJson, printLines } from './output.ts';
import type { RuleResult } from '../policy/index.ts';
import { controlsForPolicy, frameworkPolicyDirs } from '../frameworks/catalog.ts';
import { defaultContentDir, loadContent } from '../frameworks/content.ts';

/** Adds `controls` (framework id -> control ids) to a result, as PolicyReport properties too. */
function withControls(r: RuleResult, controls: Map<string, string[]>, frameworks: readonly string[]): RuleResult & { controls?: Record<string, string[]> } {
  const chosen = [...controls].filter(([fw]) => frameworks.length === 0 || frameworks.includes(fw));
  if (chosen.length === 0) return r;
  const props = Object.fromEntries(chosen.map(([fw, ids]) => [`controls.${fw}`, ids.join(',')]));
  return { ...r, controls: Object.fromEntries(chosen), properties: { ...r.properties, ...props } };
}

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
    .option('--policies <dir>', 'policy file or folder (repeat for more)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--framework <id>', 'the policies of a compliance framework (repeat for more; see airlock frameworks list)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .argument('<targets...>', 'manifest files or folders (YAML, JSON, List kinds, rendered Helm output)')
    .option('--format <format>', 'table, json or policyreport', 'table')
    .option('--json', 'machine-readable output (same as --format json)')
    .action(async (targets: string[], opts: { policies: string[]; framework: string[]; format: string; json?: boolean }) => {
      const format = opts.json ? 'json' : opts.format;
      if (!['table', 'json', 'policyreport'].includes(format)) throw new AirlockError('USAGE', `--format: unknown format "${format}" (table, json, policyreport)`);
      if (opts.policies.length === 0 && opts.framework.length === 0) throw new AirlockError('USAGE', 'give --framework ID or --policies DIR (either may repeat)');
      const content = await loadContent(defaultContentDir());
      const dirs = [...new Set([...opts.policies, ...opts.framework.flatMap((id) => frameworkPolicyDirs(content, id))])];
      const policies = await loadPolicies(dirs);
      const admission = await loadAdmissionPolicies(dirs);
      if (policies.length === 0 && admission.length === 0) throw new AirlockError('BAD_INPUT', `${dirs.join(', ')}: no Kyverno or admission policies found`);
      const resources = await loadResources(targets);
      const namespaceLabels: Record<string, Record<string, string>> = {};
      for (const r of resources) {
        const meta = r.metadata as { name?: string; labels?: Record<string, string> };
        if (r.kind === 'Namespace' && meta.name) namespaceLabels[meta.name] = meta.labels ?? {};
      }
      const exceptions = await loadExceptions(dirs);
      const evaluated = [...evaluate(policies, resources, { namespaceLabels, exceptions }), ...evaluateAdmission(admission, resources, { namespaceLabels })];
      // Each result names the controls it supports (all frameworks, or the chosen ones).
      const results = evaluated.map((r) => withControls(r, controlsForPolicy(content, r.policy), opts.framework));
      const s = summary(results);
      if (format === 'json') printJson({ results, summary: s });
      else if (format === 'policyreport') printJson({ apiVersion: 'v1', kind: 'List', items: policyReports(results) });
      else printLines([...resultsTable(results), '', `pass: ${s.pass}, fail: ${s.fail}, warn: ${s.warn}, error: ${s.error}, skip: ${s.skip}`]);
      if (s.fail > 0 || s.error > 0) throw new AirlockError('CHECK_FAILED', `${s.fail} rule result(s) failed and ${s.error} errored`);
    });
}
