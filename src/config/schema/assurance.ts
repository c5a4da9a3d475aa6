import { z } from 'zod';
import type { ApplyTable } from './apply.js';
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

/** How each `assurance` key applies on reload (schema/apply.ts). */
export const ASSURANCE_APPLY = {
  'assurance.levels[].name': 'live',
  'assurance.levels[].acr': 'live',
  'assurance.levels[].amr': 'live',
  'assurance.levels[].combine': 'live',
  'assurance.levels[].description': 'live',
} as const satisfies ApplyTable;
