/**
 * Kyverno policy types (kyverno.io/v1 ClusterPolicy and Policy), validated with zod.
 * Only the structure the evaluator relies on is checked strictly; the contents of
 * patterns, conditions and CEL stay free-form (they are Kyverno data, not ours).
 */
import { z } from 'zod';

const free = z.unknown();
const strList = z.array(z.string());

export const LabelSelectorSchema = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: strList.optional(),
      }),
    )
    .optional(),
});
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

export const ResourceDescriptionSchema = z.looseObject({
  kinds: strList.optional(),
  name: z.string().optional(),
  names: strList.optional(),
  namespaces: strList.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  selector: LabelSelectorSchema.optional(),
  namespaceSelector: LabelSelectorSchema.optional(),
  operations: z.array(z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT'])).optional(),
});
export type ResourceDescription = z.infer<typeof ResourceDescriptionSchema>;

export const FilterSchema = z.looseObject({
  resources: ResourceDescriptionSchema.optional(),
  subjects: z.array(free).optional(),
  roles: strList.optional(),
  clusterRoles: strList.optional(),
});
export type ResourceFilter = z.infer<typeof FilterSchema>;

export const MatchSchema = z.looseObject({
  any: z.array(FilterSchema).optional(),
  all: z.array(FilterSchema).optional(),
  resources: ResourceDescriptionSchema.optional(),
  subjects: z.array(free).optional(),
  roles: strList.optional(),
  clusterRoles: strList.optional(),
});
export type MatchBlock = z.infer<typeof MatchSchema>;

export const ConditionSchema = z.looseObject({ key: free.optional(), operator: z.string(), value: free.optional(), message: z.string().optional() });
export type Condition = z.infer<typeof ConditionSchema>;

export const ConditionsSchema = z.union([z.array(ConditionSchema), z.looseObject({ any: z.array(ConditionSchema).optional(), all: z.array(ConditionSchema).optional() })]);
export type Conditions = z.infer<typeof ConditionsSchema>;

export const ContextEntrySchema = z.looseObject({
  name: z.string().min(1),
  variable: z.looseObject({ value: free.optional(), jmesPath: z.string().optional(), default: free.optional() }).optional(),
  apiCall: free.optional(),
  configMap: free.optional(),
  imageRegistry: free.optional(),
  globalReference: free.optional(),
});
export type ContextEntry = z.infer<typeof ContextEntrySchema>;

export interface ForEach {
  list: string;
  elementScope?: boolean;
  context?: ContextEntry[];
  preconditions?: Conditions;
  pattern?: unknown;
  anyPattern?: unknown[];
  deny?: { conditions?: Conditions };
  foreach?: ForEach[];
}

export const ForEachSchema: z.ZodType<ForEach> = z.lazy(() =>
  z.looseObject({
    list: z.string(),
    elementScope: z.boolean().optional(),
    context: z.array(ContextEntrySchema).optional(),
    preconditions: ConditionsSchema.optional(),
    pattern: free.optional(),
    anyPattern: z.array(free).optional(),
    deny: z.looseObject({ conditions: ConditionsSchema.optional() }).optional(),
    foreach: z.array(ForEachSchema).optional(),
  }),
) as z.ZodType<ForEach>;

export const PodSecuritySchema = z.looseObject({
  level: z.enum(['privileged', 'baseline', 'restricted']),
  version: z.string().optional(),
  exclude: z.array(free).optional(),
});

export const ValidateSchema = z.looseObject({
  message: z.string().optional(),
  failureAction: z.string().optional(),
  allowExistingViolations: z.boolean().optional(),
  pattern: free.optional(),
  anyPattern: z.array(free).optional(),
  deny: z.looseObject({ conditions: ConditionsSchema.optional() }).optional(),
  foreach: z.array(ForEachSchema).optional(),
  podSecurity: PodSecuritySchema.optional(),
  cel: free.optional(),
  manifests: free.optional(),
});
export type Validate = z.infer<typeof ValidateSchema>;

export const RuleSchema = z.looseObject({
  name: z.string().min(1).max(63),
  match: MatchSchema,
  exclude: MatchSchema.optional(),
  context: z.array(ContextEntrySchema).optional(),
  preconditions: ConditionsSchema.optional(),
  validate: ValidateSchema.optional(),
  mutate: free.optional(),
  generate: free.optional(),
  verifyImages: free.optional(),
});
export type Rule = z.infer<typeof RuleSchema>;

export const PolicySchema = z.looseObject({
  apiVersion: z.enum(['kyverno.io/v1', 'kyverno.io/v2beta1']),
  kind: z.enum(['ClusterPolicy', 'Policy']),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    rules: z.array(RuleSchema).min(1),
    validationFailureAction: z.string().optional(),
    background: z.boolean().optional(),
    applyRules: z.enum(['All', 'One']).optional(),
  }),
});

export type Policy = z.infer<typeof PolicySchema> & { source?: string };

export type Resource = Record<string, unknown>;

/** As reported: `warn` is a fail of a policy annotated `policies.kyverno.io/scored: "false"`. */
export type RuleStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

export interface RuleResult {
  policy: string;
  policyNamespace?: string;
  rule: string;
  status: RuleStatus;
  message: string;
  resource: { apiVersion: string; kind: string; name: string; namespace?: string };
  /** From the policy annotations policies.kyverno.io/category and /severity. */
  category?: string;
  severity?: string;
  /** For generate rules with `data`: the resource the rule would create. */
  generated?: Resource;
  /** Whether the rule was generated by autogen for a pod controller. */
  autogen?: boolean;
  properties?: Record<string, string>;
}
