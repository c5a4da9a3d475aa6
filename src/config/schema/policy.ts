import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { checkEffect, effectFields, hostPattern, modeSchema, nonEmpty, stringList } from './common.js';

export const kubeMatchSchema = z.strictObject({
  namespaces: stringList.optional(),
  resources: stringList.optional(),
  subresources: z.array(z.string()).min(1).optional(),
  verbs: stringList.optional(),
  api_groups: z.array(z.string()).min(1).optional(),
  names: stringList.optional(),
  // Namespaces the rule leaves out of `namespaces` (`openshift-*` but the console's own per-user
  // settings namespace): globs cannot say "but not".
  unless_namespaces: stringList.optional(),
  // Objects the rule leaves out by name (`sh.helm.release.v1.*`, Helm's release records, on a rule
  // for a production Secret's update): only a request that names its object in the path or a
  // `metadata.name` field selector; a create, which names it in the body, is never left out.
  unless_names: z
    .array(
      nonEmpty.refine((v) => !/[/\s]/.test(v), 'an object name has no "/" and no white space: give the name (a glob), not a path'),
    )
    .min(1)
    .optional(),
  non_resource_paths: stringList.optional(),
  scope: z.array(z.enum(['namespace', 'all_namespaces', 'cluster'])).min(1).optional(),
  custom: z.boolean().optional(),
  // Labels a list, watch or deletecollection may select by (`{owner: helm}`): when its label
  // selector requires every one of them, the API server serves only objects carrying them, and
  // the rule does not apply (docs/configuration.md).
  unless_label_selector: z
    .record(z.string().min(1), z.string())
    .refine((m) => Object.keys(m).length > 0, 'name at least one label')
    .optional(),
});

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Whether Intl knows the zone (`Europe/London`, `UTC`); `Europe/Londn` is not one. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const clock = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a time of day as HH:MM, 00:00 to 24:00');

/**
 * `match.outside_hours`: the rule applies when the request's time (stepgate's clock) is in none
 * of the windows, read on the zone's wall clock (policy/hours.ts).
 */
export const hoursSchema = z.strictObject({
  time_zone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/London or UTC'),
  windows: z
    .array(
      z
        .strictObject({
          // The days a window opens on; every day when left out.
          days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
          from: clock,
          // Not after `from`: the window runs past midnight into the next day.
          to: clock,
        })
        .refine((w) => w.from !== w.to, { message: 'from and to are the same time: a window of no time (a whole day is 00:00 to 24:00)', path: ['to'] })
        .refine((w) => w.from !== '24:00', { message: 'a window opens at 23:59 at the latest', path: ['from'] }),
    )
    .min(1),
});

export const matchSchema = z.strictObject({
  hosts: z.array(hostPattern).min(1).optional(),
  paths: stringList.optional(),
  methods: stringList.optional(),
  kubernetes: kubeMatchSchema.optional(),
  // The issuers (issuers[].issuer, or globs of them) whose tokens the rule applies to: a rule that
  // holds a customer's identity provider to the customer's namespaces, or one that gives only the
  // operator's own IdP's people a relaxation. Each must name a configured issuer (index.ts).
  issuers: stringList.optional(),
  subjects: stringList.optional(),
  groups: stringList.optional(),
  context: z.record(z.string(), z.string()).optional(),
  outside_hours: hoursSchema.optional(),
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

/** How each `policy` key applies on reload (schema/apply.ts). */
export const POLICY_APPLY = {
  'policy.default.require': 'live',
  'policy.default.max_age': 'live',
  'policy.default.deny': 'live',
  'policy.default.message': 'live',
  'policy.rules[].name': 'live',
  'policy.rules[].description': 'live',
  'policy.rules[].match.hosts': 'live',
  'policy.rules[].match.paths': 'live',
  'policy.rules[].match.methods': 'live',
  'policy.rules[].match.kubernetes.namespaces': 'live',
  'policy.rules[].match.kubernetes.resources': 'live',
  'policy.rules[].match.kubernetes.subresources': 'live',
  'policy.rules[].match.kubernetes.verbs': 'live',
  'policy.rules[].match.kubernetes.api_groups': 'live',
  'policy.rules[].match.kubernetes.names': 'live',
  'policy.rules[].match.kubernetes.unless_namespaces': 'live',
  'policy.rules[].match.kubernetes.unless_names': 'live',
  'policy.rules[].match.kubernetes.non_resource_paths': 'live',
  'policy.rules[].match.kubernetes.scope': 'live',
  'policy.rules[].match.kubernetes.unless_label_selector': 'live',
  'policy.rules[].match.kubernetes.custom': 'live',
  'policy.rules[].match.issuers': 'live',
  'policy.rules[].match.subjects': 'live',
  'policy.rules[].match.groups': 'live',
  'policy.rules[].match.context': 'live',
  'policy.rules[].match.outside_hours.time_zone': 'live',
  'policy.rules[].match.outside_hours.windows[].days': 'live',
  'policy.rules[].match.outside_hours.windows[].from': 'live',
  'policy.rules[].match.outside_hours.windows[].to': 'live',
  'policy.rules[].sensitivity': 'live',
  'policy.rules[].by_band': 'live',
  'policy.rules[].mode': 'live',
  'policy.rules[].require': 'live',
  'policy.rules[].max_age': 'live',
  'policy.rules[].deny': 'live',
  'policy.rules[].message': 'live',
} as const satisfies ApplyTable;
