import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { ACCESS_PROXY_APPLY, accessProxySchema } from './access-proxy.js';
import { ACCESS_WINDOWS_APPLY, accessWindowsSchema } from './access-windows.js';
import { ASSURANCE_APPLY, assuranceSchema } from './assurance.js';
import { DEVICE_CERTIFICATES_APPLY, deviceCertificatesSchema } from './device-certificates.js';
import { AUTOMATION_APPLY, automationSchema } from './automation.js';
import { globMatches, HMAC_ALGS, modeSchema } from './common.js';
import { checkReachable } from '../prefixes.js';
import { guardrailEffectSchema, GUARDRAILS_APPLY, guardrailsSchema } from './guardrails.js';
import { IDENTITY_HEADERS_APPLY, identityHeadersSchema } from './identity-headers.js';
import { INCIDENT_APPLY, incidentSchema } from './incident.js';
import { ISSUERS_APPLY, issuersSchema } from './issuers.js';
import { KUBERNETES_APPLY, kubernetesSchema } from './kubernetes.js';
import { LIMITS_APPLY, limitsSchema } from './limits.js';
import { LOG_APPLY, logSchema } from './log.js';
import { NETWORK_APPLY, networkSchema } from './network.js';
import { POLICY_APPLY, policySchema } from './policy.js';
export { isTimeZone, WEEKDAYS, type Weekday } from './policy.js';
import { RISK_APPLY, riskSchema } from './risk.js';
import { SERVER_APPLY, serverSchema } from './server.js';
import { STATE_APPLY, stateSchema } from './state.js';
import { STEPUP_APPLY, stepupSchema } from './stepup.js';
import { TELEMETRY_APPLY, telemetrySchema } from './telemetry.js';
import { TOKEN_CACHE_APPLY, tokenCacheSchema } from './token-cache.js';
import { SENDER_CONSTRAINED_APPLY, senderConstrainedSchema } from './sender-constrained.js';

export type { Apply, ApplyTable } from './apply.js';
export { parseCidr } from './common.js';
export { DEFAULT_STEP_UP_HINT } from './kubernetes.js';
export { ISSUER_DEFAULTS } from './issuers.js';
export { REDIS_DEFAULTS } from './state.js';
export { ACTION_KINDS, type ActionKind } from './risk.js';

/**
 * The stepgate configuration file. Every object is strict: an unknown key is an error, because in
 * a security policy a misspelt key (`namespace:` for `namespaces:`) silently matching everything
 * or nothing is worse than refusing to start. docs/configuration.md documents each key.
 *
 * One file per top-level section (defaults only there); this file composes them and checks what
 * crosses sections (levels a rule names, issuers automation names, unique header names).
 */
export const configSchema = z
  .strictObject({
    /** shadow: every rule, the default, risk bands and guardrails are reported, never enforced (authentication still is). */
    mode: modeSchema.default('enforce'),
    server: serverSchema,
    log: logSchema,
    issuers: issuersSchema,
    assurance: assuranceSchema,
    kubernetes: kubernetesSchema,
    network: networkSchema,
    access_proxy: accessProxySchema.optional(),
    risk: riskSchema.optional(),
    policy: policySchema,
    access_windows: accessWindowsSchema.optional(),
    stepup: stepupSchema,
    identity_headers: identityHeadersSchema,
    token_cache: tokenCacheSchema,
    sender_constrained: senderConstrainedSchema,
    limits: limitsSchema,
    guardrails: guardrailsSchema.optional(),
    automation: automationSchema.optional(),
    incident: incidentSchema.optional(),
    device_certificates: deviceCertificatesSchema.optional(),
    telemetry: telemetrySchema,
    state: stateSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const levels = new Set<string>();
    cfg.assurance.levels.forEach((l, i) => {
      if (levels.has(l.name)) {
        ctx.addIssue({ code: 'custom', path: ['assurance', 'levels', i, 'name'], message: `duplicate level "${l.name}"` });
      }
      levels.add(l.name);
    });
    const checkLevel = (name: string | undefined, path: (string | number)[]) => {
      if (name !== undefined && !levels.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown level "${name}"; defined levels: ${[...levels].join(', ')}`,
        });
      }
    };
    checkLevel(cfg.policy.default.require, ['policy', 'default', 'require']);
    checkLevel(cfg.incident?.admin.require, ['incident', 'admin', 'require']);
    const names = new Set<string>();
    const bandNamesForRules = new Set((cfg.risk?.bands ?? []).map((b) => b.name));
    const issuerUrls = cfg.issuers.map((x) => x.issuer);
    // Whose names rules and settings compare: the issuers' tokens, and step-up sessions (read with
    // their issuer's prefixes when it is listed, with none otherwise).
    const stepupIssuer = cfg.stepup.oidc?.issuer;
    // Sessions take a listed issuer's max_level and prefixes only on an exact match (as tokens'
    // `iss` is compared): the same IdP spelt with another trailing slash or letter case would
    // mint sessions above its max_level and without its prefixes.
    if (stepupIssuer !== undefined && !issuerUrls.includes(stepupIssuer)) {
      const loose = (u: string): string => u.replace(/\/+$/, '').toLowerCase();
      const near = cfg.issuers.findIndex((x) => loose(x.issuer) === loose(stepupIssuer));
      if (near >= 0) {
        ctx.addIssue({ code: 'custom', path: ['stepup', 'oidc', 'issuer'], message: `"${stepupIssuer}" is issuers[${near}].issuer ("${cfg.issuers[near]!.issuer}") spelt differently: write it exactly as the IdP's iss, in both places` });
      }
    }
    const sessionIssuer = stepupIssuer === undefined ? undefined : (cfg.issuers.find((x) => x.issuer === stepupIssuer) ?? { issuer: stepupIssuer });
    const everyone = sessionIssuer === undefined || cfg.issuers.some((x) => x.issuer === stepupIssuer) ? cfg.issuers : [...cfg.issuers, sessionIssuer];
    cfg.policy.rules.forEach((r, i) => {
      const applies = r.match.issuers === undefined ? everyone : everyone.filter((x) => r.match.issuers!.some((g) => globMatches(g, x.issuer)));
      checkReachable(ctx, r.match.subjects, applies, 'subject', ['policy', 'rules', i, 'match', 'subjects']);
      checkReachable(ctx, r.match.groups, applies, 'groups', ['policy', 'rules', i, 'match', 'groups']);
      checkLevel(r.require, ['policy', 'rules', i, 'require']);
      // An entry naming no configured issuer (a typo, an issuer since removed) would make the rule
      // apply to nobody's tokens: a deny meant to hold a customer's IdP to its namespaces would
      // hold nothing.
      r.match.issuers?.forEach((pattern, j) => {
        if (!issuerUrls.some((url) => globMatches(pattern, url))) {
          ctx.addIssue({ code: 'custom', path: ['policy', 'rules', i, 'match', 'issuers', j], message: `"${pattern}" names no configured issuer (issuers[].issuer: ${issuerUrls.join(', ')}): the rule would apply to no token` });
        }
      });
      for (const [band, e] of Object.entries(r.by_band ?? {})) {
        checkLevel(e.require, ['policy', 'rules', i, 'by_band', band, 'require']);
        if (!bandNamesForRules.has(band)) {
          const known = [...bandNamesForRules].join(', ') || 'none (no risk.bands)';
          ctx.addIssue({ code: 'custom', path: ['policy', 'rules', i, 'by_band', band], message: `unknown risk band "${band}"; bands: ${known}` });
        }
      }
      if (names.has(r.name)) {
        ctx.addIssue({ code: 'custom', path: ['policy', 'rules', i, 'name'], message: `duplicate rule name "${r.name}"` });
      }
      names.add(r.name);
    });
    // Access windows (issue 12, day 42): their issuers must be configured and their names ones
    // those issuers can carry, as a rule's, or the window would hold nobody and the account stay open.
    const windowNames = new Set<string>();
    cfg.access_windows?.forEach((w, i) => {
      const applies = w.match.issuers === undefined ? everyone : everyone.filter((x) => w.match.issuers!.some((g) => globMatches(g, x.issuer)));
      checkReachable(ctx, w.match.subjects, applies, 'subject', ['access_windows', i, 'match', 'subjects']);
      checkReachable(ctx, w.match.groups, applies, 'groups', ['access_windows', i, 'match', 'groups']);
      w.match.issuers?.forEach((pattern, j) => {
        if (!issuerUrls.some((url) => globMatches(pattern, url))) {
          ctx.addIssue({ code: 'custom', path: ['access_windows', i, 'match', 'issuers', j], message: `"${pattern}" names no configured issuer (issuers[].issuer: ${issuerUrls.join(', ')}): the window would hold no token` });
        }
      });
      if (windowNames.has(w.name)) ctx.addIssue({ code: 'custom', path: ['access_windows', i, 'name'], message: `duplicate access window name "${w.name}"` });
      windowNames.add(w.name);
    });
    if (cfg.risk) {
      checkLevel(cfg.risk.learn.min_level, ['risk', 'learn', 'min_level']);
      const rankOf = (name: string) => cfg.assurance.levels.findIndex((l) => l.name === name);
      cfg.risk.learn.below_min_level.forEach((b, i) => {
        checkLevel(b.level, ['risk', 'learn', 'below_min_level', i, 'level']);
        checkReachable(ctx, b.groups, everyone, 'groups', ['risk', 'learn', 'below_min_level', i, 'groups']);
        // At or above min_level it would lower nothing: a mistake, most likely the levels swapped.
        if (levels.has(b.level) && levels.has(cfg.risk!.learn.min_level) && rankOf(b.level) >= rankOf(cfg.risk!.learn.min_level)) {
          ctx.addIssue({ code: 'custom', path: ['risk', 'learn', 'below_min_level', i, 'level'], message: `level "${b.level}" is not below risk.learn.min_level "${cfg.risk!.learn.min_level}"` });
        }
      });
      const bandNames = new Set<string>();
      let previous = 0;
      cfg.risk.bands.forEach((b, i) => {
        checkLevel(b.require, ['risk', 'bands', i, 'require']);
        if (bandNames.has(b.name)) {
          ctx.addIssue({ code: 'custom', path: ['risk', 'bands', i, 'name'], message: `duplicate band name "${b.name}"` });
        }
        bandNames.add(b.name);
        if (b.min_score <= previous) {
          ctx.addIssue({ code: 'custom', path: ['risk', 'bands', i, 'min_score'], message: 'bands are listed by increasing min_score' });
        }
        previous = b.min_score;
      });
    }
    const g = cfg.guardrails;
    if (g) {
      const checkEffects = (effects: Partial<Record<string, 'off' | { require?: string | undefined }>>, path: (string | number)[]) => {
        for (const [code, e] of Object.entries(effects)) {
          if (e !== undefined && e !== 'off') checkLevel(e.require, [...path, code, 'require']);
        }
      };
      checkLevel(g.default_effect?.require, ['guardrails', 'default_effect', 'require']);
      checkLevel(g.unreadable_body?.require, ['guardrails', 'unreadable_body', 'require']);
      checkLevel(g.missing_body?.require, ['guardrails', 'missing_body', 'require']);
      checkEffects(g.effects, ['guardrails', 'effects']);
      g.namespaces.forEach((n, i) => checkEffects(n.effects, ['guardrails', 'namespaces', i, 'effects']));
      g.cluster_policies.forEach((s, i) => checkLevel(s.effect?.require, ['guardrails', 'cluster_policies', i, 'effect', 'require']));
    }
    if (cfg.risk && cfg.risk.proven_ttl_seconds < cfg.risk.known_ttl_seconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['risk', 'proven_ttl_seconds'],
        message: `must be at least risk.known_ttl_seconds (${cfg.risk.known_ttl_seconds}): a proven mark outlives the context records it stands for`,
      });
    }
    const dormant = cfg.risk?.dormant;
    if (dormant !== undefined) {
      if (dormant.require !== 'refuse') checkLevel(dormant.require, ['risk', 'dormant', 'require']);
      else if (!cfg.incident) {
        // The refusal's way back is an administrator's revocation of the subject (admin API): without it a dormant person is refused for good.
        ctx.addIssue({ code: 'custom', path: ['risk', 'dormant', 'require'], message: 'refuse needs incident (its admin API): a dormant subject is let back by an administrator revoking it (stepgate revoke subject); or name a level' });
      }
      if (dormant.after_seconds > cfg.risk!.proven_ttl_seconds) {
        ctx.addIssue({ code: 'custom', path: ['risk', 'dormant', 'after_seconds'], message: `must be at most risk.proven_ttl_seconds (${cfg.risk!.proven_ttl_seconds}): a mark older than that is gone, so no subject could be found idle this long by its mark` });
      }
    }
    if (cfg.limits.max_header_bytes > cfg.limits.max_total_header_bytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'max_header_bytes'],
        message: `must not exceed limits.max_total_header_bytes (${cfg.limits.max_total_header_bytes})`,
      });
    }
    if (cfg.stepup.oidc && !cfg.stepup.session) {
      ctx.addIssue({ code: 'custom', path: ['stepup', 'session'], message: 'required with stepup.oidc: the step-up ends by setting a session cookie' });
    }
    if (cfg.stepup.session && !cfg.stepup.oidc) {
      ctx.addIssue({ code: 'custom', path: ['stepup', 'session'], message: 'set only together with stepup.oidc: a session is what the OIDC step-up produces' });
    }
    if (cfg.sender_constrained.dpop.nonce === 'required' && !cfg.stepup.session) {
      ctx.addIssue({
        code: 'custom',
        path: ['sender_constrained', 'dpop', 'nonce'],
        message: 'required needs stepup.session: nonces are made with its key list (keys_env), which every replica shares, so that one replica\'s nonce is good at every other',
      });
    }
    // issuers[].history_of names another listed issuer, itself not carrying a history over: a chain
    // (or a loop) would make whose history a token gets depend on the order of the moves.
    const byIssuer = new Map(cfg.issuers.map((i) => [i.issuer, i]));
    // A prefix that extends another issuer's (`acme:eu:` beside `acme:`) makes its names the other
    // issuer's to mint: that issuer's group `eu:admins` is `acme:eu:admins`, this one's `admins`.
    // The same prefix on two issuers is one namespace on purpose (an IdP and the one it moves to).
    for (const key of ['subject_prefix', 'groups_prefix'] as const) {
      cfg.issuers.forEach((iss, j) => {
        const mine = iss[key] ?? '';
        if (mine === '') return;
        const other = cfg.issuers.findIndex((o) => (o[key] ?? '') !== '' && o[key] !== mine && mine.startsWith(o[key]!));
        if (other < 0) return;
        const theirs = cfg.issuers[other]![key]!;
        ctx.addIssue({ code: 'custom', path: ['issuers', j, key], message: `${JSON.stringify(mine)} extends issuers[${other}].${key} ${JSON.stringify(theirs)}: that issuer's ${JSON.stringify(mine.slice(theirs.length) + 'admins')} would be this one's "admins" (${JSON.stringify(mine + 'admins')}); give the two prefixes neither of which starts the other` });
      });
    }
    cfg.issuers.forEach((iss, i) => {
      checkLevel(iss.max_level, ['issuers', i, 'max_level']);
      const h = iss.history_of;
      if (h === undefined) return;
      const old = byIssuer.get(h.issuer);
      if (h.issuer === iss.issuer) ctx.addIssue({ code: 'custom', path: ['issuers', i, 'history_of', 'issuer'], message: 'names this issuer itself: give the issuer people move from' });
      else if (old === undefined) ctx.addIssue({ code: 'custom', path: ['issuers', i, 'history_of', 'issuer'], message: `"${h.issuer}" is not a configured issuer: list the identity provider people move from in issuers[] for the migration` });
      else if (old.history_of !== undefined) ctx.addIssue({ code: 'custom', path: ['issuers', i, 'history_of', 'issuer'], message: `"${h.issuer}" carries a history over itself (its history_of): name the issuer it names, ${JSON.stringify(old.history_of.issuer)}` });
    });
    const auto = cfg.automation;
    if (auto) {
      if (auto.approver) checkLevel(auto.approver.level, ['automation', 'approver', 'level']);
      // Approvers are step-up sessions: their groups are the step-up issuer's.
      if (auto.approver && sessionIssuer !== undefined) checkReachable(ctx, auto.approver.groups, [sessionIssuer], 'groups', ['automation', 'approver', 'groups']);
      if (auto.approver && (!cfg.stepup.oidc || !cfg.stepup.url)) {
        ctx.addIssue({
          code: 'custom',
          path: ['automation', 'approver'],
          message: 'needs stepup.oidc and stepup.url: approving an automation request takes a human step-up on stepgate\'s approval pages',
        });
      }
      const known = new Set(cfg.issuers.map((i) => i.issuer));
      auto.issuers.forEach((iss, i) => {
        if (!known.has(iss)) {
          ctx.addIssue({ code: 'custom', path: ['automation', 'issuers', i], message: `"${iss}" is not a configured issuer: its tokens are never accepted` });
        }
      });
      auto.subjects.forEach((entry, i) => {
        if (typeof entry !== 'string') {
          if (!known.has(entry.issuer)) ctx.addIssue({ code: 'custom', path: ['automation', 'subjects', i, 'issuer'], message: `"${entry.issuer}" is not a configured issuer: its tokens are never accepted` });
        } else if (cfg.issuers.length > 1) {
          // Every issuer's subjects would be matched: a person of one whose sub fits a CI glob
          // meant for another would be automation, admitted at the everyday level without a
          // sign-in and past the risk engine's context checks. Name the issuer it was meant for.
          const forms = cfg.issuers.map((x) => `{ issuer: ${x.issuer}, subject: ${JSON.stringify(entry)} }`).join(' or ');
          ctx.addIssue({ code: 'custom', path: ['automation', 'subjects', i], message: `${JSON.stringify(entry)} would match subjects of all ${cfg.issuers.length} issuers: write it with the issuer whose subjects it names, ${forms}` });
        }
      });
      const claim = auto.claim;
      if (claim?.issuer !== undefined) {
        if (!known.has(claim.issuer)) ctx.addIssue({ code: 'custom', path: ['automation', 'claim', 'issuer'], message: `"${claim.issuer}" is not a configured issuer: its tokens are never accepted` });
      } else if (claim !== undefined && cfg.issuers.length > 1) {
        // A person of another issuer whose token carries the claim would be automation: admitted
        // at the everyday level without acr or auth_time, and past the risk engine's context checks.
        const forms = cfg.issuers.map((x) => `{ issuer: ${x.issuer}, name: ${claim.name}, values: ${JSON.stringify(claim.values)} }`).join(' or ');
        ctx.addIssue({ code: 'custom', path: ['automation', 'claim'], message: `the claim ${JSON.stringify(claim.name)} would make automation of tokens of all ${cfg.issuers.length} issuers that carry it: name the issuer that sets it, ${forms}` });
      }
      auto.acts_for.forEach((f, i) => {
        if (!known.has(f.issuer)) {
          ctx.addIssue({ code: 'custom', path: ['automation', 'acts_for', i, 'issuer'], message: `"${f.issuer}" is not a configured issuer: its tokens are never accepted` });
        }
        if (!auto.approver) {
          ctx.addIssue({ code: 'custom', path: ['automation', 'acts_for', i], message: 'set only together with automation.approver: it decides who may approve a pipeline\'s request' });
        }
      });
    }
    if (cfg.incident) {
      const known = new Set(cfg.issuers.map((i) => i.issuer));
      cfg.incident.admin.issuers.forEach((iss, i) => {
        if (!known.has(iss)) ctx.addIssue({ code: 'custom', path: ['incident', 'admin', 'issuers', i], message: `"${iss}" is not a configured issuer: its tokens are never verified` });
      });
      checkReachable(ctx, cfg.incident.admin.groups, cfg.issuers.filter((x) => cfg.incident!.admin.issuers.includes(x.issuer)), 'groups', ['incident', 'admin', 'groups']);
      if (!cfg.stepup.oidc) {
        ctx.addIssue({ code: 'custom', path: ['incident'], message: 'needs stepup.oidc: the admin API and the Shared Signals receiver are served on the step-up listener (server.http_listen)' });
      }
      checkEmailClaim(cfg, ctx);
    }
    if (cfg.device_certificates) {
      checkLevel(cfg.device_certificates.min_level, ['device_certificates', 'min_level']);
      if (!cfg.stepup.oidc) {
        ctx.addIssue({ code: 'custom', path: ['device_certificates'], message: 'needs stepup.oidc: enrolment is served on the step-up listener (server.http_listen)' });
      }
    }
    if (cfg.access_proxy?.required && cfg.network.xff_trusted_cidrs.length === 0) {
      // "Came through the proxy" is the peer test of network.xff_trusted_cidrs; without the list
      // no request would ever be asked for the assertion, and the setting would promise nothing.
      ctx.addIssue({ code: 'custom', path: ['access_proxy', 'required'], message: 'needs network.xff_trusted_cidrs: list the proxy\'s addresses there, or set required: false' });
    }
    const issuers = new Set<string>();
    cfg.issuers.forEach((iss, i) => {
      if (issuers.has(iss.issuer)) {
        ctx.addIssue({ code: 'custom', path: ['issuers', i, 'issuer'], message: `duplicate issuer "${iss.issuer}"` });
      }
      issuers.add(iss.issuer);
    });
    const used = new Map<string, string>();
    const headers = cfg.identity_headers;
    for (const [key, value] of [
      ['subject', headers.subject],
      ['level', headers.level],
      ['issuer', headers.issuer],
      ...Object.entries(headers.claims).map(([claim, h]) => [`claims.${claim}`, h] as const),
    ] as const) {
      const prev = used.get(value);
      if (prev) {
        ctx.addIssue({
          code: 'custom',
          path: ['identity_headers', ...key.split('.')],
          message: `header ${value} is already used by ${prev}`,
        });
      }
      used.set(value, key);
    }
  });

export type Config = z.infer<typeof configSchema>;

/**
 * incident.shared_signals.email_claim is what lets an `email` subject be acted on: the claim must
 * be the one stepgate names those people by (issuers[].subject_claim of each transmitter's
 * subject_issuer; without one, of some configured issuer), since a revocation matches the subject.
 * A mismatch is a startup error, never a receiver that answers 202 and signs nobody out.
 */
function checkEmailClaim(cfg: Config, ctx: z.RefinementCtx): void {
  const ssf = cfg.incident?.shared_signals;
  const claim = ssf?.email_claim;
  if (ssf === undefined || claim === undefined) return;
  const path = ['incident', 'shared_signals', 'email_claim'];
  const fix = 'have the transmitter name people by iss_sub, or name them by their address (issuers[].subject_claim)';
  ssf.transmitters.forEach((t, i) => {
    if (t.subject_issuer === undefined) {
      if (!cfg.issuers.some((iss) => iss.subject_claim === claim)) ctx.addIssue({ code: 'custom', path, message: `no issuer names people by ${JSON.stringify(claim)} (issuers[].subject_claim), so an email subject from transmitters[${i}] would sign nobody out: ${fix}` });
      return;
    }
    const iss = cfg.issuers.find((x) => x.issuer === t.subject_issuer);
    if (iss === undefined) ctx.addIssue({ code: 'custom', path: ['incident', 'shared_signals', 'transmitters', i, 'subject_issuer'], message: `"${t.subject_issuer}" is not a configured issuer: an email subject of it would sign nobody out` });
    else if (iss.subject_claim !== claim) {
      ctx.addIssue({ code: 'custom', path, message: `${t.subject_issuer} names people by ${JSON.stringify(iss.subject_claim)} (issuers[].subject_claim), not ${JSON.stringify(claim)}: an email subject from transmitters[${i}] would sign nobody out; ${fix}` });
    }
  });
}
export type IssuerConfig = Config['issuers'][number];
export type LevelConfig = Config['assurance']['levels'][number];
export type RuleConfig = Config['policy']['rules'][number];
export type MatchConfig = RuleConfig['match'];
export type KubeMatchConfig = NonNullable<MatchConfig['kubernetes']>;
export type HoursConfig = NonNullable<MatchConfig['outside_hours']>;
export const HMAC_ALGORITHMS: readonly string[] = HMAC_ALGS;
export type TelemetryConfig = Config['telemetry'];
export type RiskConfig = NonNullable<Config['risk']>;
export type NetworkConfig = Config['network'];
export type AccessProxyConfig = NonNullable<Config['access_proxy']>;
export type StateConfig = Config['state'];
export type SenderConstrainedConfig = Config['sender_constrained'];
export type GuardrailsConfig = NonNullable<Config['guardrails']>;
export type GuardrailEffectConfig = z.infer<typeof guardrailEffectSchema>;
export type OidcConfig = NonNullable<Config['stepup']['oidc']>;
export type SessionConfig = NonNullable<Config['stepup']['session']>;
export type AutomationConfig = NonNullable<Config['automation']>;
export type IncidentConfig = NonNullable<Config['incident']>;
export type AccessWindowConfig = NonNullable<Config['access_windows']>[number];
export type DeviceCertificatesConfig = NonNullable<Config['device_certificates']>;
export type Mode = z.infer<typeof modeSchema>;

/**
 * Every leaf key of the file, live or restart (schema/apply.ts): the union of the sections'
 * tables. The reload compares the keys marked restart (config/reload.ts).
 */
export const APPLY: ApplyTable = Object.freeze({
  mode: 'live',
  ...SERVER_APPLY,
  ...LOG_APPLY,
  ...ISSUERS_APPLY,
  ...ASSURANCE_APPLY,
  ...KUBERNETES_APPLY,
  ...NETWORK_APPLY,
  ...ACCESS_PROXY_APPLY,
  ...RISK_APPLY,
  ...POLICY_APPLY,
  ...ACCESS_WINDOWS_APPLY,
  ...STEPUP_APPLY,
  ...IDENTITY_HEADERS_APPLY,
  ...TOKEN_CACHE_APPLY,
  ...SENDER_CONSTRAINED_APPLY,
  ...LIMITS_APPLY,
  ...GUARDRAILS_APPLY,
  ...AUTOMATION_APPLY,
  ...INCIDENT_APPLY,
  ...DEVICE_CERTIFICATES_APPLY,
  ...TELEMETRY_APPLY,
  ...STATE_APPLY,
});
