import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { nonEmpty } from './common.js';

export const levelSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
  acr: z.array(nonEmpty).min(1, 'a level needs at least one acr value: it is what a step-up asks the identity provider for'),
  // One set of methods, all required (`[hwk, mfa]`), or alternative sets, any one of them whole
  // (`[[hwk, mfa], [fido]]`): identity providers name the same strength differently (Okta's hwk,
  // Entra ID's fido), and one issuer's tokens may carry either.
  amr: z
    .union([z.array(nonEmpty), z.array(z.array(nonEmpty).min(1, 'an amr set needs at least one method')).min(1)], {
      error: 'amr is a list of methods ([hwk, mfa]) or a list of alternative lists ([[hwk, mfa], [fido]]), not a mix',
    })
    .default([]),
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
