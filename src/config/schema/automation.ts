import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { nonEmpty, stringList } from './common.js';

/**
 * Automation identities (CI/CD, service accounts) cannot do a step-up; when one would be asked
 * for, stepgate records a pending approval for exactly that request and a human approves it.
 * An identity is automation when ANY of issuers, subjects or claim matches.
 */
export const automationSchema = z
  .strictObject({
    issuers: z.array(z.url({ message: 'must be an issuer URL exactly as in the iss claim' })).default([]),
    // A subject glob names subjects of one identity provider: `ci-*` at the CI's issuer is not
    // `ci-*` at the people's (a person whose login starts with ci- would be automation there, and
    // admitted without a sign-in). A bare glob is kept for a single-issuer configuration, where
    // it cannot be read two ways; with several issuers it must name its issuer (index.ts).
    subjects: z
      .array(
        z.union([
          nonEmpty,
          z.strictObject({
            issuer: z.url({ message: 'must be an issuer URL exactly as in the iss claim' }),
            subject: nonEmpty,
          }),
        ]),
      )
      .default([]),
    // A claim, like a subject glob, is one identity provider's: a `client_type: pipeline` the CI
    // sets may be one the people's identity provider lets a person carry (a user attribute mapped
    // into tokens, a custom claim a tenant admin adds). Bound to `issuer`, it matches that
    // issuer's tokens only; unbound it is kept for a single-issuer configuration (index.ts).
    claim: z
      .strictObject({
        issuer: z.url({ message: 'must be an issuer URL exactly as in the iss claim' }).optional(),
        name: nonEmpty,
        values: stringList,
      })
      .optional(),
    // A pipeline runs with its own identity but for a person: GitHub Actions' `actor` and
    // `triggering_actor`, GitLab's `user_login` and `user_email`. Without this, the approval page
    // compares the approver with the pipeline's subject (`repo:org/app:ref:…`), which no person
    // ever is, so whoever pushed could approve their own pipeline's request.
    acts_for: z
      .array(
        z.strictObject({
          issuer: z.url({ message: 'must be an issuer URL exactly as in the iss claim' }),
          claims: z.array(nonEmpty).min(1, 'name at least one claim that holds the person the pipeline runs for'),
          approver_claim: nonEmpty.optional(),
        }),
      )
      .default([]),
    approval_ttl_seconds: z.number().int().min(60).max(7 * 86_400).default(3600),
    // Without an approver there are no approvals: a step-up asked of automation is refused
    // (automation_step_up). With one, `level` is required on purpose: who may approve a cluster
    // change is a decision, not a default.
    approver: z
      .strictObject({
        level: nonEmpty,
        max_age_seconds: z.number().int().min(30).max(3600).default(300),
        groups: stringList.optional(),
      })
      .optional(),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.acts_for.forEach((f, i) => {
      if (seen.has(f.issuer)) ctx.addIssue({ code: 'custom', path: ['acts_for', i, 'issuer'], message: 'listed twice: one entry per issuer' });
      seen.add(f.issuer);
    });
    if (a.issuers.length === 0 && a.subjects.length === 0 && a.claim === undefined) {
      ctx.addIssue({ code: 'custom', path: ['issuers'], message: 'name at least one of issuers, subjects or claim: otherwise no identity is automation' });
    }
  });

/** How each `automation` key applies on reload (schema/apply.ts). */
export const AUTOMATION_APPLY = {
  'automation.issuers': 'live',
  'automation.subjects': 'live',
  'automation.claim.issuer': 'live',
  'automation.claim.name': 'live',
  'automation.claim.values': 'live',
  'automation.acts_for[].issuer': 'live',
  'automation.acts_for[].claims': 'live',
  'automation.acts_for[].approver_claim': 'live',
  'automation.approval_ttl_seconds': 'live',
  'automation.approver.level': 'live',
  'automation.approver.max_age_seconds': 'live',
  'automation.approver.groups': 'live',
} as const satisfies ApplyTable;
