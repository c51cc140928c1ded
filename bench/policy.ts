/**
 * Policy evaluation throughput: audits 1,000 generated workloads against the policies
 * under the given folders (default: test/policy-cases, and content/ when present) and
 * prints rule evaluations per second, by wall clock and by CPU time of this process
 * (the figure for one core when the machine is shared), and heap growth.
 * Run: node --import tsx bench/policy.ts [POLICY_DIR...]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicies, evaluateResource } from '../src/policy/index.ts';
import type { Resource } from '../src/policy/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  dirs.push(join(root, 'test', 'policy-cases'));
  if (existsSync(join(root, 'content'))) dirs.push(join(root, 'content'));
}
const policies = await loadPolicies(dirs);

function workload(i: number): Resource {
  const pod = {
    metadata: { labels: { app: `app-${i}`, team: i % 3 ? 'ops' : 'payments' } },
    spec: {
      securityContext: { runAsNonRoot: i % 2 === 0 },
      containers: [
        { name: 'app', image: `registry.internal/app-${i}:1.${i}`, resources: { limits: { memory: `${64 + (i % 512)}Mi` } }, ports: [{ containerPort: 8000 + (i % 100) }] },
        { name: 'side', image: i % 5 ? 'registry.internal/side:2' : 'nginx', ports: [{ containerPort: i % 7 ? 9090 : 80 }] },
      ],
    },
  };
  if (i % 4 === 0) return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: `ns-${i % 10}`, ...pod.metadata }, spec: pod.spec };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `dep-${i}`, namespace: `ns-${i % 10}` }, spec: { replicas: i % 8, template: pod } };
}

const N = 1000;
const heapBefore = process.memoryUsage().heapUsed;
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
let evaluations = 0;
for (let i = 0; i < N; i++) evaluations += evaluateResource(policies, workload(i)).length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const heapAfter = process.memoryUsage().heapUsed;
console.log(`policies: ${policies.length}, workloads: ${N}, rule evaluations: ${evaluations}`);
console.log(`wall: ${seconds.toFixed(3)} s, rule evaluations per second: ${Math.round(evaluations / seconds)}`);
console.log(`cpu: ${cpuSeconds.toFixed(3)} s, rule evaluations per CPU second: ${Math.round(evaluations / cpuSeconds)}`);
console.log(`heap growth: ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB`);
