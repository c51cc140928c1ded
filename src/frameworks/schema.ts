/**
 * Shapes of the compliance content under content/: the control index of a framework
 * (content/frameworks/<id>.yaml), the control mapping of a policy
 * (content/policies/<name>/controls.yaml) and the metadata Airlock reads from a Kyverno
 * policy's annotations. Validated with zod; unknown keys are rejected so that a typo in a
 * hand-edited file is an error, not a silently ignored field.
 */
import { z } from 'zod';

/** Framework ids are short lowercase slugs; they name files and CLI arguments. */
export const FRAMEWORK_ID = /^[a-z0-9][a-z0-9.-]{0,62}$/;
/** Policy names follow Kubernetes object names (DNS-1123 subdomain, at most 63 here). */
export const POLICY_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const text = (max: number) => z.string().trim().min(1).max(max);

export const controlSchema = z
  .object({
    id: text(64),
    family: text(160),
    title: text(200),
  })
  .strict();

export const controlIndexSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('ControlIndex'),
    id: z.string().regex(FRAMEWORK_ID, 'must be a lowercase slug'),
    name: text(160),
    version: text(64),
    publisher: text(200),
    description: text(2000),
    idFormat: text(300),
    verification: text(1000),
    minimumMappings: z.number().int().min(0).max(100_000),
    controls: z.array(controlSchema).min(1).max(5000),
  })
  .strict();

export const mappingEntrySchema = z
  .object({
    control: text(64),
    rationale: text(400).refine((s) => !s.includes('\n'), 'must be one line'),
  })
  .strict();

export const controlMappingSchema = z
  .object({
    apiVersion: z.literal('airlock.dev/v1alpha1'),
    kind: z.literal('ControlMapping'),
    policy: z.string().regex(POLICY_NAME, 'must be a Kubernetes object name'),
    mappings: z.record(z.string().regex(FRAMEWORK_ID), z.array(mappingEntrySchema).min(1).max(500)),
  })
  .strict();

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

const annotationsSchema = z
  .object({
    'policies.kyverno.io/title': text(200),
    'policies.kyverno.io/category': text(200),
    'policies.kyverno.io/severity': z.enum(SEVERITIES),
    'policies.kyverno.io/description': text(4000),
    'airlock.dev/controls': text(20_000),
  })
  .passthrough();

/** Only the parts of a Kyverno policy that the framework catalogue relies on. */
export const policyHeadSchema = z
  .object({
    apiVersion: z.literal('kyverno.io/v1'),
    kind: z.enum(['ClusterPolicy', 'Policy']),
    metadata: z
      .object({
        name: z.string().regex(POLICY_NAME, 'must be a Kubernetes object name'),
        annotations: annotationsSchema,
      })
      .passthrough(),
    spec: z
      .object({
        rules: z
          .array(z.object({ name: text(63), validate: z.record(z.string(), z.unknown()) }).passthrough())
          .min(1),
      })
      .passthrough(),
  })
  .passthrough();

export type Control = z.infer<typeof controlSchema>;
export type ControlIndex = z.infer<typeof controlIndexSchema>;
export type ControlMappingFile = z.infer<typeof controlMappingSchema>;
export type Severity = (typeof SEVERITIES)[number];
