import { z } from 'zod';
import { checkEffect, effectFields, modeSchema, stringList } from './common.js';

export const kubeMatchSchema = z.strictObject({
  namespaces: stringList.optional(),
  resources: stringList.optional(),
  subresources: z.array(z.string()).min(1).optional(),
  verbs: stringList.optional(),
  api_groups: z.array(z.string()).min(1).optional(),
  names: stringList.optional(),
  non_resource_paths: stringList.optional(),
});

export const matchSchema = z.strictObject({
  hosts: stringList.optional(),
  paths: stringList.optional(),
  methods: stringList.optional(),
  kubernetes: kubeMatchSchema.optional(),
  subjects: stringList.optional(),
  groups: stringList.optional(),
  context: z.record(z.string(), z.string()).optional(),
});

export const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
    description: z.string().optional(),
    match: matchSchema,
    /** Risk weight this rule adds when it matches (path sensitivity); the highest matching one counts. */
    sensitivity: z.number().int().min(0).max(100).optional(),
    /**
     * Freshness per risk band: what this rule asks once the score reaches a band (by name), on
     * top of its own effect, which is then what it asks in a quiet context. Tightens only.
     */
    by_band: z
      .record(z.string(), z.strictObject(effectFields).superRefine(checkEffect('a by_band entry')))
      .optional(),
    mode: modeSchema.default('enforce'),
    ...effectFields,
  })
  .superRefine(checkEffect('a rule'));

export const defaultRuleSchema = z.strictObject(effectFields).superRefine(checkEffect('the default'));

/** `policy`: the default and the rules. */
export const policySchema = z.strictObject({
  default: defaultRuleSchema,
  rules: z.array(ruleSchema).default([]),
});
