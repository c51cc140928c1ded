/**
 * `images-from:` in airlock.yaml: every container image Kubernetes manifests reference.
 * Pure: manifest documents in (multi-document YAML, JSON, `List` kinds, rendered Helm
 * output), image references out, in first-seen order. Pod specs are found wherever
 * Kubernetes puts them: Pods, the templates of Deployments, StatefulSets, DaemonSets,
 * ReplicaSets, ReplicationControllers and Jobs, and CronJobs' job templates; every
 * container list counts (containers, initContainers, ephemeralContainers).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function podSpecOf(doc: Obj): unknown {
  const spec = doc.spec;
  if (!isObj(spec)) return undefined;
  switch (doc.kind) {
    case 'Pod':
      return spec;
    case 'CronJob': {
      const job = spec.jobTemplate;
      return isObj(job) && isObj(job.spec) && isObj(job.spec.template) ? job.spec.template.spec : undefined;
    }
    case 'PodTemplate':
      return isObj(doc.template) ? doc.template.spec : undefined;
    default:
      return isObj(spec.template) ? spec.template.spec : undefined;
  }
}

function collectFrom(doc: unknown, out: Set<string>, depth: number): void {
  if (!isObj(doc) || depth > 8) return;
  if (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items)) {
    for (const item of doc.items) collectFrom(item, out, depth + 1);
    return;
  }
  const pod = podSpecOf(doc);
  if (!isObj(pod)) return;
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const containers = pod[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) if (isObj(c) && typeof c.image === 'string' && c.image.trim() !== '') out.add(c.image.trim());
  }
}

export function imagesInManifests(documents: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const d of documents) collectFrom(d, out, 0);
  return [...out];
}
