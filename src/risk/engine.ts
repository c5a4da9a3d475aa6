import type { Config, RiskConfig } from '../config/schema.js';
import type { AssuranceModel } from '../identity/assurance.js';
import type { Identity } from '../identity/identity.js';
import type { Requirement } from '../policy/policy.js';
import type { RequestAttributes } from '../request/attributes.js';
import { clientAddress, compileCidrs, type ClientAddress } from '../request/client-ip.js';
import type { Observation, StateStore, SubjectHistory } from '../state/store.js';
import { RiskBands } from './bands.js';
import type { Contribution } from './codes.js';
import type { DeviceCookies } from '../stepup/device-cookie.js';
import { DeviceResolver } from './device.js';
import { scoreRisk } from './score.js';

/** What the risk engine concluded for one request; carried on the Verdict. */
export interface RiskAssessment {
  score: number;
  contributions: readonly Contribution[];
  /** Highest band reached; undefined when none. */
  band: string | undefined;
  /** A band denies the request (the policy alone would not have). */
  denies: boolean;
  /** The state store failed and a pessimistic stand-in history was used. */
  degraded: boolean;
  /** Whether an allow of this request makes its address and device known (fresh strong authentication, something new). */
  learned: boolean;
  /** The client address as derived with `network.xff_num_trusted_hops` ('' when unknown). */
  clientIp: string;
}

export type RiskOutcome =
  | { ok: true; requirement: Requirement; risk: RiskAssessment; learn: Learnable | undefined }
  | { ok: false; detail: string };

/** What an allow teaches the store (see RiskEngine.learned). */
export interface Learnable {
  subject: string;
  ip: string;
  prefix: string;
  device: string;
}

export interface RiskEngineOptions {
  risk: RiskConfig;
  network: Config['network'];
  onStateError: 'fail_closed' | 'degrade';
  assurance: AssuranceModel;
  store: StateStore;
  /** Local memory used while the shared store is down (degrade); also absorbs fail_closed's non-sensitive requests. */
  fallback: StateStore;
  /** Told about every store failure (metrics, rate-limited logs); must not throw. */
  onStoreError?: (err: unknown) => void;
  /** Verifies the signed device cookie a completed step-up leaves in the browser; absent without step-up sessions. */
  deviceCookies?: DeviceCookies | undefined;
}

/**
 * Scores each request from the caller's session history and tightens the policy's requirement as
 * the score rises. One store round trip per request; with the memory store none at all, so a
 * cached-token Check stays synchronous.
 */
export class RiskEngine {
  private readonly bands: RiskBands;
  private readonly devices: DeviceResolver;
  private readonly trusted: (a: ClientAddress) => boolean;
  private readonly addresses = new Map<string, ClientAddress>();
  private readonly learnLevel: number;
  private readonly learnMaxAge: number;
  private readonly ipOptions: { trustedHops: number; ipv4Prefix: number; ipv6Prefix: number };

  constructor(private readonly o: RiskEngineOptions) {
    this.bands = new RiskBands(o.risk.bands, o.assurance);
    this.devices = new DeviceResolver(o.network.trust_forwarded_client_cert);
    this.trusted = compileCidrs(o.risk.trusted_networks);
    this.learnLevel = o.assurance.rank(o.risk.learn.min_level);
    this.learnMaxAge = o.risk.learn.max_age_seconds;
    this.ipOptions = { trustedHops: o.network.xff_num_trusted_hops, ipv4Prefix: o.risk.ipv4_prefix, ipv6Prefix: o.risk.ipv6_prefix };
  }

  assess(req: RequestAttributes, who: Identity, base: Requirement, nowMs: number, extra?: readonly Contribution[]): RiskOutcome | Promise<RiskOutcome> {
    const h = req.headers;
    const address = clientAddress(req.sourceAddress, req.clientResolved ? undefined : h.get('x-forwarded-for'), this.ipOptions, this.addresses);
    const device = this.devices.resolve({
      principal: req.sourcePrincipal,
      xfcc: h.get('x-forwarded-client-cert'),
      deviceCookie: this.o.deviceCookies?.fromCookieHeader(h.get('cookie')),
      userAgent: h.get('user-agent'),
      secChUa: h.get('sec-ch-ua'),
      secChUaPlatform: h.get('sec-ch-ua-platform'),
    });
    // Fresh, strong authentication: the proof a step-up produces.
    const qualifies = who.authTime !== undefined && who.level >= this.learnLevel && nowMs / 1000 - who.authTime <= this.learnMaxAge;
    const obs: Observation = {
      subject: subjectKey(who),
      session: who.session,
      nowMs,
      ip: address.ip,
      ipPrefix: address.prefix,
      device: device.id,
      uaFamily: device.uaFamily,
      namespace: req.kube?.namespace ?? '',
      sensitive: base.sensitivity > 0,
    };
    const trustedNetwork = this.trusted(address);
    const finish = (history: SubjectHistory, degraded: boolean): RiskOutcome => {
      const ctx = { history, address, trustedNetwork, device, identity: who, sensitivity: base.sensitivity, nowMs, degraded };
      const s = scoreRisk(ctx, this.o.risk.signals, extra);
      const k = this.bands.reached(s.score);
      // Only what is not known yet is written, and only if the request is then allowed: a denied
      // request teaches nothing, and a known place costs no second store call.
      const learn =
        qualifies && !degraded && (!history.ipKnown || !history.prefixKnown || (device.id !== '' && !history.deviceKnown))
          ? { subject: obs.subject, ip: address.ip, prefix: address.prefix, device: device.id }
          : undefined;
      return {
        ok: true,
        requirement: this.bands.apply(base, k),
        risk: { score: s.score, contributions: s.contributions, band: this.bands.name(k), denies: !base.deny && this.bands.denies(k), degraded, learned: learn !== undefined, clientIp: address.ip },
        learn,
      };
    };
    const failed = (err: unknown): RiskOutcome => {
      this.report(err);
      // Never allow what would have needed a step-up only because the state is unavailable:
      // fail_closed refuses anything a rule singles out; otherwise every address and device
      // counts as new, which can only raise the requirement.
      if (this.o.onStateError === 'fail_closed' && isSensitive(base)) {
        return { ok: false, detail: `session state unavailable: ${errorMessage(err)}` };
      }
      return finish(pessimistic(this.o.fallback.observe(obs) as SubjectHistory), true);
    };
    let history: SubjectHistory | Promise<SubjectHistory>;
    try {
      history = this.o.store.observe(obs);
    } catch (err) {
      return failed(err);
    }
    if (history instanceof Promise) return history.then((hist) => finish(hist, false), failed);
    return finish(history, false);
  }

  /** After an allow that carried a fresh step-up: the place becomes known, off the response path. */
  learned(l: Learnable, nowMs: number): void {
    try {
      const p = this.o.store.learn(l.subject, l.ip, l.prefix, l.device, nowMs);
      if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
    } catch (err) {
      this.report(err);
    }
  }

  /** After a deny for a known subject: counted toward the denial-rate signal, off the response path. */
  recordDenial(who: Identity, nowMs: number): void {
    try {
      const p = this.o.store.recordDenial(subjectKey(who), nowMs);
      if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    try {
      this.o.onStoreError?.(err);
    } catch {
      // Reporting must not change the decision.
    }
  }
}

function subjectKey(who: Identity): string {
  return `${who.issuer}\n${who.subject}`;
}

/** A request some rule singles out (or weighs) is one that must not go ahead on a guess. */
function isSensitive(base: Requirement): boolean {
  return base.sensitivity > 0 || base.deny || base.rules.length !== 1 || base.rules[0] !== 'default';
}

/**
 * The stand-in history while the shared store is down: nothing is known (every address and
 * device is new), but the local stand-in's ignorance of the subject is not a first sighting.
 */
function pessimistic(h: SubjectHistory): SubjectHistory {
  return { ...h, firstSeen: false, ipKnown: false, prefixKnown: false, deviceKnown: false };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
