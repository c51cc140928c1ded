import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlAll } from '../common/yaml.ts';
import { imagesInManifests } from './manifest-images.ts';

const MANIFESTS = `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers: [{name: init, image: "busybox:1.36"}]
  containers: [{name: a, image: "nginx:1.25"}, {name: b, image: "nginx:1.25"}]
  ephemeralContainers: [{name: debug, image: "ghcr.io/org/debug@sha256:${'a'.repeat(64)}"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers: [{name: web, image: "registry.example:5000/team/web:2.0"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: job, image: "quay.io/org/backup:7"}]
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: s}
    spec:
      template:
        spec:
          containers: [{name: db, image: "postgres:16"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {image: "not-an-image-reference:1"}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {ports: [{port: 80}]}
`;

test('images-from collects every container image Kubernetes manifests reference, once each', () => {
  const docs = parseYamlAll(MANIFESTS, 'm.yaml');
  assert.deepEqual(imagesInManifests(docs), [
    'busybox:1.36',
    'nginx:1.25',
    `ghcr.io/org/debug@sha256:${'a'.repeat(64)}`,
    'registry.example:5000/team/web:2.0',
    'quay.io/org/backup:7',
    'postgres:16',
  ]);
  assert.deepEqual(imagesInManifests([null, 'text', 42, { kind: 'Pod', spec: { containers: 'nope' } }]), []);
});
