import { z } from 'zod';
import { nonEmpty } from './common.js';

export const levelSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
  acr: z.array(nonEmpty).min(1, 'a level needs at least one acr value: it is what a step-up asks the identity provider for'),
  amr: z.array(nonEmpty).default([]),
  combine: z.enum(['any', 'all']).default('any'),
  description: z.string().optional(),
});

/** `assurance`: the levels a rule can require. */
export const assuranceSchema = z.strictObject({
  levels: z.array(levelSchema).min(1),
});
