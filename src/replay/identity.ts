import { randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { compileAutomation, type AutomationMatcher } from '../core/automation.js';
import type { Config, IssuerConfig } from '../config/schema.js';
import type { AssuranceModel } from '../core/assurance.js';
import { buildIdentity, type Identity } from '../core/identity.js';
import { TokenVerifier, type VerifierOptions, type VerifyResult } from '../identity/verifier.js';
import type { AuditEvent, AuditUser } from './event.js';

/**
 * The identity layer for replay. An audit log holds what kube-apiserver authenticated (the user,
 * their groups and `extra`), never the token, so replay cannot verify anything: the identity is
 * built from the audit user with the same `buildIdentity` a verified token goes through.
 *
 * It reaches the pipeline as an opaque bearer string that only this verifier knows, minted per
 * run from random bytes. It lives only in the runtime `stepgate replay` builds (RuntimeDeps.verifier,
 * as explain's hand-written claims do): the live server's TokenVerifier never sees this class, and
 * such a string sent to it is a malformed token (test/integration/replay.test.ts).
 */

/** How assurance is read from the log (stated in the report). */
export interface AssuranceSource {
  /** `user.extra` keys written by structured authentication `claimMappings.extra`. */
  acrKey: string;
  amrKey: string;
  authTimeKey: string;
  sidKey: string;
  /** An acr value (or a level name) assumed when the event has none. */
  assumeAcr: string | undefined;
  /** Seconds between sign-in and each request, assumed when the event has no auth time. */
  assumeAuthAge: number | undefined;
  /** Removed from the front of usernames and groups (the `claimMappings` prefix, e.g. `oidc:`). */
  stripPrefix: string;
}

/** Where each request's acr came from: the log, the flag, or nowhere. */
export type AssuranceMode = 'extra' | 'assumed' | 'unknown';

export interface ReplayIdentity {
  token: string;
  mode: AssuranceMode;
  subject: string;
}

/** The credential-id extra kube-apiserver adds itself (JWT `jti`, service account token id). */
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
const MAX_IDENTITIES = 50_000;
/** kube-apiserver's username for a service account token: system:serviceaccount:<namespace>:<name>. */
const SERVICE_ACCOUNT = /^system:serviceaccount:[^:]+:[^:]+$/;

export class AuditIdentities extends TokenVerifier {
  private readonly nonce = randomBytes(12).toString('base64url');
  private readonly tokens = new Map<string, string>();
  private readonly identities = new Map<string, Identity>();
  private readonly seen = new Set<string>();
  private readonly iss: IssuerConfig;
  /** Issuers service accounts were attributed to (see identify), for the report. */
  private readonly saIssuers = new Set<string>();
  private readonly automation: AutomationMatcher;
  private readonly assumedAcr: string | undefined;
  private next = 0;

  constructor(
    private readonly cfg: Config,
    private readonly levels: AssuranceModel,
    opts: VerifierOptions,
    issuer: string | undefined,
    private readonly source: AssuranceSource,
  ) {
    // No issuer is set up in the base class: nothing here is ever fetched or verified.
    super({ ...cfg, issuers: [] }, levels, opts);
    const iss = issuer === undefined ? cfg.issuers[0] : cfg.issuers.find((i) => i.issuer === issuer);
    if (iss === undefined) throw new ReplayInputError(`--issuer ${JSON.stringify(issuer)} is not one of the configured issuers (${cfg.issuers.map((i) => i.issuer).join(', ')})`);
    this.iss = iss;
    this.automation = compileAutomation(cfg.automation);
    const a = source.assumeAcr;
    if (a !== undefined) {
      const byName = cfg.assurance.levels.find((l) => l.name === a);
      this.assumedAcr = byName ? byName.acr[0] : a;
      if (!byName && !cfg.assurance.levels.some((l) => l.acr.includes(a))) {
        throw new ReplayInputError(`--assume-acr ${JSON.stringify(a)} is neither a level name nor an acr value of the configuration`);
      }
    }
  }

  /** The issuer replayed identities are attributed to. */
  get issuer(): string {
    return this.iss.issuer;
  }

  /** The issuers service accounts were attributed to so far, in the order first used. */
  get serviceAccountIssuers(): string[] {
    return [...this.saIssuers];
  }

  /** The bearer string standing for the event's user, and where its assurance came from. */
  identify(ev: AuditEvent): ReplayIdentity {
    const u = ev.user;
    const s = this.source;
    const one = (k: string) => u.extra[k]?.[0];
    // A service account authenticates with its own projected token, never through the people's
    // IdP. Live, that token reaches the gateway with the cluster's issuer and the subject
    // kube-apiserver logs, and is judged as automation when the configuration says so; attributing
    // it to the people's issuer would ask a controller for a sign-in it can never do. So it is the
    // subject of the first configured issuer whose tokens automation names for it. Its username
    // has no claimMappings prefix, and the token carries no groups, acr or auth_time (kube-apiserver
    // adds system:serviceaccounts itself), so live stepgate sees none and nothing is assumed.
    const sa = SERVICE_ACCOUNT.test(u.username) ? this.cfg.issuers.find((i) => this.automation(i.issuer, u.username, {})) : undefined;
    if (sa !== undefined) this.saIssuers.add(sa.issuer);
    const iss = sa ?? this.iss;
    let acr = sa ? undefined : one(s.acrKey);
    let amr = sa ? undefined : u.extra[s.amrKey];
    let mode: AssuranceMode = acr !== undefined || (amr !== undefined && amr.length > 0) ? 'extra' : 'unknown';
    if (mode === 'unknown' && this.assumedAcr !== undefined && !sa) {
      acr = this.assumedAcr;
      amr = undefined;
      mode = 'assumed';
    }
    const at = sa ? undefined : one(s.authTimeKey);
    let authTime = at !== undefined && /^\d{1,12}$/.test(at) ? Number(at) : undefined;
    if (authTime === undefined && s.assumeAuthAge !== undefined && !sa) authTime = Math.floor(ev.receivedAt / 1000) - s.assumeAuthAge;
    const sid = (sa ? undefined : one(s.sidKey)) ?? one(CREDENTIAL_ID);
    const subject = sa ? u.username : strip(u.username, s.stripPrefix);
    const groups = sa ? [] : u.groups.map((g) => strip(g, s.stripPrefix));
    const key = JSON.stringify([iss.issuer, subject, groups, acr, amr, authTime, sid]);
    let token = this.tokens.get(key);
    if (token === undefined) {
      if (this.tokens.size >= MAX_IDENTITIES) {
        this.tokens.clear();
        this.identities.clear();
        this.seen.clear();
      }
      token = `stepgate-replay.${this.nonce}.${this.next++}`;
      const payload: JWTPayload = { iss: iss.issuer, [iss.groups_claim]: groups, acr, amr, auth_time: authTime, sid };
      this.identities.set(token, buildIdentity(iss, subject, payload, this.levels, this.cfg.identity_headers, '', 'token', this.automation));
      this.tokens.set(key, token);
    }
    return { token, mode, subject };
  }

  override verify(token: string): VerifyResult | Promise<VerifyResult> {
    const identity = this.identities.get(token);
    if (identity === undefined) return super.verify(token);
    // As the live token cache would: the first sighting is a miss, later ones hits.
    const cached = this.seen.has(token);
    if (!cached) this.seen.add(token);
    return { ok: true, identity, cached };
  }
}

/** A replay option that cannot work with this configuration (exit 64). */
export class ReplayInputError extends Error {
  readonly code = 'replay_input';
  override name = 'ReplayInputError';
}

function strip(s: string, prefix: string): string {
  return prefix !== '' && s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

export function describeAssurance(s: AssuranceSource): string {
  const keys = `user.extra ${s.acrKey}, ${s.amrKey}, ${s.authTimeKey} (structured authentication claimMappings.extra)`;
  const assumed: string[] = [];
  if (s.assumeAcr !== undefined) assumed.push(`acr ${s.assumeAcr}`);
  if (s.assumeAuthAge !== undefined) assumed.push(`signed in ${s.assumeAuthAge}s before each request`);
  return assumed.length ? `${keys}; where an event has none, assumed: ${assumed.join(', ')} (--assume-*)` : `${keys}; nothing assumed`;
}

export type { AuditUser };
