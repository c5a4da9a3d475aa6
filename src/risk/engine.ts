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
import { clientKind, DeviceResolver, type Device } from './device.js';
import { contextBound, bindToContext, isDiscovery, sensitiveObject, type ContextBound } from './context-bound.js';
import { scoreRisk, type Score } from './score.js';
import type { SignalContext } from './signals/context.js';

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
  /**
   * The context change or behaviour the requirement is bound to (new network since 14:02…);
   * undefined when none. Its `since` is when that context was first seen.
   */
  context?: ContextBound | undefined;
}

/** Shadow mode: the would-be requirement (shadowed rules, guardrails, bands, context enforced too). */
export interface ShadowRisk {
  requirement: Requirement;
  risk: RiskAssessment;
}

/** What the caller has that is shadowed: the would-be base requirement and guardrail risk. */
export interface ShadowInput {
  base: Requirement;
  extra: readonly Contribution[] | undefined;
}

export type RiskOutcome =
  | { ok: true; requirement: Requirement; risk: RiskAssessment; learn: Learnable | undefined; shadow?: ShadowRisk | undefined }
  | { ok: false; detail: string };

/** What an allow teaches the store (see RiskEngine.learned). */
export interface Learnable {
  subject: string;
  ip: string;
  prefix: string;
  device: string;
  client: string;
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
  /** `risk.mode: shadow` or the global one: bands and the context binding are reported, never enforced. */
  shadow?: boolean;
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
  /** Recent denials by (subject, method, path): a client's automatic retry is not one more denial. */
  private readonly recentDenials = new Map<string, number>();
  private readonly ipOptions: { trustedHops: number; ipv4Prefix: number; ipv6Prefix: number };

  constructor(private readonly o: RiskEngineOptions) {
    this.bands = new RiskBands(o.risk.bands, o.assurance, o.shadow === true);
    this.devices = new DeviceResolver(o.network.trust_forwarded_client_cert);
    this.trusted = compileCidrs(o.risk.trusted_networks);
    this.learnLevel = o.assurance.rank(o.risk.learn.min_level);
    this.learnMaxAge = o.risk.learn.max_age_seconds;
    this.ipOptions = { trustedHops: o.network.xff_num_trusted_hops, ipv4Prefix: o.risk.ipv4_prefix, ipv6Prefix: o.risk.ipv6_prefix };
  }

  assess(
    req: RequestAttributes,
    who: Identity,
    base: Requirement,
    nowMs: number,
    extra?: readonly Contribution[],
    shadow?: ShadowInput,
  ): RiskOutcome | Promise<RiskOutcome> {
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
    const client = clientKind(device.uaFamily);
    const kube = req.kube;
    const obs: Observation = {
      subject: subjectKey(who),
      // One login is one session: a fresh authentication in the same IdP session starts a new
      // one, whose first use says where that proof was made.
      session: who.session === '' ? '' : `${who.session}\n${who.authTime ?? ''}`,
      nowMs,
      ip: address.ip,
      ipPrefix: address.prefix,
      device: device.id,
      uaFamily: device.uaFamily,
      namespace: kube?.namespace ?? '',
      sensitive: base.sensitivity > 0,
      client,
      // Deletes have their own counter; an on-call restart of a few pods is not an enumeration.
      object: kube !== undefined && (kube.verb === 'delete' || kube.verb === 'deletecollection') ? '' : sensitiveObject(kube, base),
      destructive: kube !== undefined && (kube.verb === 'delete' || kube.verb === 'deletecollection'),
      counted: !isDiscovery(req),
    };
    const trustedNetwork = this.trusted(address);
    const finish = (history: SubjectHistory, degraded: boolean): RiskOutcome => {
      const ctx = { history, address, trustedNetwork, device, client, identity: who, sensitivity: base.sensitivity, nowMs, degraded };
      const s = scoreRisk(ctx, this.o.risk.signals, extra);
      const k = this.bands.reached(s.score);
      let requirement = this.bands.apply(base, k);
      // Automation cannot sign in again; its requests are judged on the score (and approvals).
      // The common case (everything known, no burst) needs no look at the contributions.
      const quiet = history.prefixKnown && history.deviceKnown && history.clientKnown && history.behaviourSince === 0;
      const bindable = !(quiet || degraded || who.automation === true);
      const bound = bindable && this.o.shadow !== true ? contextBound(ctx, s.contributions, this.learnMaxAge) : undefined;
      if (bound && !requirement.deny) requirement = bindToContext(requirement, bound, nowMs, this.learnLevel);
      const learn = degraded ? undefined : this.learnable(obs, history, who, device, trustedNetwork);
      return {
        ok: true,
        requirement,
        risk: {
          score: s.score,
          contributions: s.contributions,
          band: this.bands.name(this.bands.enforcedUpTo(k)),
          denies: !base.deny && requirement.deny,
          degraded,
          learned: learn !== undefined,
          clientIp: address.ip,
          context: bound,
        },
        learn,
        shadow: shadow !== undefined || this.bands.anyShadow || this.o.shadow === true ? this.wouldBe(ctx, s, extra, shadow, base, bindable, nowMs) : undefined,
      };
    };
    const failed = (err: unknown): RiskOutcome => {
      this.report(err);
      // Never allow what would have needed a step-up only because the state is unavailable:
      // fail_closed refuses anything a rule singles out; otherwise every address and device
      // counts as new, which can only raise the requirement.
      // With the risk engine in shadow mode, nothing it concludes is enforced: no refusal either.
      if (this.o.onStateError === 'fail_closed' && this.o.shadow !== true && isSensitive(base)) {
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

  /**
   * The would-be outcome: the same history scored with the shadowed rules' sensitivity and
   * guardrails' risk, every band and the context binding applied. The observation stored for the
   * request is the enforced one, so over many requests the would-be counters lag slightly behind
   * what enforcing would have recorded (docs/rollout.md). Undefined when nothing shadowed took part.
   */
  private wouldBe(
    ctx: SignalContext,
    s: Score,
    extra: readonly Contribution[] | undefined,
    shadow: ShadowInput | undefined,
    base: Requirement,
    bindable: boolean,
    nowMs: number,
  ): ShadowRisk | undefined {
    const fb = shadow?.base ?? base;
    const fExtra = shadow ? shadow.extra : extra;
    const fctx = fb.sensitivity === base.sensitivity ? ctx : { ...ctx, sensitivity: fb.sensitivity };
    const fs = fctx === ctx && fExtra === extra ? s : scoreRisk(fctx, this.o.risk.signals, fExtra);
    const k = this.bands.reached(fs.score);
    let r = this.bands.apply(fb, k, true);
    const bound = bindable ? contextBound(fctx, fs.contributions, this.learnMaxAge) : undefined;
    if (bound && !r.deny) {
      const shadowed = this.o.shadow === true ? [...(r.shadowed ?? []), 'risk:context'] : r.shadowed;
      r = { ...bindToContext(r, bound, nowMs, this.learnLevel), shadowed };
    }
    if (r.shadowed === undefined || r.shadowed.length === 0) return undefined;
    return {
      requirement: r,
      risk: {
        score: fs.score,
        contributions: fs.contributions,
        band: this.bands.name(k),
        denies: !fb.deny && r.deny,
        degraded: ctx.degraded,
        learned: false,
        clientIp: ctx.address.ip,
        context: bound,
      },
    };
  }

  /**
   * What an allow of this request may make known: only the parts of the context the
   * authentication was made in. A part is proven when the token is at `learn.min_level` and its
   * `auth_time` is at or after the part's first sighting (for a subject stepgate has no history
   * of, up to `learn.max_age_seconds` before it: a new engineer's first sign-in), and the login
   * was not first used from another network. So neither a token minted before an attacker
   * appeared nor a refused request can make the attacker's network, device or client familiar.
   */
  private learnable(o: Observation, h: SubjectHistory, who: Identity, device: Device, trusted: boolean): Learnable | undefined {
    if (who.automation === true || who.authTime === undefined || who.level < this.learnLevel) return undefined;
    if ((h.ipKnown || o.ip === '') && (h.prefixKnown || o.ipPrefix === '') && (h.deviceKnown || device.id === '') && (h.clientKnown || o.client === '')) return undefined;
    const auth = who.authTime * 1000;
    const grace = newcomer(h) ? this.learnMaxAge * 1000 : 0;
    if (h.sessionOrigin !== '' && h.sessionOrigin !== o.ipPrefix && !h.prefixKnown && !trusted) return undefined;
    const prefix = !h.prefixKnown && o.ipPrefix !== '' && proven(h.prefixSince, auth, grace) ? o.ipPrefix : '';
    // An address is known once its network is (or becomes) known.
    const ip = !h.ipKnown && o.ip !== '' && (h.prefixKnown || prefix !== '') ? o.ip : '';
    const dev = !h.deviceKnown && device.id !== '' && proven(h.deviceSince, auth, grace) ? device.id : '';
    const client = !h.clientKnown && o.client !== '' && proven(h.clientSince, auth, grace) ? o.client! : '';
    if (ip === '' && prefix === '' && dev === '' && client === '') return undefined;
    return { subject: o.subject, ip, prefix, device: dev, client };
  }

  /** After an allow: the proven parts of the context become known, off the response path. */
  learned(l: Learnable, nowMs: number): void {
    try {
      const p = this.o.store.learn(l.subject, l.ip, l.prefix, l.device, nowMs, l.client);
      if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
    } catch (err) {
      this.report(err);
    }
  }

  /**
   * After a deny for a known subject: counted toward the denial-rate signal, off the response
   * path. The same request denied again within a few seconds is a client's automatic retry (or a
   * user pressing enter twice), not a probe, and discovery calls are no activity at all.
   */
  recordDenial(who: Identity, nowMs: number, req?: RequestAttributes): void {
    if (req !== undefined) {
      if (isDiscovery(req)) return;
      const key = `${subjectKey(who)}\n${req.method}\n${req.path}`;
      const last = this.recentDenials.get(key);
      if (last !== undefined && nowMs - last >= 0 && nowMs - last < RETRY_WINDOW_MS) return;
      if (this.recentDenials.size >= 10_000) this.recentDenials.clear();
      this.recentDenials.set(key, nowMs);
    }
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

/**
 * A subject with nothing proven yet (no record, or nothing ever learned): a new engineer, whose
 * first sign-in came a little before their first request.
 */
export function newcomer(h: SubjectHistory): boolean {
  return h.firstSeen || (h.knownClients === 0 && h.knownDevices === 0);
}

/** A part first seen at `since` (0: no sighting) is proven by an authentication at `auth` (ms). */
function proven(since: number, auth: number, grace: number): boolean {
  return since > 0 && auth >= since - grace;
}

/** Denials of the same request closer together than this count once. */
const RETRY_WINDOW_MS = 10_000;

function subjectKey(who: Identity): string {
  return `${who.issuer}\n${who.subject}`;
}

/** A request some rule singles out (or weighs) is one that must not go ahead on a guess. */
function isSensitive(base: Requirement): boolean {
  // An empty list is the global shadow mode's requirement: nothing is singled out.
  return base.sensitivity > 0 || base.deny || base.rules.some((r) => r !== 'default');
}

/**
 * The stand-in history while the shared store is down: nothing is known (every address and
 * device is new), but the local stand-in's ignorance of the subject is not a first sighting.
 */
function pessimistic(h: SubjectHistory): SubjectHistory {
  // The client kind stays as the stand-in saw it (unknown, so no signal): a stand-in that has never
  // seen the subject has no first sightings either, so nothing could be bound to them.
  return { ...h, firstSeen: false, ipKnown: false, prefixKnown: false, deviceKnown: false, clientKnown: true };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
