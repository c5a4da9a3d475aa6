import type { ActionKind, Config, RiskConfig } from '../config/schema.js';
import { MAX_ACCELERATOR_COUNT } from '../core/accelerators.js';
import { NO_LEVEL, type AssuranceModel } from '../core/assurance.js';
import { utcClock } from '../core/clock-text.js';
import { INTERN_MAX, NameTable } from '../core/intern.js';
import type { Identity } from '../core/identity.js';
import type { Requirement } from '../policy/policy.js';
import type { RequestAttributes } from '../request/attributes.js';
import type { KubeRequestInfo } from '../request/kube.js';
import { clientAddress, compileCidrs, NO_ADDRESS, type AddressMemo, type ClientAddress, type ClientAddressOptions } from '../request/client-ip.js';
import { observedPlatform } from '../state/session-clients.js';
import { ALL_NAMESPACES_EVERY, ALL_NAMESPACES_HELM, blankHistory, blankWork, isAllNamespaces, NAMESPACE_OBJECTS, type ObservedAll, type Observation, type StateStore, type SubjectHistory, type WorkHistory, type WorkObservation } from '../state/store.js';
import { labelSelectorOf, selectorRequires } from '../request/label-selector.js';
import { nameBuckets, RequestHeaders } from '../request/header-list.js';
import { RiskBands } from './bands.js';
import { anyContribution, contributionsWhere, type Contribution } from './codes.js';
import { deviceOwner, type DeviceCookies } from '../cookies/device-cookie.js';
import { clientKind, DeviceResolver, MAX_REMEMBERED_AGENT, NO_DEVICE, sessionWithoutCookie, type Device } from './device.js';
import { askId, namedAsk, objectDigest } from './ask.js';
import { contextBound, scoreWithoutProvedContext, matureHistory, newcomerFloor, runOver, bindToContext, isDiscovery, isHelmRevisionDelete, isObjectRead, namespaceGrace, sensitiveObject, type ContextAction, type ContextBound } from './context-bound.js';
import { compileTiers, familyKey, familyOf, type Tiers } from './namespace-family.js';
import { copyOf } from './pod-copy.js';
import { scoreRisk, type Score } from './score.js';
import { deviceProvenAnywhere } from './signals/assurance.js';
import type { AcceleratorHistory, Action, SignalContext, Signals, Strongest, Travel } from './signals/context.js';

/** How a proven level is kept in the store (StateStore.proveLevel): by name, never by rank. */
const LEVEL_NAME = 'name:';

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
  /** The client address as derived with `network.xff_num_trusted_hops` or `xff_trusted_cidrs` ('' when unknown). */
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
  /** Joins the working set ('' none). */
  namespace: string;
  /** Becomes a known site and the last one ('' none). */
  site: string;
  /** The wider network around a proven one ('' none). */
  nearby: string;
  /** The proven network inside `nearby` that this request reports ('' none). */
  network?: string;
  /**
   * `network` is proven by this very request (learned now, not known before): only such a proof
   * vouches for its neighbours (nearby_networks.vouch_seconds). A known network reported again
   * counts toward `min_networks` but vouches for nothing.
   */
  proof?: boolean;
  /** A sensitive object read, to become familiar for the pace count or have its last read moved ('' none). */
  object?: string;
  /** The family key of `namespace` (WorkObservation.family), kept with it ('' none). */
  family?: string;
  /** A kind for unfamiliar_kind learned by this request (WorkObservation.kind), '' none. */
  kind?: string;
  /** The assurance rank this allowed request proved, to be recorded for assurance_downgrade (levelToProve). */
  level?: number;
  /** Accelerator counts above the identity's largest, to be kept (acceleratorsToLearn); absent none. */
  accelerators?: Readonly<Record<string, number>>;
  /** This allowed write's own accelerator counts, summed into the next writes' within the window (StateStore.recordAccelerators); absent none. */
  recentAccelerators?: { readonly counts: Readonly<Record<string, number>>; readonly object: string };
  /** A workload's per-pod accelerators to keep for a later scale of it (StateStore.keepWorkloadAccelerators); absent none. */
  workloadAccelerators?: { readonly key: string; readonly counts: Readonly<Record<string, number>> };
  /**
   * The client certificate, login and /16 (or /48) of a network this request proved with them
   * (`risk.learn.certificate_nearby`, carriedBy's key); '' or absent none.
   */
  carry?: string;
  /**
   * The device and login of a network this request proved with them, for
   * `risk.learn.login_move_after_seconds` (movedWith's key for any /16); '' or absent none.
   */
  moved?: string;
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
  /** network.trust_forwarded_client_cert: whether an x-forwarded-client-cert header names the device. */
  private readonly trustXfcc: boolean;
  private readonly addresses = new Map<string, ClientAddress>();
  private readonly learnLevel: number;
  /**
   * `risk.learn.below_min_level` by group: the rank a context-bound step-up asks of a member whose
   * token is below `learnLevel` (lowerProof). Empty (nearly always): no group is looked at.
   */
  private readonly lowered: ReadonlyMap<string, number>;
  private readonly learnMaxAge: number;
  /** What a context-bound step-up tells a token below `learn.min_level` it must do (finish). */
  private readonly onlyAtLearnLevel: ContextAction;
  /** machine_pace.familiar_seconds in ms (0: off), and how old a familiar object's last read must be to be written again. */
  private readonly familiarMs: number;
  private readonly familiarRefreshMs: number;
  /**
   * Recent denials by subject, then path, then method: a client's automatic retry is not one more
   * denial. Nested rather than keyed by one `subject\nmethod\npath` string: every denial of a
   * retrying client (a kubectl polling without the sign-in its answer asks for) built that string,
   * the path being new with each request, to flatten and hash it. `deniedCount` entries in all.
   */
  private readonly recentDenials = new Map<string, Map<string, Map<string, number>>>();
  private deniedCount = 0;
  /** The highest assurance rank there is: a token at it cannot be weaker than any proven. */
  private readonly topLevel: number;
  /** `name:<level>` (as proveLevel writes a level) → its rank in the table in force. */
  private readonly rankByName: ReadonlyMap<string, number>;
  /** subject → when this process last recorded each level of it, by rank (levelToProve); bounded. */
  private readonly levelsProven = new Map<string, number[]>();
  /** How old a recorded level may be before this process writes it again: a thousandth of the known TTL. */
  private readonly levelRefreshMs: number;
  /** subject → the last context-bound step-up this engine asked of it (answeredBurst). */
  private readonly asked = new Map<string, AskedStepUp>();
  private readonly ipOptions: ClientAddressOptions;
  /**
   * Whether x-forwarded-for can name the client (xff_num_trusted_hops or xff_trusted_cidrs):
   * clientAddress reads it only then, so without either the header is not looked up at all.
   */
  private readonly forwardedFor: boolean;
  private readonly sites: readonly Site[];
  /** What the configuration says about each address (placeOf). */
  private readonly places = new WeakMap<ClientAddress, Place>();
  /** subject → (wider network, network) → when reported to the store (nearbyNews); `nearbyCount` entries in all. */
  private readonly nearbyReported = new Map<string, Map<string, number>>();
  private nearbyCount = 0;
  /**
   * subject → (certificate, login, /16 or /48) → when a request with them proved a network there
   * (`risk.learn.certificate_nearby`, carriedBy); `carryCount` entries in all. Per process: a
   * request on a replica that did not see the proof is judged as without the lever (a sign-in,
   * never a refusal).
   */
  private readonly carried = new Map<string, Map<string, number>>();
  private carryCount = 0;
  /**
   * subject → client certificate (device id) → login → when a request with them last came
   * (`certificate_nearby.move_after_seconds`, movedWith): kept only with that key set, nested so
   * that a Check with a certificate builds no key string. `usedCount` logins in all. Per process,
   * as `carried`.
   */
  private readonly usedWith = new Map<string, Map<string, Map<string, number>>>();
  private usedCount = 0;
  /**
   * The store keys of each identity (subjectKey, the login's session), built once per Identity
   * object: the token cache hands out the same object for every Check with that token, so its
   * keys are the same strings every time, whose hashes V8 keeps, instead of a concatenation to
   * flatten and hash again in each of the store's lookups.
   */
  private readonly identityKeys = new WeakMap<Identity, IdentityKeys>();
  /** `unfamiliar_namespace.environments`, compiled (namespace-family.ts). */
  private readonly tiers: Tiers;
  /** `unfamiliar_namespace.components`: a stem's shorter whole-token prefixes cover it (namespace-family.ts coversComponent). */
  private readonly components: boolean;
  /** namespace@cluster → its family key: a pure function of the name and `tiers`, asked on every Check with a namespace. */
  private readonly families = new Map<string, string>();
  /**
   * The subject, session and route names, one string object each (core/intern.ts NameTable): the
   * store's Maps hold the first string a name came as, a token's own subject key and route memo
   * another, so every look-up compared characters (a new token is a new identity with new keys).
   */
  private readonly names = new NameTable(INTERN_MAX);
  /** The kind a proxied request counts as: `proxy` where `unfamiliar_kind.kinds` lists it, else as a pod shell (as before the kind existed). */
  private readonly proxyKind: ActionKind;
  /** The kind an exec of a copy or dump program counts as (pod-copy.ts): `pod_copy` where listed, else a pod shell. */
  private readonly copyKind: ActionKind;
  /** The kind an exec that copies a database counts as (pod-copy.ts copyOf): `database_copy` where listed, else `copyKind`. */
  private readonly databaseKind: ActionKind;
  /** Whether a port-forward into a namespace named as production is `production_tunnel` (listed) rather than a pod shell. */
  private readonly productionTunnel: boolean;
  /** Whether a Secret read in a namespace named as production is `production_secret_read` (listed) rather than a `secret_read`. */
  private readonly productionSecrets: boolean;
  /**
   * The tiers when `unfamiliar_namespace.grace_production_secrets` is false (undefined when true):
   * a production namespace's Secrets outside the working set get no grace, and a request there
   * under the grace teaches nothing (actionOf, learnable).
   */
  private readonly ungracedTiers: Tiers | undefined;
  /**
   * The answer objects a store that answers synchronously (the memory store) writes into
   * (StateStore.observe's `into`), one each for the engine: such a Check runs from observe to
   * finish() without a turn of the event loop, and nothing it returns holds them, so the next
   * Check can have them again. An answer that waits for a Promise after all is copied first
   * (owned). ~580 heap bytes a Check less with the memory store (perf47).
   */
  private readonly historyAnswer = blankHistory();
  private readonly workAnswer = blankWork();
  /**
   * With a store that answers at once (StateStore.answersAtOnce), the Observation and the pending
   * record every Check writes (all of their fields) instead of making them: ~470 heap bytes a Check
   * (perf47). Copied (own) before a wait, should an answer be a Promise after all.
   */
  private readonly atOnce: boolean;
  private readonly observation: Observation = blankObservation();
  private readonly pending: Assessing = blankAssessing();
  /**
   * The settings every Check reads, read out of the configuration once (a reload builds a new
   * engine): each was a chain of three to five property loads, each with its map check, in
   * assess and finish, a few hundred instructions a Check in all (perf49).
   */
  private readonly signals: Signals;
  /** The store is told the working set (StateStore.observeWork). */
  private readonly tellsWork: boolean;
  private readonly vouchMs: number;
  private readonly roamsOn: boolean;
  private readonly moveMs: number;
  private readonly loginMoveMs: number;
  private readonly knownTtlMs: number;
  /** assurance_downgrade on: the levels proven are read (downgradePossible) and written (levelToProve, where the store keeps them). */
  private readonly downgradeOn: boolean;
  private readonly provesLevels: boolean;
  /**
   * More of what every Check asked of the configuration and the store's shape, held as fields as
   * perf49's are (perf50): `newcomer_refusals: ask`; the global shadow mode; whether the store reads
   * proven levels (provenLevels) and marks (provenAt, only asked with `ask` or risk.dormant); whether
   * accelerators_above_history can weigh anything. Each was a chain of loads on every Check.
   */
  private readonly newcomerAsk: boolean;
  private readonly shadowAll: boolean;
  private readonly readsLevels: boolean;
  private readonly readsMark: boolean;
  private readonly weighsAccelerators: boolean;
  /** accelerators_above_history.window_seconds in ms, 0 where off or the store keeps no window. */
  private readonly acceleratorWindowMs: number;
  /**
   * risk.dormant: how long since its last proof a subject is dormant (ms), whether a subject with
   * no mark is too, and the rank asked of it (-1: refused). Undefined: off.
   */
  private readonly dormant: { readonly afterMs: number; readonly unproven: boolean; readonly level: number } | undefined;

  constructor(private readonly o: RiskEngineOptions) {
    this.proxyKind = o.risk.signals.unfamiliar_kind.kinds.includes('proxy') ? 'proxy' : 'pod_shell';
    this.copyKind = o.risk.signals.unfamiliar_kind.kinds.includes('pod_copy') ? 'pod_copy' : 'pod_shell';
    this.databaseKind = o.risk.signals.unfamiliar_kind.kinds.includes('database_copy') ? 'database_copy' : this.copyKind;
    this.productionTunnel = o.risk.signals.unfamiliar_kind.kinds.includes('production_tunnel');
    this.productionSecrets = o.risk.signals.unfamiliar_kind.kinds.includes('production_secret_read');
    this.bands = new RiskBands(o.risk.bands, o.assurance, o.shadow === true);
    this.devices = new DeviceResolver(o.network.trust_forwarded_client_cert);
    this.trustXfcc = o.network.trust_forwarded_client_cert;
    this.trusted = compileCidrs(o.risk.trusted_networks);
    this.learnLevel = o.assurance.rank(o.risk.learn.min_level);
    const d = o.risk.dormant;
    this.dormant = d === undefined ? undefined : { afterMs: d.after_seconds * 1000, unproven: d.unproven === 'dormant', level: d.require === 'refuse' ? -1 : o.assurance.rank(d.require) };
    const lowered = new Map<string, number>();
    for (const b of o.risk.learn.below_min_level) {
      const r = o.assurance.rank(b.level);
      // A member of two entries' groups is asked the higher of their levels.
      for (const g of b.groups) lowered.set(g, Math.max(r, lowered.get(g) ?? -1));
    }
    this.lowered = lowered;
    const m = o.risk.learn.min_level;
    this.onlyAtLearnLevel = `sign in at ${m} (a new context is proven only at ${m}: an account that cannot sign in at ${m} cannot prove one; ask for a second factor, or for risk.learn.below_min_level or trusted_networks to cover it)`;
    this.topLevel = o.assurance.names.length - 1;
    this.rankByName = new Map(o.assurance.names.map((n, i) => [LEVEL_NAME + n, i]));
    this.levelRefreshMs = Math.max(1000, o.risk.known_ttl_seconds);
    this.learnMaxAge = o.risk.learn.newcomer_grace_seconds;
    this.familiarMs = o.risk.signals.machine_pace.familiar_seconds * 1000;
    // As a known network's last use (sliding.ts refreshIntervals): a thousandth of the TTL, so a
    // Secret read every few seconds costs one learn call in ten minutes, not one per read, and is
    // forgotten at most that much before its TTL.
    this.familiarRefreshMs = Math.max(1000, Math.floor(this.familiarMs / 1000));
    this.ipOptions = {
      trustedHops: o.network.xff_num_trusted_hops,
      ...(o.network.xff_trusted_cidrs.length > 0 ? { trustedProxies: compileCidrs(o.network.xff_trusted_cidrs) } : {}),
      ipv4Prefix: o.risk.ipv4_prefix,
      ipv6Prefix: o.risk.ipv6_prefix,
    };
    this.forwardedFor = this.ipOptions.trustedHops > 0 || this.ipOptions.trustedProxies !== undefined;
    this.tiers = compileTiers(o.risk.signals.unfamiliar_namespace.environments);
    this.components = o.risk.signals.unfamiliar_namespace.components;
    this.ungracedTiers = o.risk.signals.unfamiliar_namespace.grace_production_secrets || this.tiers.size === 0 ? undefined : this.tiers;
    this.atOnce = o.store.answersAtOnce === true && o.store.observeAll === undefined;
    this.signals = o.risk.signals;
    this.tellsWork = o.store.observeWork !== undefined;
    this.vouchMs = o.risk.nearby_networks.vouch_seconds * 1000;
    this.roamsOn = o.risk.learn.certificate_roams;
    this.moveMs = o.risk.learn.certificate_nearby.move_after_seconds * 1000;
    this.loginMoveMs = o.risk.learn.login_move_after_seconds * 1000;
    this.knownTtlMs = o.risk.known_ttl_seconds * 1000;
    this.downgradeOn = o.risk.signals.assurance_downgrade;
    this.provesLevels = this.downgradeOn && o.store.proveLevel !== undefined;
    this.newcomerAsk = o.risk.learn.newcomer_refusals === 'ask';
    this.shadowAll = o.shadow === true;
    this.readsLevels = this.downgradeOn && o.store.provenLevels !== undefined;
    this.readsMark = (this.newcomerAsk || this.dormant !== undefined) && o.store.provenAt !== undefined;
    this.weighsAccelerators = o.risk.signals.accelerators_above_history.weight > 0 && o.store.acceleratorsAsked !== undefined;
    this.acceleratorWindowMs = o.store.acceleratorsRecent !== undefined && o.store.recordAccelerators !== undefined ? o.risk.signals.accelerators_above_history.window_seconds * 1000 : 0;
    this.sites = (o.risk.locations ?? []).map((l) => ({ name: l.name, lat: l.lat, lon: l.lon, contains: compileCidrs(l.cidrs), roamMs: (l.roam_after_seconds ?? 0) * 1000 }));
  }

  /**
   * The trusted networks, named site and wider network of an address: pure functions of the
   * address and this engine's configuration (a reload builds a new engine). Addresses are cached
   * objects (clientAddress), so this is computed once per address rather than per request.
   */
  private placeOf(a: ClientAddress): Place {
    let place = this.places.get(a);
    if (place === undefined) {
      const wider = this.computeNearby(a);
      const c = this.o.risk.learn.certificate_nearby;
      const carry = c.enabled ? widerOf(a, c.ipv4_prefix, c.ipv6_prefix, this.o.risk.ipv4_prefix, this.o.risk.ipv6_prefix) : '';
      // The tag interned, as learned() interns the one it records: nearbyNews' look-up then meets
      // the same string object as the recorded key (one pointer test), where two concatenations of
      // the same text were compared by their characters on every Check outside a proven wider
      // network (~0.4k instructions a Check on the aal2 shapes, perf50).
      place = { trusted: this.trusted(a), site: this.sites.length > 0 ? this.siteOf(a) : undefined, nearby: { wider, tag: this.names.of(nearbyTag(wider, a.prefix)), carry } };
      this.places.set(a, place);
    }
    return place;
  }

  /**
   * The family key of a working-set name (WorkObservation.family): '' for `*`, Namespace objects
   * and any name that is not a namespace's, which are no application's environment.
   */
  private familyOf(namespace: string, cluster: string): string {
    if (namespace === '' || this.tiers.size === 0) return '';
    // Keyed by the namespace alone on a single cluster: the string the engine already holds, whose hash V8 keeps.
    const at = cluster === '' ? namespace : `${namespace}@${cluster}`;
    let key = this.families.get(at);
    if (key === undefined) {
      if (this.families.size >= 4096) this.families.clear();
      key = NAMESPACE_NAME.test(namespace) ? familyKey(namespace, cluster, this.tiers, this.components) : '';
      this.families.set(at, key);
    }
    return key;
  }

  private keysOf(who: Identity): IdentityKeys {
    let k = this.identityKeys.get(who);
    if (k === undefined) {
      // One login is one session: a fresh authentication in the same IdP session starts a new
      // one, whose first use says where that proof was made.
      k = { subject: this.names.of(subjectKey(who)), session: who.session === '' ? '' : this.names.of(`${who.session}\n${who.authTime ?? ''}`), addressText: undefined, address: NO_ADDRESS, placeFor: undefined, place: NO_PLACE, agent: undefined, agentHint: '', agentDevice: NO_DEVICE, agentClient: '', agentAt: -1, route: undefined };
      this.identityKeys.set(who, k);
    }
    return k;
  }

  private computeNearby(a: ClientAddress): string {
    const n = this.o.risk.nearby_networks;
    return widerOf(a, n.ipv4_prefix, n.ipv6_prefix, this.o.risk.ipv4_prefix, this.o.risk.ipv6_prefix);
  }

  /**
   * The proof `risk.learn.login_move_after_seconds` keeps: a request that made its network known
   * (learned by it, not a known network used again: a home known for days proves nothing about
   * where the login goes next) by a sign-in made after that network first appeared (a challenge
   * answered there; not a newcomer's first sign-in, which came before its first request and may
   * be a stolen token's, nor a network carried or vouched for), with a device known or learned by
   * it, in a login. Off: unchanged.
   */
  private movesProven(l: Learnable | undefined, who: Identity, device: Device, session: string, h: SubjectHistory): Learnable | undefined {
    if (this.loginMoveMs <= 0 || l === undefined || l.prefix === '' || device.id === '' || session === '' || !(h.deviceKnown || l.device !== '')) return l;
    if (who.authTime === undefined || h.prefixSince <= 0 || who.authTime * 1000 < h.prefixSince) return l;
    return { ...l, moved: anyCarryKey(device.id, session) };
  }

  /**
   * Whether this request's client certificate, in this login, proved a network inside the
   * request's /16 (or /48) before (`risk.learn.certificate_nearby`): a request of theirs that made
   * its network known, recorded by learned() after the allow. Within the known TTL.
   */
  private carriedBy(subject: string, key: string, nowMs: number): boolean {
    const at = this.carried.get(subject)?.get(key);
    return at !== undefined && nowMs >= at && nowMs - at < this.knownTtlMs;
  }

  /**
   * Whether this request's client certificate, in this login, proved a network anywhere (a carry
   * proof, any /16) and was last used, with this login, at least `afterMs` ago
   * (`certificate_nearby.move_after_seconds`): the laptop left one network and arrived at another.
   * A copy of the key and token used while the laptop works is in use within minutes of the
   * laptop's own requests, which keep the time fresh. Asked before this request is recorded.
   */
  private movedWith(subject: string, deviceId: string, session: string, nowMs: number, afterMs: number): boolean {
    const last = this.usedWith.get(subject)?.get(deviceId)?.get(session);
    return last !== undefined && nowMs - last >= afterMs && this.carriedBy(subject, anyCarryKey(deviceId, session), nowMs);
  }

  /** Records the use of a certificate in a login for movedWith: bounded per subject and in all (cleared). */
  private usedNow(subject: string, deviceId: string, session: string, nowMs: number): void {
    let byDevice = this.usedWith.get(subject);
    if (byDevice === undefined) {
      if (this.usedCount >= 10_000) {
        this.usedWith.clear();
        this.usedCount = 0;
      }
      this.usedWith.set(subject, (byDevice = new Map<string, Map<string, number>>()));
    }
    let logins = byDevice.get(deviceId);
    if (logins === undefined) {
      if (byDevice.size >= MAX_CARRIES) {
        for (const l of byDevice.values()) this.usedCount -= l.size;
        byDevice.clear();
      }
      byDevice.set(deviceId, (logins = new Map<string, number>()));
    }
    if (!logins.has(session)) {
      if (logins.size >= MAX_CARRIES) {
        logins.delete(logins.keys().next().value!);
        this.usedCount--;
      }
      this.usedCount++;
    }
    logins.set(session, nowMs);
  }

  /**
   * Whether this proven network inside an unknown wider one is worth reporting to the store: a
   * static jump host's every allowed request would otherwise report the same network again (one
   * store call each) while the wider network waits for a second one. Bounded; forgetting only
   * costs a repeated report.
   */
  private nearbyNews(subject: string, tag: string, nowMs: number): boolean {
    if (this.o.risk.nearby_networks.min_networks <= 1) return true;
    // Reported again after an hour, so evidence the store let expire is given back in time.
    const at = this.nearbyReported.get(subject)?.get(tag);
    return at === undefined || nowMs - at >= 3_600_000 || nowMs < at;
  }

  private siteOf(a: ClientAddress): Site | undefined {
    for (const s of this.sites) if (s.contains(a)) return s;
    return undefined;
  }

  /**
   * What a request does for the engine (its action, the names it is counted under in the store):
   * a pure function of the request line's Kubernetes fields, its query, its cluster, the rule's
   * sensitivity and the guardrails' findings. A token's Checks mostly repeat one request (kubectl
   * polling, a controller's loop), so the last answer is kept with the identity's keys and used
   * again when every input is equal: built anew, each name was a new string (the object key is a
   * concatenation of four parts) that every store lookup had to flatten and hash, and its
   * comparison with the stored key was one of contents; kept, they are the strings the store's
   * Maps already hold.
   */
  private routeOf(req: RequestAttributes, keys: IdentityKeys, cluster: string, base: Requirement, automation: boolean, readsSecret: string, deletesLike: boolean, cordons: boolean): Route {
    const k = req.kube;
    if (k === undefined) return NOT_KUBERNETES;
    // Only a resource request is kept: the others (discovery, a non-Kubernetes route) build no
    // name worth keeping, and discovery is told by the path, which the memo does not compare.
    if (!k.isResourceRequest) return this.route(req, cluster, base, automation, readsSecret, deletesLike, cordons);
    const m = keys.route;
    const sensitivity = base.sensitivity;
    if (
      m !== undefined &&
      m.verb === k.verb &&
      m.name === k.name &&
      m.namespace === k.namespace &&
      m.resource === k.resource &&
      m.subresource === k.subresource &&
      m.apiGroup === k.apiGroup &&
      m.query === req.query &&
      m.cluster === cluster &&
      m.sensitivity === sensitivity &&
      m.automation === automation &&
      m.readsSecret === readsSecret &&
      m.deletesLike === deletesLike &&
      m.cordons === cordons
    ) {
      return m;
    }
    const r = this.route(req, cluster, base, automation, readsSecret, deletesLike, cordons);
    // Kept only when small: a name or query that long is no loop worth keeping, and it stays bounded.
    if (k.name.length + k.namespace.length + req.query.length <= MAX_KEPT_ROUTE) {
      // Every field written out rather than `...r`: a spread of that many fields gave each kept
      // route a hidden class and a property array of its own (~290 heap bytes per cached identity
      // beside the fields themselves, heap snapshot with the risk engine on).
      keys.route = {
        asDelete: r.asDelete,
        destructive: r.destructive,
        counted: r.counted,
        action: r.action,
        place: r.place,
        paced: r.paced,
        ns: r.ns,
        object: r.object,
        read: r.read,
        family: r.family,
        kind: r.kind,
        verb: k.verb,
        name: k.name,
        namespace: k.namespace,
        resource: k.resource,
        subresource: k.subresource,
        apiGroup: k.apiGroup,
        query: req.query,
        cluster,
        sensitivity,
        automation,
        readsSecret,
        deletesLike,
        cordons,
      };
    }
    return r;
  }

  private route(req: RequestAttributes, cluster: string, base: Requirement, automation: boolean, readsSecret: string, deletesLike: boolean, cordons: boolean): Route {
    const kube = req.kube;
    // A request that is no Kubernetes request (a web application's) does nothing the engine counts
    // under a name, whatever its rule and cluster: the same answer every time, not one built per Check.
    if (kube === undefined) return NOT_KUBERNETES;
    // A burst counts deletes of what the policy protects (a rule with a sensitivity: production,
    // the cluster's own namespaces, volumes, nodes), as sensitive_objects counts only sensitive
    // objects: `skaffold delete`, `tilt down` or `helm uninstall` of a chart's twenty objects in a
    // dev namespace is a developer's cleanup, and counting it refused the 13th delete (day 9).
    // A write that amounts to a delete counts as one: six `kubectl scale --replicas=0` are the
    // outage six deletes are, and were no burst at all when only the verb was looked at.
    const asDelete = deletesLike && kube !== undefined && kube.verb !== 'delete' && kube.verb !== 'deletecollection';
    const destructive = kube !== undefined && base.sensitivity > 0 && (asDelete || kube.verb === 'delete' || kube.verb === 'deletecollection') && !isHelmRevisionDelete(kube);
    // ...and as the object it deletes for machine pace (a change of spec is otherwise no object).
    // Several clusters behind one gateway (kubernetes.clusters): the working set and the objects
    // are kept per cluster, so one cluster's `payments-prod` is no familiar place on another.
    // A Node cordoned (or tainted NoSchedule) is an object too, though a change of spec: one is
    // routine maintenance, ten within seconds take the cluster's capacity (a drain of each begins
    // with its cordon), and a cordon deletes nothing, so the burst of deletes does not count it.
    const paceObject = this.names.of(inCluster(cluster, sensitiveObject(asDelete || (cordons && kube !== undefined) ? { ...kube!, verb: 'delete', subresource: '' } : kube, base)));
    const counted = !isDiscovery(req);
    // Automation deploys into namespaces it never touched (a preview environment per pull request)
    // and cannot sign in: its workloads' Secrets are the pipeline's business, not a departure.
    const action = actionOf(kube, cluster, req.query, base, destructive, automation ? '' : readsSecret, deletesLike, automation, this.proxyKind, this.copyKind, this.databaseKind, this.productionTunnel ? this.tiers : undefined, this.productionSecrets ? this.tiers : undefined, this.ungracedTiers);
    // Discovery is no activity (no namespace, no pace) but still comes from somewhere.
    const ns = counted ? this.names.of(inCluster(cluster, action.namespace)) : '';
    const object = counted ? paceObject : '';
    // Only a kind unfamiliar_kind weighs is looked up (and sighted): off, it costs the store nothing.
    const uk = this.o.risk.signals.unfamiliar_kind;
    return {
      asDelete,
      destructive,
      counted,
      action,
      // A change to a Namespace object is one place for the spread across namespaces too: `kubectl
      // label ns --all` counted each, went over namespace_spread at its ninth namespace, and the
      // spree it then was kept its answered sign-in from teaching Namespace objects, so the rest
      // of the loop stayed unfamiliar, and stepgate's own Namespace reached `high` (gate-itself's
      // refusal: a routine 403).
      place: this.names.of(inCluster(cluster, action.namespace === NAMESPACE_OBJECTS ? NAMESPACE_OBJECTS : (kube?.namespace ?? ''))),
      // Deletes have their own counter; an on-call restart of a few pods is not an enumeration.
      paced: destructive ? '' : paceObject,
      ns,
      object,
      // Only a read of one named object can be familiar: a write, a delete, a shell, a proxy or a
      // list of everything in a namespace counts every time.
      read: object !== '' && this.familiarMs > 0 && isObjectRead(kube!),
      family: ns === '' || action.namespace === NAMESPACE_OBJECTS ? '' : this.familyOf(action.namespace, cluster),
      kind: counted && action.kind !== '' && uk.weight > 0 && uk.kinds.includes(action.kind) ? action.kind : '',
    };
  }

  assess(
    req: RequestAttributes,
    who: Identity,
    base: Requirement,
    nowMs: number,
    extra?: readonly Contribution[],
    shadow?: ShadowInput,
    /** A Secret the written workload's pods are handed (guardrails' readsSecret), or ''. */
    readsSecret = '',
    /**
     * The write deletes its object or every pod of it without being a delete (guardrails'
     * `deletes`: a scale to zero, owner references, a Service taken from its pods, a Node tainted
     * NoExecute).
     */
    deletesLike = false,
    /** The write cordons a Node or taints it NoSchedule (guardrails' `cordons`). */
    cordons = false,
    /**
     * When a subject revocation of `who` on record was made (ms, 0 none: IncidentBoard.subjectRevokedAt,
     * asked by the pipeline only with `incident` configured): the subject gets no newcomer allowance.
     */
    revokedAt = 0,
    /**
     * The accelerators the written object's pod templates ask for (guardrails' `accelerators`,
     * replicas counted), for accelerators_above_history; undefined none.
     */
    accelerators?: Readonly<Record<string, number>>,
    /**
     * A scalable workload's write: its per-pod accelerators where the body holds its template
     * (guardrails' `perPodAccelerators`, kept for a later scale), or the count a scale of it sets
     * (`scaledTo`), read against what was kept; undefined neither.
     */
    workload?: WorkloadAsk,
  ): RiskOutcome | Promise<RiskOutcome> {
    const h = req.headers;
    const keys = this.keysOf(who);
    const address = clientAddress(req.sourceAddress, req.clientResolved || !this.forwardedFor ? undefined : h.get('x-forwarded-for'), this.ipOptions, this.addresses, keys);
    // Where the token's last request had it: a scan of the names only when it is not there.
    let userAgent: string | undefined;
    if (h instanceof RequestHeaders) {
      userAgent = h.valueAt(keys.agentAt, 'user-agent');
      if (userAgent === undefined) {
        keys.agentAt = h.slotOf('user-agent');
        userAgent = h.valueAt(keys.agentAt, 'user-agent');
      }
    } else userAgent = h.get('user-agent');
    // Only read when trusted: the resolver ignores it otherwise (DeviceResolver.resolveFrom), and
    // its name shares a header bucket with `:method`, so each lookup was a scan of every name.
    const xfcc = this.trustXfcc ? h.get('x-forwarded-client-cert') : undefined;
    // kubectl and client-go tools send no browser evidence: one test of the headers' name buckets
    // says so instead of three lookups.
    const bare = h instanceof RequestHeaders && h.lacksAll(BROWSER_EVIDENCE);
    const platformHint = bare ? undefined : h.get('sec-ch-ua-platform');
    // Read only where a device cookie can be verified (device cookies on: a step-up session is
    // configured): without them nothing reads it, and a browser's Cookie header is the last of its
    // headers a lookup scans past.
    const cookie = bare || this.o.deviceCookies === undefined ? undefined : h.get('cookie');
    const ua = userAgent ?? '';
    const hint = platformHint ?? '';
    // Bound to its owner (device-cookie.ts): the subject key is deviceOwner(issuer, subject).
    const cookieId = cookie === undefined ? undefined : this.o.deviceCookies?.fromCookieHeader(cookie, keys.subject);
    // Nothing stronger than a fingerprint names the device (no certificate, trusted certificate
    // header or device cookie that verifies): the device and client kind are then functions of the
    // user agent and the platform hint alone (DeviceResolver.resolveFrom: `sec-ch-ua` names the
    // browser's brands, which nothing reads), so the token's last answer is reused while both are
    // the same. The resolver's own memo is keyed by the agent, a new string with every request,
    // hashed on each lookup: a browser's agent is ~190 characters (the `grafana dashboard` shape).
    const agentOnly = req.sourcePrincipal === '' && xfcc === undefined && cookieId === undefined;
    let device: Device;
    let client: string;
    if (agentOnly && keys.agent === ua && keys.agentHint === hint) {
      device = keys.agentDevice;
      client = keys.agentClient;
    } else {
      // Read only here: only the resolver's choice between its memos reads it.
      const secChUa = bare ? undefined : h.get('sec-ch-ua');
      // A stepgate device certificate counts for the subject it names only (device_certificates).
      device = this.devices.resolveFrom(req.sourcePrincipal, xfcc, userAgent, secChUa, platformHint, cookieId, who);
      client = clientKind(device.uaFamily, ua);
      // Kept with the token (as many as the token cache holds): never an agent or hint the resolver would not keep either.
      if (agentOnly && ua.length <= MAX_REMEMBERED_AGENT && hint.length <= MAX_REMEMBERED_AGENT) {
        keys.agent = ua;
        keys.agentHint = hint;
        keys.agentDevice = device;
        keys.agentClient = client;
      }
    }
    // A step-up session comes with the device cookie its browser was given: without one, the
    // fingerprint is no evidence of the device (device.ts, sessionWithoutCookie).
    if (who.source === 'session' && this.o.deviceCookies !== undefined && (device.strength === 'fingerprint' || device.strength === 'none')) {
      device = sessionWithoutCookie(device, keys.session);
    }
    const cluster = req.cluster ?? '';
    const route = this.routeOf(req, keys, cluster, base, who.automation === true, readsSecret, deletesLike, cordons);
    const { action, counted, ns, object, read, family, kind } = route;
    // Every field written, into the engine's own object when the store answers at once.
    const obs: Observation = this.atOnce ? this.observation : blankObservation();
    obs.subject = keys.subject;
    obs.session = keys.session;
    obs.nowMs = nowMs;
    obs.ip = address.ip;
    obs.ipPrefix = address.prefix;
    obs.device = device.id;
    obs.uaFamily = device.uaFamily;
    // A certificate marks the session's list (session-clients.ts, CERT_MARK): certificate_missing.
    obs.platform = observedPlatform(device.platform, device.strength === 'certificate');
    obs.namespace = route.place;
    obs.sensitive = base.sensitivity > 0;
    obs.client = client;
    obs.object = route.paced;
    obs.destructive = route.destructive;
    obs.counted = counted;
    // The token's last address's place, kept beside it (keys.address): one WeakMap look-up less a Check.
    let place = keys.place;
    if (keys.placeFor !== address) {
      place = this.placeOf(address);
      keys.placeFor = address;
      keys.place = place;
    }
    const site = place.site;
    // The working set, pace and site: only for requests that touch a namespace, a sensitive object
    // or a named site, in the same round trip as `observe`.
    const nearby = place.nearby;
    const working = this.tellsWork && (ns !== '' || object !== '' || site !== undefined || nearby.wider !== '' || kind !== '');
    // What finish() needs besides the history: one object rather than closures over all of it.
    // It is the working-set side's WorkObservation too, when there is one to tell (one object a
    // Check where there were two; a store reads its WorkObservation fields when called and keeps none).
    const p = assessing(this.atOnce ? this.pending : blankAssessing(), who, base, nowMs, extra, shadow, address, place.trusted, device, client, obs, action, cluster, site, nearby, ns, object, read, route.asDelete, family, working ? kind : '', req.kube, revokedAt);
    const workObs: WorkObservation | undefined = working ? p : undefined;
    // Only a person's write that asks for accelerators, with the signal on, reads what it asked before.
    p.asked = accelerators !== undefined && this.weighsAccelerators && who.automation !== true ? accelerators : undefined;
    // A workload's per-pod ask to keep, or a scale of one to read against what was kept.
    p.workload = workload !== undefined && this.weighsAccelerators && who.automation !== true && this.o.store.workloadAccelerators !== undefined ? workloadOf(req, workload) : undefined;
    if (this.o.store.observeAll !== undefined) {
      // One command for both (the Redis store: one script call per Check).
      let both: ObservedAll | Promise<ObservedAll>;
      try {
        both = this.o.store.observeAll(obs, workObs);
      } catch (err) {
        return this.failed(p, err);
      }
      return both instanceof Promise
        ? both.then(
            (b) => this.observed(p, b.history, b.work),
            (err: unknown) => this.failed(p, err),
          )
        : this.observed(p, both.history, both.work);
    }
    let history: SubjectHistory | Promise<SubjectHistory>;
    let work: WorkHistory | Promise<WorkHistory> | undefined;
    try {
      history = this.o.store.observe(obs, this.historyAnswer);
      work = workObs !== undefined ? this.o.store.observeWork!(workObs, this.workAnswer) : undefined;
    } catch (err) {
      return this.failed(p, err);
    }
    if (history instanceof Promise || work instanceof Promise) {
      // One answered at once into the engine's object and the other not: copied before the wait,
      // while no other Check has written it.
      if (history === this.historyAnswer) history = { ...history };
      if (work === this.workAnswer) work = { ...work };
      const q = this.own(p);
      // Both scripts go out together: one round trip of latency.
      return Promise.all([history, work]).then(
        ([hist, w]) => this.observed(q, hist, w),
        (err: unknown) => this.failed(q, err),
      );
    }
    return this.observed(p, history, work);
  }

  /**
   * The history is in: where `assurance_downgrade` can fire (downgradePossible), the identity's
   * strongest proven level is read first (a second round trip with Redis, on that path only); a
   * store that cannot answer fails as `observe` would (failed: fail_closed refuses).
   */
  private observed(p: Assessing, history: SubjectHistory, work: WorkHistory | undefined): RiskOutcome | Promise<RiskOutcome> {
    const store = this.o.store;
    const levels = this.readsLevels && this.downgradePossible(p, history);
    const mark = this.readsMark && this.markNeeded(p, history);
    if (!levels && !mark) return this.withAccelerators(p, history, work);
    let proven: readonly string[] | Promise<readonly string[]> | undefined;
    let at: number | Promise<number> | undefined;
    try {
      proven = levels ? store.provenLevels!(p.obs.subject, p.nowMs) : undefined;
      at = mark ? store.provenAt!(p.obs.subject, p.nowMs) : undefined;
    } catch (err) {
      return this.failed(p, err);
    }
    if (proven instanceof Promise || at instanceof Promise) {
      // The answers in the engine's own objects are the next Check's once this one waits.
      if (history === this.historyAnswer) history = { ...history };
      if (work === this.workAnswer) work = { ...work };
      const q = this.own(p);
      return Promise.all([proven, at]).then(
        ([r, a]) => {
          if (r !== undefined) q.strongest = this.strongestOf(this.rankOfProven(r));
          if (a !== undefined) q.provenAt = a;
          return this.withAccelerators(q, history, work);
        },
        (err: unknown) => this.failed(q, err),
      );
    }
    if (proven !== undefined) p.strongest = this.strongestOf(this.rankOfProven(proven));
    if (at !== undefined) p.provenAt = at;
    return this.withAccelerators(p, history, work);
  }

  /**
   * For a person's write that asks for accelerators (p.asked): the largest counts the identity
   * asked before are read first (a second round trip with Redis, on that path only, as the levels
   * are); a store that cannot answer fails as `observe` would.
   */
  private withAccelerators(p: Assessing, history: SubjectHistory, work: WorkHistory | undefined): RiskOutcome | Promise<RiskOutcome> {
    const store = this.o.store;
    const w = p.workload;
    // A scale of a workload: its kept per-pod ask times the count set is what it asks.
    if (p.asked === undefined && w !== undefined && w.scaledTo !== undefined && store.workloadAccelerators !== undefined) {
      let kept: Readonly<Record<string, number>> | undefined | Promise<Readonly<Record<string, number>> | undefined>;
      try {
        kept = store.workloadAccelerators(w.key, p.nowMs);
      } catch (err) {
        return this.failed(p, err);
      }
      const scaled = w.scaledTo;
      const times = (k: Readonly<Record<string, number>> | undefined) => (k === undefined || scaled === 0 ? undefined : timesReplicas(k, scaled));
      if (kept instanceof Promise) {
        if (history === this.historyAnswer) history = { ...history };
        if (work === this.workAnswer) work = { ...work };
        const q = this.own(p);
        return kept.then(
          (k) => {
            q.asked = times(k);
            // Read once: without a kept ask the scale asks nothing, and is not read again.
            q.workload = { key: w.key };
            return this.withAccelerators(q, history, work);
          },
          (err: unknown) => this.failed(q, err),
        );
      }
      p.asked = times(kept);
    }
    const asked = p.asked;
    if (asked === undefined || store.acceleratorsAsked === undefined) return this.finish(p, history, false, work);
    const windowMs = this.acceleratorWindowMs;
    let before: Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>;
    let recent: Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>> | undefined;
    try {
      before = store.acceleratorsAsked(p.obs.subject, p.nowMs);
      recent = windowMs > 0 && store.acceleratorsRecent !== undefined ? store.acceleratorsRecent(p.obs.subject, p.nowMs, windowMs, writtenObject(p.kube)) : undefined;
    } catch (err) {
      return this.failed(p, err);
    }
    if (before instanceof Promise || recent instanceof Promise) {
      if (history === this.historyAnswer) history = { ...history };
      if (work === this.workAnswer) work = { ...work };
      const q = this.own(p);
      return Promise.all([before, recent]).then(
        ([b, r]) => {
          q.accelerators = withRecent(asked, b, r, windowMs);
          return this.finish(q, history, false, work);
        },
        (err: unknown) => this.failed(q, err),
      );
    }
    p.accelerators = withRecent(asked, before, recent, windowMs);
    return this.finish(p, history, false, work);
  }

  /**
   * Whether newcomerAnswer may be asked of this Check, so the subject's proven mark is read first
   * (a second round trip with Redis, on this path only): `newcomer_refusals: ask`, a subject with
   * nothing proven in its records, not revoked, and a band or the rule's `by_band` that refuses.
   */
  private markNeeded(p: Assessing, h: SubjectHistory): boolean {
    // Automation is never answered with a step-up (not bindable): no read for it.
    if (p.identity.automation === true || (p.revokedAt ?? 0) > 0 || !newcomer(h)) return false;
    // risk.dormant reads it for every request of such a subject, not only sensitive ones: a
    // dormant subject learns nothing until it is let back (finish), or its first read would renew
    // the mark and fill the records, and the write after it would find an active subject.
    if (this.dormant !== undefined && !this.shadowAll) return true;
    // The field tests first (observed asks this only with `ask` or risk.dormant: readsMark).
    if (!this.newcomerAsk || p.base.deny) return false;
    if (this.bands.anyDeny) return true;
    const by = p.base.byBand;
    if (by !== undefined) for (const name in by) if (by[name]!.deny) return true;
    return false;
  }

  /**
   * Whether the subject is dormant under risk.dormant (on and enforced): a human with nothing in
   * its records, not revoked, whose mark is older than `after_seconds` or, under `unproven:
   * dormant`, absent.
   */
  private isDormant(p: Assessing, history: SubjectHistory): boolean {
    const d = this.dormant;
    if (d === undefined || this.o.shadow === true || p.identity.automation === true || (p.revokedAt ?? 0) > 0 || !newcomer(history)) return false;
    return p.provenAt > 0 ? p.nowMs - p.provenAt >= d.afterMs : d.unproven;
  }

  /**
   * risk.dormant (docs/risk.md "Session 50"): a subject with nothing in its records, whose last
   * proof (`provenAt`, its mark) is older than `after_seconds`, or with no mark at all under
   * `unproven: dormant` (idle past the mark's lifetime, never seen, or forgotten by a store that
   * lost its history: none can be told from the others, so all are asked), at a sensitive
   * request (a rule asks learn.min_level or more: everyday reads keep the policy's default). A
   * takeover through the account's e-mail holds every factor the IdP offers, so a fresh sign-in
   * proves nothing about who is back: refused (the way back is an administrator's revocation,
   * after which the subject is no longer looked at), or a level asked. Called for a dormant
   * subject (isDormant); -1 (mark not read: a store without marks) counts as no mark.
   */
  private dormantRequirement(requirement: Requirement, provenAt: number, nowMs: number): { requirement: Requirement; bound: ContextBound | undefined } {
    const d = this.dormant!;
    const rules = [...requirement.rules, 'risk:dormant_account'];
    if (d.level >= 0) return { requirement: { ...requirement, level: Math.max(requirement.level, d.level), rules }, bound: undefined };
    const bound = dormantRefusal(provenAt, nowMs);
    const back = 'Ask an administrator to confirm it is you and to run `stepgate revoke subject <your subject>`, then sign in again.';
    return { requirement: { ...requirement, deny: true, denyMessage: `${bound.summary}: its first sensitive request is refused. ${back}`, rules, context: bound.reason }, bound };
  }

  /**
   * The pending record (and its Observation) as this Check's own before it waits: a copy of the
   * engine's reused ones (atOnce), which the next Check writes; others are the Check's already.
   */
  private own(p: Assessing): Assessing {
    if (p !== this.pending) return p;
    return { ...p, obs: p.obs === this.observation ? { ...p.obs } : p.obs };
  }

  /**
   * The strongest rank among levels the store holds as proven. They are kept by name, since a
   * rank names another level once `assurance.levels` is reordered or a level inserted below (a
   * hardware key's rank 2 read as two factors would quiet assurance_downgrade for a stolen
   * two-factor token). A name the table no longer has (renamed, removed) cannot be placed: it
   * counts as the highest level, so the signal asks rather than stays quiet. A bare rank was
   * written by an earlier release, under the table then in force: read as it was.
   */
  private rankOfProven(proven: readonly string[]): number {
    let best = NO_LEVEL;
    for (const v of proven) {
      const r = v.startsWith(LEVEL_NAME) ? (this.rankByName.get(v) ?? this.topLevel) : /^\d{1,4}$/.test(v) ? Number(v) : this.topLevel;
      if (r > best) best = r;
    }
    return best;
  }

  /**
   * Whether the request is on the one path where a weaker sign-in than the identity's strongest
   * matters: the signal on, a person's token below the highest level there is, the network unknown
   * and the device not proven by a certificate (signals/assurance.ts). Nearly every Check
   * fails the network test, so the level is not read.
   */
  private downgradePossible(p: Assessing, h: SubjectHistory): boolean {
    return this.downgradeOn && p.identity.automation !== true && p.identity.level < this.topLevel && !h.prefixKnown && !p.trustedNetwork && !deviceProvenAnywhere(h.deviceKnown, p.device.id, p.device.strength);
  }

  private strongestOf(rank: number): Strongest | undefined {
    const name = this.o.assurance.names[rank];
    if (name === undefined) return undefined;
    return { rank, name, description: this.o.assurance.descriptions[rank] ?? '' };
  }

  /**
   * The level an allowed request of `who` proves, to be recorded (StateStore.proveLevel), or
   * undefined: only above the lowest level (nothing is weaker than it but no level at all), and
   * only when this process has not recorded that level lately, so a busy identity costs one write
   * per level it uses and refresh interval rather than one per Check. A weaker token's write
   * never lowers what is recorded (the store keeps each level's own last proof), and it is not
   * redundant beside a stronger one's: the weaker proof, being later, outlives it. Skipped while a
   * stronger level was recorded (as it once was), an identity that used its key once and its code
   * every day after had proven nothing a known TTL after the key, and a password from a new
   * network and laptop was not asked for the code (test/unit/risk-assurance-downgrade.test.ts).
   */
  /**
   * The level a context-bound step-up asks of `who` instead of `learn.min_level`
   * (`risk.learn.below_min_level`): the highest listed for its groups, when its token is below
   * `min_level` (at or above it, the usual level is met anyway). Undefined for everyone else, and
   * for automation. What this lowers is only the learning level's floor: the rule's own level and
   * assurance_downgrade's (a member that once proved a stronger level) still apply (bindToContext),
   * so a rule at `min_level` is never met by such a sign-in and an identity that has a second
   * factor is asked for it from a new network and device as before.
   */
  private lowerProof(who: Identity): number | undefined {
    if (this.lowered.size === 0 || who.automation === true || who.level >= this.learnLevel) return undefined;
    let r: number | undefined;
    for (const g of who.groups) {
      const l = this.lowered.get(g);
      if (l !== undefined && (r === undefined || l > r)) r = l;
    }
    return r;
  }

  /**
   * The accelerator counts an allowed request teaches (StateStore.learnAccelerators), or undefined:
   * a person's, at learn.min_level as everything learned is, and only the counts above what the
   * identity asked before, so a busy ML engineer's routine Jobs cost no write. When the signal
   * fired, the allow is the sign-in it was bound to (contextBound): the new largest is proven.
   */
  private acceleratorsToLearn(p: Assessing, who: Identity): Record<string, number> | undefined {
    const a = p.accelerators;
    if (a === undefined || who.automation === true || who.authTime === undefined || who.level < this.learnLevel || this.o.store.learnAccelerators === undefined) return undefined;
    // A sum over the window teaches only where it was above the ratio (the signal's own measure: the
    // sign-in it was bound to answered it); within the ratio, this write's own count teaches as it
    // always did, so that a run of small Jobs cannot raise the largest a little at a time.
    const ratio = this.o.risk.signals.accelerators_above_history.ratio;
    let out: Record<string, number> | undefined;
    for (const name in a.asked) {
      const b = a.before[name] ?? 0;
      const sum = a.asked[name]!;
      const n = a.own === undefined || b === 0 || sum > ratio * b ? sum : (a.own[name] ?? 0);
      if (n > b) (out ??= {})[name] = n;
    }
    return out;
  }

  private levelToProve(who: Identity, subject: string, nowMs: number): number | undefined {
    if (!this.provesLevels) return undefined;
    if (who.automation === true || who.authTime === undefined || who.level <= 0) return undefined;
    const at = this.levelsProven.get(subject)?.[who.level];
    if (at !== undefined && nowMs - at < this.levelRefreshMs && nowMs >= at) return undefined;
    return who.level;
  }

  private finish(p: Assessing, history: SubjectHistory, degraded: boolean, work: WorkHistory | undefined): RiskOutcome {
    const { identity: who, base, nowMs, extra, address, device, atSite: site, obs } = p;
    // The pending record becomes the signals' context: one object per Check, not two.
    p.history = history;
    p.degraded = degraded;
    p.work = work;
    p.travel = work !== undefined && site !== undefined ? this.travel(site, work, nowMs) : undefined;
    p.nearbyVouched = work !== undefined && !history.prefixKnown && vouched(work, who.authTime, nowMs, this.vouchMs);
    p.roamedIn = work !== undefined && site !== undefined && !history.prefixKnown && roamed(work, site, nowMs) ? site.name : '';
    p.certificateRoams = this.roamsOn && !history.prefixKnown && certificateRoams(device, history);
    // Only a network not known can be carried or proven (learnContext learns a prefix only then):
    // the key is built off the common path, where the network is known.
    const carry = history.prefixKnown ? '' : carryKey(p.near.carry, device, obs.session);
    p.certificateNearby = carry !== '' && !p.certificateRoams && history.deviceKnown && this.carriedBy(obs.subject, carry, nowMs);
    const moveMs = this.moveMs;
    if (moveMs > 0 && device.strength === 'certificate' && device.id !== '' && obs.session !== '') {
      p.certificateMoved = carry !== '' && !p.certificateRoams && !p.certificateNearby && history.deviceKnown && this.movedWith(obs.subject, device.id, obs.session, nowMs, moveMs);
      // Every use counts, refused ones too: a copy retried beside the laptop keeps the time fresh.
      this.usedNow(obs.subject, device.id, obs.session, nowMs);
    }
    // The same move without a key (login_move_after_seconds): the login and the client that proved
    // a network with a sign-in, silent for the pause, then at a network never seen. The copy of the
    // token used while its owner works keeps the pause from ending; one used while the owner is
    // away is the price (docs/risk.md "Session 47").
    const loginMoveMs = this.loginMoveMs;
    if (loginMoveMs > 0 && device.id !== '' && obs.session !== '' && who.automation !== true) {
      p.loginMoved = !history.prefixKnown && !p.certificateRoams && !p.certificateNearby && !p.certificateMoved && history.deviceKnown && this.movedWith(obs.subject, device.id, obs.session, nowMs, loginMoveMs);
      this.usedNow(obs.subject, device.id, obs.session, nowMs);
    }
    p.listCovered = listCovered(work, who, this.signals.cluster_secret_list_grace_seconds, this.learnLevel);
    const ctx: SignalContext = p;
    const cfg = this.signals;
    const s = scoreRisk(ctx, cfg, extra);
    let k = this.bands.reached(s.score);
    let requirement = this.bands.apply(base, k);
    // Automation cannot sign in again; its requests are judged on the score (and approvals).
    // The common case (everything known, no burst) needs no look at the contributions.
    const quiet = history.prefixKnown && history.deviceKnown && history.clientKnown && history.behaviourSince === 0 && !unlikeItself(s.contributions, work);
    const bindable = !(quiet || degraded || who.automation === true);
    if (bindable) this.answeredBurst(p, s.contributions);
    // A member of a below_min_level group: a sign-in after the first sighting, with no grace
    // (newcomer's or client kind's): nothing is learned from it, so a grace would never end.
    const lower = bindable ? this.lowerProof(who) : undefined;
    let bound = bindable && !this.shadowAll ? contextBound(ctx, s.contributions, lower === undefined ? this.learnMaxAge : 0, cfg, lower === undefined ? this.o.risk.learn.client_grace_seconds : 0, this.lostAt(ctx.nowMs)) : undefined;
    if (bound !== undefined) bound = this.boundAnswers(p, s.contributions, bound);
    // A below_min_level member: the change of context is answered by the bound, not by the band
    // (scoreWithoutProvedContext); what behaviour reaches still applies.
    if (lower !== undefined && bound !== undefined) {
      k = this.bands.reached(scoreWithoutProvedContext(ctx, s.contributions));
      requirement = this.bands.apply(base, k);
    }
    if (bound && requirement.deny && !base.deny) {
      const a = this.answerable(base, k, s.contributions, false);
      if (a !== undefined) {
        k = a.band;
        requirement = a.requirement;
      }
    }
    if (bound && requirement.deny && !base.deny) {
      const n = this.newcomerAnswer(ctx, s.contributions, base, k, false, p.provenAt);
      if (n !== undefined) {
        k = n.band;
        requirement = n.requirement;
        bound = this.boundAnswers(p, s.contributions, n.bound);
      }
    }
    if (bound && !requirement.deny) {
      // Raised to learn.min_level by the context alone, for a token below it: the caller is told
      // that level is what proves a new context, so an account that has no second factor sees
      // why no sign-in of its own answers (day 37's auditors), and what to ask for.
      if (lower === undefined && bound.level === undefined && who.level < this.learnLevel && base.level < this.learnLevel) bound = { ...bound, action: this.onlyAtLearnLevel };
      requirement = bindToContext(requirement, bound, nowMs, lower ?? this.learnLevel);
      if ((who.authTime ?? 0) < bound.authAfter) this.rememberAsked(p, bound);
    }
    // Further deletes in a burst are refused, not stepped up: the insider doing it is freshly
    // signed in. Anything else meanwhile needs a sign-in after the burst began (bound above).
    if (cfg.destructive.deny && !this.shadowAll && obs.destructive && who.automation !== true && !requirement.deny && history.behaviourSince > 0 && anyContribution(s.contributions, (c) => c.code === 'destructive_burst')) {
      bound = burstRefusal(history.behaviourSince, history.destructive, cfg.destructive.window_seconds, p.asDelete);
      requirement = { ...requirement, deny: true, denyMessage: `${bound.summary}: refused${p.asDelete ? ' (a scale to zero, or another write that deletes, counts as a delete)' : ''}. Contact the platform team.`, rules: [...requirement.rules, 'risk:destructive_burst'], context: bound.reason };
    }
    // A dormant subject's first sensitive request (risk.dormant): after everything else, so the
    // refusal or level is on top of what the score asks; never a revoked subject (an
    // administrator's revocation is the way back) nor automation.
    // Until it is let back it learns nothing, sensitive or not; with a level asked, the sensitive
    // request that met it is what lets it back, and learns.
    const dormant = this.isDormant(p, history);
    const sensitive = !base.deny && base.level >= this.learnLevel;
    if (dormant && sensitive && !requirement.deny) {
      const d = this.dormantRequirement(requirement, p.provenAt, nowMs);
      requirement = d.requirement;
      if (d.bound !== undefined) bound = d.bound;
    }
    const keeps = !degraded && (!dormant || (sensitive && this.dormant!.level >= 0));
    const proves = !keeps ? undefined : this.levelToProve(who, obs.subject, nowMs);
    const gpus = !keeps ? undefined : this.acceleratorsToLearn(p, who);
    // The object it writes, where the request names one: its next write in the window replaces this one.
    const gpusNow = keeps && this.acceleratorWindowMs > 0 && p.accelerators !== undefined ? { counts: p.accelerators.own ?? p.accelerators.asked, object: writtenObject(p.kube) } : undefined;
    const perPod = p.workload?.perPod === undefined ? undefined : { key: p.workload.key, counts: p.workload.perPod };
    const learned = !keeps ? undefined : this.learnable(obs, p.history, who, device, p.trustedNetwork, p.work, site?.name ?? '', p.near, p.roamedIn !== '' || p.certificateRoams || p.certificateNearby || p.certificateMoved || p.loginMoved, s.contributions, p.cluster, p.action.namespace, p.readObject, p.family, p.kind, p.revokedAt > 0);
    return {
      ok: true,
      requirement,
      risk: {
        score: s.score,
        contributions: s.contributions,
        band: this.bands.name(this.bands.enforcedUpTo(k)),
        denies: !base.deny && requirement.deny,
        degraded,
        learned: learned !== undefined,
        clientIp: address.ip,
        context: bound,
      },
      learn: dormant && !keeps ? undefined : withAccelerators(this.movesProven(proves === undefined ? carried(learned, carry, history) : { ...(carried(learned, carry, history) ?? { subject: obs.subject, ip: '', prefix: '', device: '', client: '', namespace: '', site: '', nearby: '' }), level: proves }, who, device, obs.session, history), obs.subject, gpus, gpusNow, perPod),
      shadow: p.shadow !== undefined || this.bands.anyShadow || this.shadowAll ? this.wouldBe(ctx, s, extra, p.shadow, base, bindable, nowMs, p.provenAt) : undefined,
    };
  }

  /**
   * A band that refuses, reached from a context the subject has proven (no new network, device,
   * client, platform or site among the contributions) by what a sign-in answers (a burst, machine
   * pace, namespaces outside the working set): the engineer doing it signs in once and goes on,
   * and malware on their laptop, which cannot sign in, is stopped by the step-up as surely as by a
   * refusal (docs/risk.md, "Behaviour from a known context"). So the bands apply without their
   * refusal, bound to the behaviour (the caller binds). A refusal stays for
   * a changed context, for a rule's own `deny` or `by_band` deny, and for a burst of deletes (its
   * own refusal, below); what a rule asks at the refusing band (`by_band`) still applies.
   * Undefined when the refusal stays.
   */
  private answerable(base: Requirement, k: number, contributions: readonly Contribution[], withShadow: boolean): { requirement: Requirement; band: number } | undefined {
    if (anyContribution(contributions, isContextChange)) return undefined;
    return this.bands.answered(base, k, withShadow);
  }

  /**
   * A refusing band reached by a newcomer (engine.ts newcomer: nothing proven yet; never a revoked
   * subject, whose history the revocation emptied) only through the context it has not proven: the
   * score without the context-change signals (scoreWithoutProvedContext) stays below every band or
   * `by_band` entry that refuses. Such a subject has no usual context for the band to find this
   * one unusual against, and a refused request proves nothing (learnable runs on allows only), so
   * a newcomer whose whole job is inside a rule refusing at `high` was refused every day (docs/
   * risk.md, day 41: the lawful-intercept officer, 20–23 routine 403s a day). Here the refusal
   * becomes the context-bound step-up: a sign-in made after the context's first sighting, with no
   * newcomer allowance (a token minted before that sighting, such as one taken by an infostealer
   * from the newcomer's laptop and used first from the thief's network, is asked, never taken as
   * the newcomer's proof), plus what the bands and rules ask below the refusal. The sign-in that
   * answers it makes the context known, and from then on the band refuses any other unusual context
   * as configured. `risk.learn.newcomer_refusals: refuse` keeps the refusal. Undefined when the
   * refusal stays.
   */
  private newcomerAnswer(ctx: SignalContext, fired: readonly Contribution[], base: Requirement, k: number, withShadow: boolean, provenAt: number): { requirement: Requirement; band: number; bound: ContextBound } | undefined {
    if (this.o.risk.learn.newcomer_refusals !== 'ask' || !newcomer(ctx.history) || (ctx.revokedAt ?? 0) > 0) return undefined;
    // Nothing in the records is no newcomer yet: the subject may have proven a context before its
    // records expired (idle past known_ttl_seconds: its mark says so), or before the store lost
    // them (a restart without a snapshot, a flushed or evicting Redis: the store cannot vouch for
    // the absence of a mark). Either is the subject the band was written for, and a thief holding
    // its password and second factor would answer the step-up: the refusal stays (docs/risk.md).
    if (provenAt !== 0 || this.o.store.absenceVouched?.(ctx.nowMs) !== true) return undefined;
    // No grace: the bound is the latest first sighting among what fired, so whichever signal binds,
    // the sign-in comes after every context change subtracted below.
    const bound = contextBound(ctx, fired, 0, this.o.risk.signals, 0, this.lostAt(ctx.nowMs));
    if (bound === undefined) return undefined;
    const a = this.bands.answeredAbove(base, k, this.bands.reached(scoreWithoutProvedContext(ctx, fired)), withShadow);
    return a === undefined ? undefined : { ...a, bound };
  }

  /**
   * A behaviour count that goes over its threshold seconds after the sign-in that answered this
   * engine's own context-bound step-up, asked of a request from this very network, device and client
   * kind, is the run the engineer was signing in for: the tool's first Secret read is asked for
   * (`unfamiliar_kind`), the engineer signs in, and the loop that goes on reaches machine pace, then
   * the distinct-objects count, within the minute (day 9's registry rotation). Bound to their
   * crossings, each was asked again: three sign-ins in a minute. Such a sign-in
   * is evidence a fresh token is not: it was made in answer to stepgate, for this context, and the
   * run then went on. So the crossing is moved back to that step-up's bound, which the sign-in meets.
   *
   * Only then: the sign-in made after the step-up was asked (and so after its bound) and within
   * ANSWER_MS of it; the crossing within UNDER_WAY_MS after the sign-in (the run that was under
   * way, not one begun later); same network, device and client kind as the request that was asked;
   * and, unless the step-up was asked for a count, the same object as that request (askedObject).
   * A crossing later than that, a delete (never covered), and anything on another network, device
   * or client still bind to the crossing. What malware on that laptop does right after the
   * engineer's sign-in is still asked by the signals that are not counts (a namespace or kind of
   * action new to the identity, a new client), which are not moved. Kept per process: a step-up
   * asked by another replica moves nothing, which costs a sign-in, never a refusal.
   */
  private answeredBurst(p: Assessing, fired: readonly Contribution[]): void {
    // A delete (or a write that deletes) is never covered: it cannot be taken back, so the count
    // it goes over still asks for a sign-in after the crossing, as a delete's namespace asks for
    // one after its first sighting (namespaceGrace). An insider's freshly signed-in mass delete
    // is refused at the same request as before.
    if (p.obs.destructive) return;
    const auth = p.identity.authTime;
    const a = this.asked.get(p.obs.subject);
    if (auth === undefined || a === undefined || a.context !== askedContext(p)) return;
    // A step-up asked for a count was asked of a run under way: the sign-in answers that run where
    // it was going, the asked request's object in any namespace or another object in its namespace
    // (a loop over namespaces or over one namespace's objects; the store resumes the run itself only
    // within what it covered, state/run-cover.ts). Whatever it read next was covered until session
    // 39: malware that began its own run within 30 s of the engineer answering their loop's count
    // read twelve Secrets in namespaces never worked in unasked. One asked for a single request (a
    // namespace, a kind, a network) answers only the loop over that request's object (the same
    // resource and name, in any namespace and by any verb: day 9's GET and apply of `regcred` in
    // each namespace). Any request after such a sign-in was covered before: malware on the laptop
    // that began its own enumeration within 30 s of the engineer answering a step-up for their own
    // command read every Secret of the working set, and every namespace's (grace_namespaces lifted
    // for the answered run), at machine pace (test/integration/risk-redteam-sequences.test.ts).
    if (a.object !== askedObject(p) && (!a.run || a.place !== askedPlace(p))) return;
    // A sign-in that names an ask answers that ask (boundAnswers): this one, or a request's over
    // the same object; and a request's ask (one refused on its own account inside a run too) only
    // the loop over its object. A sign-in that names none covers as before.
    const named = namedAsk(p.identity.ask, p.obs.subject, auth);
    if (named !== undefined) {
      const same = named.answers && (p.identity.ask === a.id || (named.kind === 'o' && named.object === objectDigest(a.object)));
      if (!same || (named.kind === 'o' && a.object !== askedObject(p))) return;
    }
    // Made after the step-up was asked (whole seconds, as auth_time is), and soon after it.
    if (auth < Math.max(a.authAfter, Math.floor(a.at / 1000)) || auth * 1000 > a.at + ANSWER_MS) return;
    const signedIn = auth * 1000;
    const w = p.work;
    if (w !== undefined && w.paceSince > signedIn && w.paceSince <= signedIn + UNDER_WAY_MS && anyContribution(fired, isMachinePace)) {
      p.work = { ...w, paceSince: a.authAfter * 1000 };
      p.answered = true;
    }
    const h = p.history;
    const objects = anyContribution(fired, (c) => c.code === 'sensitive_objects' && c.weight > 0) && !anyContribution(fired, (c) => c.code === 'destructive_burst' && c.weight > 0);
    if (objects && h.behaviourSince > signedIn && h.behaviourSince <= signedIn + UNDER_WAY_MS) {
      p.history = { ...h, behaviourSince: a.authAfter * 1000 };
      p.answered = true;
    }
  }

  private rememberAsked(p: Assessing, bound: ContextBound): void {
    if (this.asked.size >= 10_000 && !this.asked.has(p.obs.subject)) this.asked.clear();
    const run = isRunCode(bound.code);
    this.asked.set(p.obs.subject, { at: p.nowMs, authAfter: bound.authAfter, context: askedContext(p), object: askedObject(p), place: askedPlace(p), run, id: bound.ask ?? '' });
  }

  /**
   * The bound with its ask ids (risk/ask.ts), and raised when the sign-in was made for another
   * ask than the count's run this request is part of. A count is bound to its crossing, and any
   * sign-in after the crossing met it: malware on the engineer's laptop, holding the cached
   * token, crossed machine pace while the engineer was at the identity provider for their own
   * command, or kept its run over with refused reads until the engineer next signed in, then read
   * a Secret in each of twelve namespaces unasked (docs/risk.md, sessions 36 and 37). A sign-in
   * that names its ask (the credential plugin's nonce, the browser step-up's session) answers that
   * ask: a run's ask answers the run (crossed at or before the ask's bound), a request's ask that
   * request's object (what answeredBurst then covers, as before). Any other run crossed before the
   * sign-in stays asked: the requirement becomes a sign-in after this one, whose ask is the run's.
   * A sign-in that names no ask, or an id that is no ask of this subject (malformed, another
   * subject's: namedAsk), answers every run crossed before it, as before (a plain `stepgate login`,
   * kubelogin, the identity provider's own session).
   */
  private boundAnswers(p: Assessing, fired: readonly Contribution[], bound: ContextBound): ContextBound {
    const subject = p.obs.subject;
    const object = askedObject(p);
    const auth = p.identity.authTime;
    let own = isRunCode(bound.code) ? undefined : bound;
    if (own === undefined) {
      // Bound to a run, but refused on its own account too (a namespace, a kind of action, a
      // network): the engineer's own command inside malware's run is asked for itself, so the
      // sign-in made for it answers it and not the run.
      const alone = contextBound(p, contributionsWhere(fired, (c) => !isRunCode(c.code)), this.learnMaxAge, this.o.risk.signals, this.o.risk.learn.client_grace_seconds, this.lostAt(p.nowMs));
      if (alone !== undefined && (auth === undefined || auth < alone.authAfter)) own = alone;
    }
    const b: ContextBound = { ...bound, ask: own === undefined ? askId(subject, bound.authAfter, 'r', '') : askId(subject, own.authAfter, 'o', object) };
    const run = runOver(p, fired, this.o.risk.signals);
    if (run === undefined) return b;
    const crossed = Math.ceil(run.since / 1000);
    const ask = askId(subject, crossed, 'r', '');
    b.run = { ask, counted: run.counted };
    // Not met anyway, or covered by the answered step-up's own rules (answeredBurst moved it).
    if (auth === undefined || auth < crossed || auth < b.authAfter || p.answered) return b;
    const named = namedAsk(p.identity.ask, subject, auth);
    if (named === undefined) return b;
    if (named.answers && (named.kind === 'r' ? named.bound >= crossed : named.object === objectDigest(object))) return b;
    const at = utcClock(auth * 1000);
    return {
      authAfter: auth + 1,
      code: run.code,
      reason: `${run.counted}: the sign-in at ${at} was made for another request`,
      summary: `${run.counted}, which the sign-in at ${at} was not made for`,
      ask,
      run: { ask, counted: run.counted },
      ...(bound.level !== undefined ? { level: bound.level } : {}),
    };
  }

  private failed(p: Assessing, err: unknown): RiskOutcome {
    this.report(err);
    // Never allow what would have needed a step-up only because the state is unavailable:
    // fail_closed refuses anything a rule singles out; otherwise every address and device
    // counts as new, which can only raise the requirement.
    // With the risk engine in shadow mode, nothing it concludes is enforced: no refusal either.
    if (this.o.onStateError === 'fail_closed' && this.o.shadow !== true && isSensitive(p.base)) {
      return { ok: false, detail: `session state unavailable: ${errorMessage(err)}` };
    }
    return this.finish(p, pessimistic(this.o.fallback.observe(p.obs) as SubjectHistory), true, undefined);
  }

  /** A move from the last proven site to `to` faster than `impossible_travel.max_kmh`; undefined when none. */
  private travel(to: Site, w: WorkHistory, nowMs: number): Travel | undefined {
    if (w.siteKnown || w.lastSite === '' || w.lastSite === to.name) return undefined;
    const from = this.sites.find((x) => x.name === w.lastSite);
    if (from === undefined) return undefined; // a site no longer configured
    const km = Math.round(distanceKm(from, to));
    // At least a minute apart, so two requests in the same second are not infinitely fast.
    const minutes = Math.max(1, Math.round((nowMs - w.lastSiteAt) / 60_000));
    const kmh = Math.round((km * 60) / minutes);
    return kmh > this.o.risk.signals.impossible_travel.max_kmh ? { from: from.name, to: to.name, km, minutes, kmh } : undefined;
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
    provenAt: number,
  ): ShadowRisk | undefined {
    const fb = shadow?.base ?? base;
    const fExtra = shadow ? shadow.extra : extra;
    const fctx = fb.sensitivity === base.sensitivity ? ctx : { ...ctx, sensitivity: fb.sensitivity };
    const fs = fctx === ctx && fExtra === extra ? s : scoreRisk(fctx, this.o.risk.signals, fExtra);
    let k = this.bands.reached(fs.score);
    let r = this.bands.apply(fb, k, true);
    const lower = bindable ? this.lowerProof(fctx.identity) : undefined;
    let bound = bindable ? contextBound(fctx, fs.contributions, lower === undefined ? this.learnMaxAge : 0, this.o.risk.signals, lower === undefined ? this.o.risk.learn.client_grace_seconds : 0, this.lostAt(fctx.nowMs)) : undefined;
    if (lower !== undefined && bound !== undefined) {
      k = this.bands.reached(scoreWithoutProvedContext(fctx, fs.contributions));
      r = this.bands.apply(fb, k, true);
    }
    if (bound && r.deny && !fb.deny) {
      const a = this.answerable(fb, k, fs.contributions, true);
      if (a !== undefined) {
        k = a.band;
        r = a.requirement;
      }
    }
    if (bound && r.deny && !fb.deny) {
      const n = this.newcomerAnswer(fctx, fs.contributions, fb, k, true, provenAt);
      if (n !== undefined) {
        k = n.band;
        r = n.requirement;
        bound = n.bound;
      }
    }
    if (bound && !r.deny) {
      const shadowed = this.o.shadow === true ? [...(r.shadowed ?? []), 'risk:context'] : r.shadowed;
      r = { ...bindToContext(r, bound, nowMs, lower ?? this.learnLevel), shadowed };
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
   * of, up to `learn.newcomer_grace_seconds` before it: a new engineer's first sign-in; not for a
   * sign-in made before the store lost its history, StateStore.historyLostAt), and the login
   * was not first used from another network. So neither a token minted before an attacker
   * appeared nor a refused request can make the attacker's network, device or client familiar.
   */
  private learnable(
    o: Observation,
    h: SubjectHistory,
    who: Identity,
    device: Device,
    trusted: boolean,
    w: WorkHistory | undefined,
    site: string,
    nearby: Nearby,
    /** A new network of a roaming site after a pause (roamed): learned as a vouched one is. */
    roams: boolean,
    fired: readonly Contribution[],
    /**
     * The request's cluster and the namespace its action is in (Action.namespace: `*` for every
     * Secret of every namespace): the working-set name it would teach is made from them
     * (inCluster) only where a namespace can be learned, not on every Check (perf49).
     */
    cluster: string,
    actionNamespace: string,
    /** The sensitive object the request reads (WorkObservation.read), '' none. */
    read: string,
    /** The family key of `namespace` (WorkObservation.family), '' none. */
    family: string,
    /** The request's kind for unfamiliar_kind (WorkObservation.kind), '' none. */
    kind: string,
    /** A subject revocation of `who` is on record: no newcomer allowance (learnContext). */
    revoked: boolean,
  ): Learnable | undefined {
    if (who.automation === true || who.authTime === undefined || who.level < this.learnLevel) return undefined;
    // A network vouched for by the sign-in's fresh proof of its neighbour is learned as that sign-in
    // would have proven it, so the wider network becomes known and the next move asks nothing.
    const vouch = roams || (w !== undefined && !h.prefixKnown && vouched(w, who.authTime, o.nowMs, this.vouchMs));
    const l = this.learnContext(o, h, who, device, trusted, vouch, revoked);
    if (w === undefined) return l;
    // The working set and the site are learned only from a context that is itself proven (known
    // or proven by this very request) and while nothing unusual is going on: a refused request,
    // an enumeration or a spree across namespaces never widens it. A user-agent fingerprint is
    // not part of that proof: it is weak evidence that never binds on its own, and each client-go
    // tool on one laptop has its own, so one never proven (first seen after the subject's first
    // sign-in) would keep the working set empty for hours, and an empty working set is one the
    // unfamiliar-namespace signal cannot depart from: less known would mean less protection.
    // For the same reason a subject that has proven no client kind at all yet (a new starter whose
    // first kubectl call came more than the newcomer allowance after their sign-in, on a trusted
    // network where nothing ever challenges them) learns its working set from a proven network:
    // otherwise it stays empty all day and malware on that laptop can open a shell in any
    // namespace (day 5's intern). What such a request teaches is no more than an empty working set
    // would let through; the sign-in its first departure asks for proves the client kind.
    const context =
      (h.prefixKnown || trusted || o.ipPrefix === '' || (l?.prefix ?? '') !== '') &&
      (h.deviceKnown || device.id === '' || device.strength === 'fingerprint' || (l?.device ?? '') !== '') &&
      (h.clientKnown || o.client === '' || (l?.client ?? '') !== '' || h.knownClients === 0) &&
      h.behaviourSince === 0 &&
      h.namespaces <= this.signals.namespaces.threshold &&
      !anyContribution(fired, isBehaviourBurst);
    const overPace = anyContribution(fired, isMachinePace);
    const proven = context && !overPace;
    // A read makes its object familiar (machine pace counts no run of familiar reads alone) on the
    // same proof, except that a read over machine pace teaches when its sign-in came after the run
    // went over: the proof the pace's binding asks for, so the sign-in that answers a tool's first
    // run teaches all of it. Without that, the objects a tool reads past the threshold would only
    // ever be read in runs over it, and every later run be asked again. Never a refused request:
    // only an allow is learned from.
    const obj = context && (!overPace || (w.paceSince > 0 && who.authTime >= Math.floor(w.paceSince / 1000))) ? this.familiarObject(o, read, w) : '';
    if (!proven) return obj === '' ? l : { ...(l ?? { subject: o.subject, ip: '', prefix: '', device: '', client: '' }), namespace: '', site: '', nearby: '', object: obj };
    // A namespace joins the working set only through proof made around it, like the rest of the
    // context: a sensitive action there (which unfamiliar_namespace has just checked), or any
    // request whose authentication is at most `grace_seconds` before the namespace was first seen.
    // Otherwise the `GET pod` that kubectl sends before every exec, port-forward or logs would
    // make a namespace familiar a second before the exec it precedes, by anyone holding the token.
    // The grace is the signal's, bounded the same way (`grace_namespaces`): were it not, a
    // `GET pods` in each namespace would teach them all and the Secrets read next be in the set.
    // With nothing learned yet there is nothing to depart from: the first namespaces are learned.
    // Asked only for a namespace not yet in the working set: a request in a known one (nearly
    // every request) has nothing to prove, and namespaceGrace answers with a new object.
    // No grace for a change to Namespace objects (NAMESPACE_OBJECTS), nor in a production
    // namespace while `grace_production_secrets` is false (ungraced: otherwise a `GET pods` there
    // under the grace would make the Secret read next one in the working set).
    const ns =
      actionNamespace !== '' &&
      !w.namespaceKnown &&
      (w.workingSet === 0 ||
        o.sensitive ||
        (who.authTime !== undefined &&
          w.namespaceSince > 0 &&
          who.authTime * 1000 >= w.namespaceSince - namespaceGrace(who.authTime, w, this.signals, actionNamespace === NAMESPACE_OBJECTS || (ungracedNamespace(actionNamespace, this.ungracedTiers) && matureHistory(w, o.nowMs, this.signals))).ms))
        ? inCluster(cluster, actionNamespace)
        : '';
    // A kind is learned as a namespace is, by an allowed request from a proven context: while the
    // history is young (the signal stays quiet, so every kind used then is routine) or by the
    // sign-in that answered the signal, made after the kind's first sighting. Only an unknown one
    // (kindSince) is written; a known one is kept alive by its use (observeWork).
    const kd =
      kind !== '' && w.kindSince > 0 && (!anyContribution(fired, isUnfamiliarKind) || (who.authTime !== undefined && who.authTime * 1000 >= w.kindSince - (w.kindSince % 1000))) ? kind : '';
    // The last site's time is what travel speed is measured from: refreshed once a minute.
    const st = site !== '' && (site !== w.lastSite || o.nowMs - w.lastSiteAt >= 60_000) ? site : '';
    // Only a network proven itself (not merely trusted, not merely nearby) vouches for the wider one.
    const near = nearby.wider !== '' && !w.nearbyKnown && (h.prefixKnown || (l?.prefix ?? '') !== '') && this.nearbyNews(o.subject, nearby.tag, o.nowMs) ? nearby.wider : '';
    if (ns === '' && st === '' && near === '' && obj === '' && kd === '') return l;
    return { ...(l ?? { subject: o.subject, ip: '', prefix: '', device: '', client: '' }), namespace: ns, site: st, nearby: near, network: near === '' ? '' : o.ipPrefix, proof: near !== '' && (l?.prefix ?? '') !== '', object: obj, family: ns === '' ? '' : family, kind: kd };
  }

  /**
   * The object a proven read makes familiar, '' none: written when not yet familiar, or when its
   * last read is due to be moved (familiarRefreshMs), not at every read of it.
   */
  private familiarObject(o: Observation, read: string, w: WorkHistory): string {
    if (read === '') return '';
    return w.familiar === 0 || o.nowMs - w.familiar >= this.familiarRefreshMs || o.nowMs < w.familiar ? read : '';
  }

  private learnContext(o: Observation, h: SubjectHistory, who: Identity, device: Device, trusted: boolean, vouch: boolean, revoked: boolean): Learnable | undefined {
    if (who.authTime === undefined) return undefined;
    if ((h.ipKnown || o.ip === '') && (h.prefixKnown || o.ipPrefix === '') && (h.deviceKnown || device.id === '') && (h.clientKnown || o.client === '')) return undefined;
    const auth = who.authTime * 1000;
    // A revoked subject looks new (its history was forgotten) but is no newcomer: only a sign-in
    // after a part's first sighting proves it (contextBound withholds the same allowance).
    const grace = newcomer(h) && !revoked ? this.learnMaxAge * 1000 : 0;
    // After the store lost its history every subject is a newcomer; a sign-in made before the
    // loss proves nothing about where its token is used now (it may be a stolen one, first used
    // by the thief), while one made after it is a fresh proof like any newcomer's.
    const lost = grace > 0 ? this.lostAt(o.nowMs) : 0;
    const proven = (since: number, g: number) => since > 0 && auth >= newcomerFloor(since, g, lost);
    if (!vouch && h.sessionOrigin !== '' && h.sessionOrigin !== o.ipPrefix && !h.prefixKnown && !trusted) return undefined;
    const prefix = !h.prefixKnown && o.ipPrefix !== '' && (vouch || proven(h.prefixSince, grace)) ? o.ipPrefix : '';
    // An address is known once its network is (or becomes) known.
    const ip = !h.ipKnown && o.ip !== '' && (h.prefixKnown || prefix !== '') ? o.ip : '';
    const dev = !h.deviceKnown && device.id !== '' && proven(h.deviceSince, grace) ? device.id : '';
    // A kind beside one already proven (what ua_family_change fires on) may have been opened under
    // the sign-in's client grace; a subject with no kind proven yet keeps the newcomer's rules.
    const clientGrace = h.knownClients > 0 ? Math.max(grace, this.o.risk.learn.client_grace_seconds * 1000) : grace;
    const client = !h.clientKnown && o.client !== '' && proven(h.clientSince, clientGrace) ? o.client! : '';
    if (ip === '' && prefix === '' && dev === '' && client === '') return undefined;
    return { subject: o.subject, ip, prefix, device: dev, client, namespace: '', site: '', nearby: '' };
  }

  /** After an allow: the proven parts of the context become known, off the response path. */
  learned(l: Learnable, nowMs: number): void {
    try {
      if (l.carry !== undefined && l.carry !== '') {
        this.carries(l.subject, l.carry, nowMs);
        // The same proof, whatever its /16, for move_after_seconds (movedWith).
        if (this.o.risk.learn.certificate_nearby.move_after_seconds > 0) this.carries(l.subject, l.carry.slice(0, l.carry.lastIndexOf('\n')) + ANY_WIDER, nowMs);
      }
      if (l.moved !== undefined && l.moved !== '') this.carries(l.subject, l.moved, nowMs);
      if (l.level !== undefined && this.o.store.proveLevel !== undefined) {
        let m = this.levelsProven.get(l.subject);
        if (m === undefined) {
          if (this.levelsProven.size >= 10_000) this.levelsProven.clear();
          this.levelsProven.set(l.subject, (m = []));
        }
        m[l.level] = nowMs;
        const p = this.o.store.proveLevel(l.subject, LEVEL_NAME + (this.o.assurance.names[l.level] ?? ''), nowMs);
        if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
      }
      if (l.ip !== '' || l.prefix !== '' || l.device !== '' || l.client !== '') {
        const p = this.o.store.learn(l.subject, l.ip, l.prefix, l.device, nowMs, l.client);
        if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
      }
      if (l.accelerators !== undefined && this.o.store.learnAccelerators !== undefined) {
        const p = this.o.store.learnAccelerators(l.subject, l.accelerators, nowMs);
        if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
      }
      if (l.workloadAccelerators !== undefined && this.o.store.keepWorkloadAccelerators !== undefined) {
        const p = this.o.store.keepWorkloadAccelerators(l.workloadAccelerators.key, l.workloadAccelerators.counts, nowMs);
        if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
      }
      if (l.recentAccelerators !== undefined && this.acceleratorWindowMs > 0) {
        const p = this.o.store.recordAccelerators!(l.subject, l.recentAccelerators.counts, nowMs, this.acceleratorWindowMs, l.recentAccelerators.object);
        if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
      }
      const object = l.object ?? '';
      const kind = l.kind ?? '';
      if ((l.namespace !== '' || l.site !== '' || l.nearby !== '' || object !== '' || kind !== '') && this.o.store.learnWork !== undefined) {
        const min = this.o.risk.nearby_networks.min_networks;
        if (l.nearby !== '' && min > 1) {
          if (this.nearbyCount >= 10_000) {
            this.nearbyReported.clear();
            this.nearbyCount = 0;
          }
          let reported = this.nearbyReported.get(l.subject);
          if (reported === undefined) this.nearbyReported.set(l.subject, (reported = new Map<string, number>()));
          const tag = this.names.of(nearbyTag(l.nearby, l.network ?? ''));
          if (!reported.has(tag)) this.nearbyCount++;
          reported.set(tag, nowMs);
        }
        const p = this.o.store.learnWork(l.subject, l.namespace, l.site, nowMs, l.nearby, l.network ?? '', min, object, l.proof === true, l.family ?? '', kind);
        if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
      }
    } catch (err) {
      this.report(err);
    }
  }

  /** Records a proof for carriedBy: bounded per subject (the oldest dropped) and in all (cleared). */
  private carries(subject: string, key: string, nowMs: number): void {
    if (this.carryCount >= 10_000) {
      this.carried.clear();
      this.carryCount = 0;
    }
    let m = this.carried.get(subject);
    if (m === undefined) this.carried.set(subject, (m = new Map<string, number>()));
    if (m.has(key)) m.delete(key);
    else this.carryCount++;
    m.set(key, nowMs);
    if (m.size > MAX_CARRIES) {
      m.delete(m.keys().next().value!);
      this.carryCount--;
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
      const subject = this.keysOf(who).subject;
      const last = this.recentDenials.get(subject)?.get(req.path)?.get(req.method);
      if (last !== undefined && nowMs - last >= 0 && nowMs - last < RETRY_WINDOW_MS) return;
      if (this.deniedCount >= 10_000) {
        this.recentDenials.clear();
        this.deniedCount = 0;
      }
      let byPath = this.recentDenials.get(subject);
      if (byPath === undefined) this.recentDenials.set(subject, (byPath = new Map<string, Map<string, number>>()));
      let byMethod = byPath.get(req.path);
      if (byMethod === undefined) byPath.set(req.path, (byMethod = new Map<string, number>()));
      if (!byMethod.has(req.method)) this.deniedCount++;
      byMethod.set(req.method, nowMs);
    }
    try {
      const p = this.o.store.recordDenial(this.keysOf(who).subject, nowMs);
      if (p instanceof Promise) p.catch((err: unknown) => this.report(err));
    } catch (err) {
      this.report(err);
    }
  }

  /** StateStore.historyLostAt: 0 while no loss stands (a field read in the stores). */
  private lostAt(nowMs: number): number {
    return this.o.store.historyLostAt?.(nowMs) ?? 0;
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


/** What a request does for the engine (RiskEngine.route): its action and the names the store counts it under. */
interface Route {
  /** A write counted as a delete without the verb (guardrails' `deletes`). */
  readonly asDelete: boolean;
  readonly destructive: boolean;
  /** Not discovery: activity for the counters and the working set. */
  readonly counted: boolean;
  readonly action: Action;
  /** Observation.namespace. */
  readonly place: string;
  /** Observation.object: the sensitive object, '' for a delete (counted as one). */
  readonly paced: string;
  /** WorkObservation.namespace and .object. */
  readonly ns: string;
  readonly object: string;
  readonly read: boolean;
  readonly family: string;
  readonly kind: ActionKind | '';
}

/** A resource request's Route, with every input it was derived from (RiskEngine.routeOf). */
interface KeptRoute extends Route {
  readonly verb: string;
  readonly name: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly apiGroup: string;
  readonly query: string;
  readonly cluster: string;
  readonly sensitivity: number;
  readonly automation: boolean;
  readonly readsSecret: string;
  readonly deletesLike: boolean;
  readonly cordons: boolean;
}

/** Name, namespace and query characters together above which a request's Route is not kept. */
const MAX_KEPT_ROUTE = 512;

/** An identity's keys in the store (RiskEngine.keysOf), and the address it was last seen from. */
interface IdentityKeys extends AddressMemo {
  readonly subject: string;
  /** The login: IdP session and authentication time ('' when the credential names no session). */
  readonly session: string;
  /** The user agent of its last request that had nothing but a fingerprint to tell its device by (undefined: none yet). */
  agent: string | undefined;
  /** That request's `sec-ch-ua-platform` ('' none). */
  agentHint: string;
  /** Their device (before sessionWithoutCookie) and client kind. */
  agentDevice: Device;
  agentClient: string;
  /** Where its last request's headers had `user-agent` (RequestHeaders.slotOf; -1 none): looked at first. */
  agentAt: number;
  /** The Route of its last resource request (routeOf), undefined before one. */
  route: KeptRoute | undefined;
  /** The address `place` is placeOf's answer for (undefined: none yet); a reload builds a new engine, and new keys. */
  placeFor: ClientAddress | undefined;
  place: Place;
}

/**
 * A client certificate the subject has proven: the laptop itself, wherever it is, whichever of its
 * sign-ins it uses (`risk.learn.certificate_roams`; the evening's first sign-in at home through the
 * VPN's new range as much as the morning's token after the move). The certificate is the gateway's
 * verified evidence, not a claim; that its key stays on the laptop is the operator's word.
 */
export function certificateRoams(device: Device, h: SubjectHistory): boolean {
  return device.strength === 'certificate' && h.deviceKnown;
}

/**
 * A network inside a wider one that is not yet known, proven within the last `windowMs` by an
 * authentication at most `windowMs` older than that proof (or newer): the sign-in a phone or a VPN
 * client has just made for its first carrier or egress network vouches for the next one it moves
 * to in the same wider network, instead of asking again minutes later. A token signed in before
 * the proof was made (a stolen one from this morning) is not vouched for, nor is any network after
 * the window; the price is an attacker in the same wider network within minutes of the victim's
 * own sign-in, holding that very sign-in's token (docs/risk.md#networks-that-move).
 */
export function vouched(work: WorkHistory, authTime: number | undefined, nowMs: number, windowMs: number): boolean {
  const at = work.nearbyProvenAt;
  return windowMs > 0 && !work.nearbyKnown && at > 0 && authTime !== undefined && nowMs - at <= windowMs && authTime * 1000 >= at - windowMs;
}

/** Proofs kept per subject for certificate_nearby: certificates × logins × /16s of one day. */
const MAX_CARRIES = 16;

/**
 * The key a proof of `risk.learn.certificate_nearby` is kept under: the client certificate (the
 * device id the gateway's verified certificate gives), the login (IdP session and sign-in time)
 * and the /16 or /48. '' when the lever is off, the address has no such network, the device is not
 * a certificate or the credential names no login: nothing to carry.
 */
export function carryKey(carry: string, device: Device, session: string): string {
  if (carry === '' || device.strength !== 'certificate' || device.id === '' || session === '') return '';
  return `${device.id}\n${session}\n${carry}`;
}

/** The last part of a carry key that stands for any /16 or /48 (movedWith). */
const ANY_WIDER = '\n*';

/** The key of a certificate and login's proof of a network anywhere (movedWith). */
function anyCarryKey(deviceId: string, session: string): string {
  return `${deviceId}\n${session}${ANY_WIDER}`;
}

/**
 * What an allow teaches, with the certificate_nearby proof it makes: only a request whose network
 * it made known (the login's own proof there, not a known network used again: a phished sign-in
 * used once at home would otherwise carry a copied key anywhere in the home's /16), from a
 * certificate already proven for the subject.
 */
function carried(l: Learnable | undefined, carry: string, h: SubjectHistory): Learnable | undefined {
  if (carry === '' || l === undefined || l.prefix === '' || !(h.deviceKnown || l.device !== '')) return l;
  return { ...l, carry };
}

/** The wider network of an address at `v4bits`/`v6bits`, '' when none or no wider than the network itself. */
function widerOf(a: ClientAddress, v4bits: number, v6bits: number, v4network: number, v6network: number): string {
  const p = a.parsed;
  if (p === undefined) return '';
  const v4 = p.kind() === 'ipv4';
  const bits = v4 ? v4bits : v6bits;
  if (bits >= (v4 ? v4network : v6network)) return '';
  const bytes = p.toByteArray().map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return keep === 8 ? b : b & ((0xff << (8 - keep)) & 0xff);
  });
  return `${bytes.join(v4 ? '.' : ':')}/${bits}`;
}

/**
 * A network never seen for the subject, of a site whose networks people move between
 * (`risk.locations[].roam_after_seconds`: a chain's stores, each on its own line), reached after a
 * pause: the subject has proven the site, and their last proven request came from it at least
 * `roam_after_seconds` before (lastSiteAt, refreshed once a minute, so up to a minute less). A
 * technician's iPad is in one store at a time and travels between them; a session carried to
 * another store while its owner is still working in the first is in use at two of the site's
 * networks minutes apart, and stays a new network bound to a sign-in. The price: a copy used at
 * another of the site's networks after its owner has paused that long (docs/risk.md#roaming-sites).
 */
export function roamed(work: WorkHistory, site: Site, nowMs: number): boolean {
  return site.roamMs > 0 && work.siteKnown && work.lastSite === site.name && work.lastSiteAt > 0 && nowMs - work.lastSiteAt >= site.roamMs;
}

/** The wider network around an address, and the key nearbyNews keeps its report under. */
interface Nearby {
  /** '' when none or no wider than the network. */
  readonly wider: string;
  /** The wider network and the address' own network. */
  readonly tag: string;
  /** The /16 or /48 a proven certificate carries its login within (`risk.learn.certificate_nearby`), '' off or none. */
  readonly carry: string;
}

function nearbyTag(wider: string, network: string): string {
  return `${wider}\n${network}`;
}

/** What the configuration says about one address (RiskEngine.placeOf). */
interface Place {
  /** Inside `risk.trusted_networks`. */
  readonly trusted: boolean;
  /** The named site (`risk.locations`) it belongs to. */
  readonly site: Site | undefined;
  readonly nearby: Nearby;
}

/** IdentityKeys.place before the token's first Check: never read (its `placeFor` is undefined). */
const NO_PLACE: Place = Object.freeze({ trusted: false, site: undefined, nearby: Object.freeze({ wider: '', tag: '', carry: '' }) });

/**
 * One request being assessed: what RiskEngine.finish needs besides the store's answer, and from
 * then on the signals' context itself. finish() fills in the history and what follows from it, so
 * a Check builds one object where it built a pending record and a SignalContext copied from it
 * (~100 bytes less per Check, bench/README.md "the engine's cost and kubectl's step-up (perf26)").
 * Made by `assessing`, one object literal with every field, so every instance has one shape. It is
 * also the request's WorkObservation (the fields the working-set side of the store reads), so a
 * Check that tells the store its working set builds no second object for it; its own site, wider
 * network and read object are named apart from the WorkObservation's (`atSite`, `near`,
 * `readObject`).
 */
interface Assessing extends SignalContext, WorkObservation {
  /** Set by finish(), before any signal reads it. */
  history: SubjectHistory;
  degraded: boolean;
  work: WorkHistory | undefined;
  travel: Travel | undefined;
  nearbyVouched: boolean;
  roamedIn: string;
  certificateRoams: boolean;
  certificateNearby: boolean;
  certificateMoved: boolean;
  loginMoved: boolean;
  /** A cluster-wide Secret list the sign-in in use covers (listCovered). */
  listCovered: boolean;
  /** answeredBurst moved a count's crossing back to the step-up a sign-in answered. */
  answered: boolean;
  /** The identity's strongest proven level, read only where assurance_downgrade can fire (RiskEngine.observed). */
  strongest: Strongest | undefined;
  /**
   * StateStore.provenAt of the subject (0: none), read only for a newcomer a refusing band could
   * meet (RiskEngine.markNeeded); -1 not read, which newcomerAnswer takes as proven.
   */
  provenAt: number;
  /** The accelerators a person's write asks for, when the signal looks (RiskEngine.assess); undefined none. */
  asked: Readonly<Record<string, number>> | undefined;
  /** `asked` with what the identity asked before (RiskEngine.withAccelerators). */
  accelerators: AcceleratorHistory | undefined;
  /** A scalable workload's per-pod ask to keep, or a scale of one (RiskEngine.assess); undefined neither. */
  workload: KeyedWorkloadAsk | undefined;
  readonly sensitivity: number;
  readonly identity: Identity;
  readonly base: Requirement;
  readonly nowMs: number;
  readonly extra: readonly Contribution[] | undefined;
  readonly shadow: ShadowInput | undefined;
  readonly address: ClientAddress;
  readonly trustedNetwork: boolean;
  readonly device: Device;
  readonly client: string;
  readonly obs: Observation;
  readonly action: Action;
  /** kubernetes.clusters' name for the request's cluster, '' none. */
  readonly cluster: string;
  readonly atSite: Site | undefined;
  readonly near: Nearby;
  /** The sensitive object read that may be familiar (`object` when `read`), '' none. */
  readonly readObject: string;
  /** A write counted as a delete without the verb (a scale to zero…): said so in a refusal. */
  readonly asDelete: boolean;
  /** The family key of the request's namespace, '' none. */
  readonly family: string;
  /** The kind looked up for unfamiliar_kind, '' none (also when the working set is not told). */
  readonly kind: string;
  // WorkObservation's own, as it documents them (store.ts).
  readonly subject: string;
  readonly namespace: string;
  readonly object: string;
  readonly site: string;
  readonly nearby: string;
  readonly auth: number;
  readonly read: boolean;
  /** The Kubernetes request, for the object an asked step-up was for (answeredBurst). */
  readonly kube: KubeRequestInfo | undefined;
  /** SignalContext.revokedAt, always set here (0: no subject revocation on record). */
  readonly revokedAt: number;
}

/**
 * A new Assessing. A literal rather than a class: a class's field initialisers ran as a function of
 * their own (`<instance_members_initializer>`, not inlined), and with ES2022's define semantics each
 * constructor parameter's field was defined as undefined there before the constructor wrote it.
 */
function assessing(
  target: Assessing,
  identity: Identity,
  base: Requirement,
  nowMs: number,
  extra: readonly Contribution[] | undefined,
  shadow: ShadowInput | undefined,
  address: ClientAddress,
  trustedNetwork: boolean,
  device: Device,
  client: string,
  obs: Observation,
  action: Action,
  cluster: string,
  site: Site | undefined,
  nearby: Nearby,
  /** The working-set name the request is counted under (Route.ns), '' none. */
  namespace: string,
  /** The sensitive object it is counted as (Route.object), '' none. */
  object: string,
  /** Route.read: `object` is a read that may be familiar. */
  read: boolean,
  asDelete: boolean,
  family: string,
  kind: string,
  kube: KubeRequestInfo | undefined,
  revokedAt: number,
): Assessing {
  // Every field, so nothing of an earlier Check stays in a reused record (RiskEngine.pending).
  const p = target as Writable<Assessing>;
  p.history = UNREAD;
  p.degraded = false;
  p.work = undefined;
  p.travel = undefined;
  p.nearbyVouched = false;
  p.roamedIn = '';
  p.certificateRoams = false;
  p.certificateNearby = false;
  p.certificateMoved = false;
  // finish() writes it only where the login's move is looked at: a reused record must not keep the last Check's.
  p.loginMoved = false;
  p.listCovered = false;
  p.answered = false;
  p.strongest = undefined;
  p.provenAt = -1;
  p.asked = undefined;
  p.accelerators = undefined;
  p.workload = undefined;
  p.sensitivity = base.sensitivity;
  p.identity = identity;
  p.base = base;
  p.nowMs = nowMs;
  p.extra = extra;
  p.shadow = shadow;
  p.address = address;
  p.trustedNetwork = trustedNetwork;
  p.device = device;
  p.client = client;
  p.obs = obs;
  p.action = action;
  p.cluster = cluster;
  p.atSite = site;
  p.near = nearby;
  p.readObject = read ? object : '';
  p.asDelete = asDelete;
  p.family = family;
  p.kind = kind;
  p.kube = kube;
  p.subject = obs.subject;
  p.namespace = namespace;
  p.object = object;
  p.site = site?.name ?? '';
  p.nearby = nearby.wider;
  p.auth = identity.authTime === undefined ? 0 : identity.authTime * 1000;
  p.read = read;
  p.revokedAt = revokedAt;
  return p;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A pending record to fill (assessing): one object literal with every field, so every record, the
 * engine's reused one and a Check's own, has one shape. Its values are never read: assessing
 * writes every one first.
 */
function blankAssessing(): Assessing {
  return {
    history: UNREAD,
    degraded: false,
    work: undefined,
    travel: undefined,
    nearbyVouched: false,
    roamedIn: '',
    certificateRoams: false,
    certificateNearby: false,
    certificateMoved: false,
    loginMoved: false,
    listCovered: false,
    answered: false,
    strongest: undefined,
    provenAt: -1,
    asked: undefined,
    accelerators: undefined,
    workload: undefined,
    sensitivity: 0,
    identity: NO_IDENTITY,
    base: NO_REQUIREMENT,
    nowMs: 0,
    extra: undefined,
    shadow: undefined,
    address: NO_ADDRESS,
    trustedNetwork: false,
    device: NO_DEVICE,
    client: '',
    obs: UNOBSERVED,
    action: NO_ACTION,
    cluster: '',
    atSite: undefined,
    near: NO_PLACE.nearby,
    readObject: '',
    asDelete: false,
    family: '',
    kind: '',
    kube: undefined,
    subject: '',
    namespace: '',
    object: '',
    site: '',
    nearby: '',
    auth: 0,
    read: false,
    revokedAt: 0,
  };
}

/** An Observation to fill (RiskEngine.assess writes every field): one literal, one shape. */
function blankObservation(): Observation {
  return { subject: '', session: '', nowMs: 0, ip: '', ipPrefix: '', device: '', uaFamily: '', platform: '', namespace: '', sensitive: false, client: '', object: '', destructive: false, counted: true };
}

const UNOBSERVED: Observation = Object.freeze(blankObservation());

/**
 * A blank record's identity and requirement: never read (assessing writes both first); an object,
 * so that the field holds an object from the start as it always will.
 */
const NOT_YET = Object.freeze({});
const NO_IDENTITY = NOT_YET as Identity;
const NO_REQUIREMENT = NOT_YET as Requirement;

interface Site {
  name: string;
  lat: number;
  lon: number;
  contains: (a: ClientAddress) => boolean;
  /** `roam_after_seconds` in ms; 0: its networks are not one place (roamed). */
  roamMs: number;
}

/** Great-circle distance (haversine, mean Earth radius). */
function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const UNLIKE = new Set<string>(['unfamiliar_namespace', 'unfamiliar_kind', 'accelerators_above_history', 'machine_pace', 'cluster_secret_list', 'impossible_travel']);

/** Whether a behaviour or travel signal fired (they bind even in an otherwise known context). */
function unlikeItself(fired: readonly Contribution[], w: WorkHistory | undefined): boolean {
  // Most Checks fire nothing: no call into Array.prototype.some for an empty list.
  return w !== undefined && fired.length !== 0 && anyContribution(fired, isUnlike);
}

// The predicates the engine asks of a Check's contributions, made once: an arrow written inside
// the call is a new closure on every Check that reaches it (every routine one, for unlikeItself).
const isUnlike = (c: Contribution): boolean => c.weight > 0 && UNLIKE.has(c.code);
/** What a changed context contributes: a refusing band reached with one of these stays a refusal. */
const CONTEXT_CHANGE = new Set<string>(['new_network', 'new_device', 'new_ip', 'ua_family_change', 'platform_change', 'certificate_missing', 'session_new_device', 'impossible_travel', 'first_seen', 'state_degraded']);
const isContextChange = (c: Contribution): boolean => c.weight > 0 && CONTEXT_CHANGE.has(c.code);
const isBehaviourBurst = (c: Contribution): boolean => c.code === 'sensitive_objects' || c.code === 'destructive_burst';
const isMachinePace = (c: Contribution): boolean => c.code === 'machine_pace';
const isUnfamiliarKind = (c: Contribution): boolean => c.code === 'unfamiliar_kind' && c.weight > 0;

/** What the request does, for the behaviour signals. */
function actionOf(k: RequestAttributes['kube'], cluster: string, query: string, base: Requirement, destructive: boolean, readsSecret: string, deletesLike: boolean, automation: boolean, proxyKind: ActionKind, copyKind: ActionKind, databaseKind: ActionKind, productionTiers: Tiers | undefined, secretTiers: Tiers | undefined, ungracedTiers: Tiers | undefined): Action {
  if (k === undefined || !k.isResourceRequest) return NO_ACTION;
  const clusterSecretList = k.apiGroup === '' && k.resource === 'secrets' && k.subresource === '' && k.namespace === '' && k.name === '' && (k.verb === 'list' || k.verb === 'watch');
  if (namespaceObjectChange(k, deletesLike)) {
    // The name is the client's: shown only when it is one kube would accept.
    return { sensitive: base.sensitivity > 0, destructive, namespace: NAMESPACE_OBJECTS, clusterSecretList: false, what: `${k.verb} namespace ${NAMESPACE_NAME.test(k.name) ? k.name : '(unnamed)'}`, cluster, kind: '' };
  }
  const what = `${k.verb} ${k.subresource === '' ? k.resource : `${k.resource}/${k.subresource}`}`;
  // A workload handed a Secret reads it as surely as `get secret` does (its pod prints it): for
  // the working set it is a sensitive action, whatever the rule for the workload says (the
  // pipeline has also asked what reading the Secret asks, so `base` is sensitive by now).
  const reads = readsSecret !== '';
  return {
    sensitive: base.sensitivity > 0 || reads,
    destructive,
    namespace: clusterSecretList ? allSecretsKey(query) : k.namespace,
    clusterSecretList,
    // The name is the client's: shown only when it is one kube would accept, and never long.
    what: reads ? `${what} handed Secret ${SECRET_NAME.test(readsSecret) ? readsSecret.slice(0, 63) : '(unnamed)'}` : what,
    cluster,
    kind: automation ? '' : reads || secretRead(k) ? secretKind(k.namespace, secretTiers) : proxied(k) ? proxyKind : podShell(k) ? shellKind(k, query, copyKind, databaseKind, productionTiers) : '',
    // Automation cannot sign in, so no sign-in is asked of it here either (as for `kind`).
    productionSecret: ungracedTiers !== undefined && !automation && k.namespace !== '' && (reads || secretRead(k)) && isProduction(k.namespace, ungracedTiers),
  };
}

/**
 * A shell's kind, told apart where `kinds` asks: a copy out of a pod (`pod_copy`), one of a
 * database (`database_copy`: a DBA who copies reports out of the replica hourly has never dumped
 * it, day 37), and a
 * port-forward into a namespace named as production, the top tier of
 * `unfamiliar_namespace.environments` (`production_tunnel`): a DBA who tunnels to staging's database
 * every day and only reads production's pods has never opened a tunnel into production (day 24).
 */
function shellKind(k: KubeRequestInfo, query: string, copyKind: ActionKind, databaseKind: ActionKind, productionTiers: Tiers | undefined): ActionKind {
  if (k.subresource === 'exec') {
    const copy = copyOf(query);
    if (copy !== '') return copy === 'database' ? databaseKind : copyKind;
  }
  if (productionTiers !== undefined && k.subresource === 'portforward' && isProduction(k.namespace, productionTiers)) return 'production_tunnel';
  return 'pod_shell';
}

/**
 * A Secret read's kind, told apart where `kinds` asks: in a namespace named as production, the top
 * tier of `unfamiliar_namespace.environments` (`production_secret_read`). An engineer, or their
 * agent, who reads staging's database Secret every day and only looks at production's pods and logs
 * has never read a production Secret (day 29's prompt-injected agents); a read across all
 * namespaces names no namespace and stays a `secret_read` (`cluster_secret_list` asks for it).
 */
function secretKind(namespace: string, secretTiers: Tiers | undefined): ActionKind {
  return secretTiers !== undefined && namespace !== '' && isProduction(namespace, secretTiers) ? 'production_secret_read' : 'secret_read';
}

/** A namespace named as production while its Secrets get no grace (RiskEngine.ungracedTiers). */
function ungracedNamespace(namespace: string, tiers: Tiers | undefined): boolean {
  return tiers !== undefined && namespace !== '' && !isAllNamespaces(namespace) && namespace !== NAMESPACE_OBJECTS && isProduction(namespace, tiers);
}

function isProduction(namespace: string, tiers: Tiers): boolean {
  return (familyOf(namespace, tiers)?.rank ?? tiers.get(namespace)) === 1;
}

/** A read of Secrets' contents: get, list or watch (one, a namespace's, or every namespace's). */
function secretRead(k: KubeRequestInfo): boolean {
  return k.apiGroup === '' && k.resource === 'secrets' && k.subresource === '' && (k.verb === 'get' || k.verb === 'list' || k.verb === 'watch');
}

/** Pod subresources that run something in a pod or tunnel into it (`pod_shell`). */
const POD_SHELL: ReadonlySet<string> = new Set(['exec', 'attach', 'ephemeralcontainers', 'portforward']);

function podShell(k: KubeRequestInfo): boolean {
  return k.apiGroup === '' && k.resource === 'pods' && POD_SHELL.has(k.subresource);
}

/**
 * The API server's proxy into a pod's or a Service's HTTP endpoints (`pods/…/proxy`,
 * `services/[scheme:]name[:port]/proxy`): a Spring actuator's `env` and `restart`, an admin API,
 * with the API server's reach (day 22's war room). The service proxy reaches the same endpoints as
 * the pod proxy, through the Service's selector. Its own kind (`proxy`) when unfamiliar_kind lists
 * it, else one with shells (`pod_shell`), as the pod proxy always was.
 */
function proxied(k: KubeRequestInfo): boolean {
  return k.apiGroup === '' && k.subresource === 'proxy' && (k.resource === 'pods' || k.resource === 'services');
}

const SECRET_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const NAMESPACE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A change to a Namespace object itself (`kubectl label ns --all`, `annotate ns`, an apply of
 * every namespace's manifest): for the working set an action on the cluster's Namespace objects,
 * one place (NAMESPACE_OBJECTS), not work inside each namespace it names. Counted in each, a
 * platform engineer's `kubectl label ns --all` over 42 namespaces entered every one outside their
 * working set and was asked six times in two minutes (a sign-in covers `grace_namespaces` of
 * them; day 9), and the namespaces it touched joined the working set, so their Secrets and shells
 * were familiar to malware afterwards. The price: an engineer whose apply includes their own
 * namespace's manifest is asked once, the first time, for Namespace objects. The rules still judge each namespace's Namespace object as before (its
 * `kube.namespace` is unchanged: prod-writes, system-writes, gate-itself), and so do the
 * guardrails (a pod-security label weakened). A delete of a Namespace, or a change that amounts to
 * one (an owner reference the garbage collector acts on), takes everything in the namespace with
 * it: it stays an action in that namespace, with a delete's lack of grace.
 */
function namespaceObjectChange(k: KubeRequestInfo, deletesLike: boolean): boolean {
  return k.apiGroup === '' && k.resource === 'namespaces' && k.subresource === '' && k.name !== '' && (k.verb === 'update' || k.verb === 'patch') && !deletesLike;
}

/**
 * The working-set name of a list of every namespace's Secrets (store.ts ALL_NAMESPACES): `*` when
 * its label selector requires `owner=helm`, so that the API server serves Helm's release records
 * and nothing else (`helm ls -A`), `**` for every other (`kubectl get secrets -A`, istioctl
 * analyze's informer), which returns the mesh CA and Argo CD's cluster credentials too. Each is
 * learned on its own: an engineer who runs `helm ls -A` every day has not shown that listing
 * every Secret is their routine, and malware holding their token is asked when it does.
 * `*` keeps its meaning from before the split, so working sets learned then still cover Helm.
 */
function allSecretsKey(query: string): string {
  const selector = labelSelectorOf(query);
  return selector !== undefined && selectorRequires(selector, 'owner', 'helm') ? ALL_NAMESPACES_HELM : ALL_NAMESPACES_EVERY;
}

/**
 * A working-set name or sensitive object qualified by its cluster (kubernetes.clusters):
 * `payments-prod@dublin`. A namespace name is a DNS label, so it never holds an `@` and is no other
 * cluster's name for anything; the cluster goes last so that the stores' reading of a name's first
 * character (`*` every namespace at once, `/` Namespace objects; store.ts) still holds. Unchanged
 * with no cluster named, so a single cluster's stored history keeps its keys.
 */
function inCluster(cluster: string, name: string): string {
  return cluster === '' || name === '' ? name : `${name}@${cluster}`;
}

/** What a browser sends that tells its device apart besides the user agent (assess, DeviceResolver.resolveFrom). */
const BROWSER_EVIDENCE = nameBuckets(['sec-ch-ua', 'sec-ch-ua-platform', 'cookie']);

const NO_ACTION: Action = Object.freeze({ sensitive: false, destructive: false, namespace: '', clusterSecretList: false, what: '', cluster: '', kind: '' });

/**
 * RiskEngine.route's answer for a request without a Kubernetes reading: no delete, nothing counted
 * as an object, namespace or kind, no action (actionOf's NO_ACTION), and counted as activity (only
 * a Kubernetes request can be discovery). What route would build field by field from those.
 */
const NOT_KUBERNETES: Route = Object.freeze({ asDelete: false, destructive: false, counted: true, action: NO_ACTION, place: '', paced: '', ns: '', object: '', read: false, family: '', kind: '' });

/**
 * The context of a refused burst of deletes: what the body, Status line, audit and spans say. An
 * engineer refused for a `kubectl scale --replicas=0` is told why it counts as a delete.
 */
/** The refusal of a dormant subject (RiskEngine.dormantRequirement); `at` its last proof (ms), 0 or -1 none held. */
function dormantRefusal(at: number, nowMs: number): ContextBound {
  if (at > 0) {
    const since = new Date(at).toISOString().slice(0, 10);
    return { authAfter: Math.floor(nowMs / 1000), code: 'dormant_account', reason: `last proof ${since}, ${Math.floor((nowMs - at) / 86_400_000)} days ago, past risk.dormant.after_seconds (refused)`, summary: `account idle since ${since}`, action: 'refused' };
  }
  return { authAfter: Math.floor(nowMs / 1000), code: 'dormant_account', reason: 'no proof held for the subject, risk.dormant.unproven: dormant (refused)', summary: 'account with no sign-in proven here', action: 'refused' };
}

function burstRefusal(since: number, deletes: number, windowSeconds: number, asDelete: boolean): ContextBound {
  const at = utcClock(since);
  return {
    authAfter: Math.floor(since / 1000),
    code: 'destructive_burst',
    reason: `${deletes} deletes in ${windowSeconds}s since ${at}${asDelete ? ', a scale to zero or other write that deletes counted as one' : ''} (refused)`,
    summary: `burst of deletes since ${at}`,
    action: 'refused',
  };
}

/** Denials of the same request closer together than this count once. */
const RETRY_WINDOW_MS = 10_000;

/** How long after a context-bound step-up the sign-in answering it may come (answeredBurst). */
const ANSWER_MS = 180_000;

/**
 * How soon after that sign-in a count's crossing is the run that was under way (answeredBurst):
 * the retry and the loop's next requests, seconds after it. Short, because while a count stays over
 * its threshold its crossing stays where it was, so a run begun within this span is covered for as
 * long as it lasts, as one begun before the sign-in is.
 */
const UNDER_WAY_MS = 30_000;

/** A context-bound step-up this engine asked: when, the bound it asked for (epoch s), and from where. */
interface AskedStepUp {
  at: number;
  authAfter: number;
  context: string;
  /** The object it was asked for, whatever its namespace (askedObject). */
  object: string;
  /** The namespace it was asked in (askedPlace): a count's run goes on in it. */
  place: string;
  /** Asked for a count (machine_pace, sensitive_objects): of a run already under way. */
  run: boolean;
  /** Its ask id (ContextBound.ask). */
  id: string;
}

const isRunCode = (code: string): boolean => code === 'machine_pace' || code === 'sensitive_objects';

/** The network, device and client kind a request came from, as one key (answeredBurst). */
function askedContext(p: Assessing): string {
  return `${p.address.prefix}\n${p.device.id}\n${p.client}`;
}

/**
 * The object a request is for, whatever its namespace and verb: `regcred` read and then applied
 * in each of 25 namespaces is one loop over one object; '' for no Kubernetes request, which then
 * only matches another such (answeredBurst).
 */
function askedObject(p: Assessing): string {
  const k = p.kube;
  return k === undefined ? '' : `${p.cluster}\n${k.apiGroup}\n${k.resource}\n${k.subresource}\n${k.name}`;
}

/**
 * The namespace a request is in, with its cluster and what it does there ('' for no Kubernetes
 * request; answeredBurst): a loop through a namespace's Secrets goes on to its next Secret, not to
 * a shell in each of its pods (the run cover's namespace is the same, state/run-cover.ts).
 */
function askedPlace(p: Assessing): string {
  const k = p.kube;
  return k === undefined ? '' : `${p.cluster}\n${k.apiGroup}\n${k.resource}\n${k.subresource}\n${k.namespace}`;
}

/**
 * A first Secret list across all namespaces that the sign-in in use covers, with
 * `risk.signals.cluster_secret_list_grace_seconds` set: a cluster the identity has worked in
 * (WorkHistory.clusterKnown), a token at the learning level, signed in at most that long before
 * the list was first seen. It then weighs nothing (signals/behaviour.ts): its weight alone reached
 * a band whose rules ask a fresher sign-in anyway (day 8's `istioctl analyze`, docs/risk.md
 * session 44). Absent, nothing is covered here and the list weighs as before.
 */
function listCovered(w: WorkHistory | undefined, who: Identity, graceSeconds: number | undefined, learnLevel: number): boolean {
  if (graceSeconds === undefined || w === undefined || !w.clusterKnown || w.namespaceSince <= 0) return false;
  if (who.automation === true || who.authTime === undefined || who.level < learnLevel) return false;
  return who.authTime * 1000 >= w.namespaceSince - graceSeconds * 1000;
}

function subjectKey(who: Identity): string {
  // A migrated issuer's token (issuers[].history_of) is judged on the old identity's history.
  return who.historyOf === undefined ? deviceOwner(who.issuer, who.subject) : deviceOwner(who.historyOf.issuer, who.historyOf.subject);
}

/** A request some rule singles out (or weighs) is one that must not go ahead on a guess. */
function isSensitive(base: Requirement): boolean {
  // An empty list is the global shadow mode's requirement: nothing is singled out.
  return base.sensitivity > 0 || base.deny || base.rules.some((r) => r !== 'default');
}

/** Assessing.history before the store has answered: never read (finish() sets it first). */
const UNREAD: SubjectHistory = Object.freeze(blankHistory());

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

/**
 * `l` with the accelerator counts to keep (RiskEngine.acceleratorsToLearn), when there are any, and
 * this write's own counts for the window (`recent`: a person's write that asked accelerators).
 */
function withAccelerators(
  l: Learnable | undefined,
  subject: string,
  accelerators: Readonly<Record<string, number>> | undefined,
  recent: Learnable['recentAccelerators'],
  workload: Learnable['workloadAccelerators'],
): Learnable | undefined {
  if (accelerators === undefined && recent === undefined && workload === undefined) return l;
  return {
    ...(l ?? { subject, ip: '', prefix: '', device: '', client: '', namespace: '', site: '', nearby: '' }),
    ...(accelerators !== undefined && { accelerators }),
    ...(recent !== undefined && { recentAccelerators: recent }),
    ...(workload !== undefined && { workloadAccelerators: workload }),
  };
}

/** What a scalable workload's write tells (guardrails' perPodAccelerators and scaledTo). */
export interface WorkloadAsk {
  readonly perPod?: { readonly name: string; readonly counts: Readonly<Record<string, number>> };
  readonly scaledTo?: number;
}

interface KeyedWorkloadAsk {
  /** Cluster, group/resource, namespace and name (StateStore.workloadAccelerators). */
  readonly key: string;
  readonly perPod?: Readonly<Record<string, number>>;
  readonly scaledTo?: number;
}

/** The workload a request writes, keyed; undefined when it names none (a create without a name, a cluster-scoped path). */
function workloadOf(req: RequestAttributes, w: WorkloadAsk): KeyedWorkloadAsk | undefined {
  const k = req.kube;
  if (k === undefined || k.namespace === '') return undefined;
  const name = w.perPod?.name ?? k.name;
  if (name === '') return undefined;
  const key = `${req.cluster ?? ''}\n${k.apiGroup}/${k.resource}\n${k.namespace}\n${name}`;
  if (w.perPod !== undefined) return { key, perPod: w.perPod.counts };
  return w.scaledTo === undefined ? undefined : { key, scaledTo: w.scaledTo };
}

/** The object a write names (group/resource, namespace, name; a scale is its workload's), '' for a create. */
function writtenObject(k: KubeRequestInfo | undefined): string {
  return k === undefined || k.name === '' ? '' : `${k.apiGroup}/${k.resource}\n${k.namespace}\n${k.name}`;
}

/** Per-pod counts times the replicas, capped. */
function timesReplicas(counts: Readonly<Record<string, number>>, replicas: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name in counts) out[name] = Math.min(MAX_ACCELERATOR_COUNT, counts[name]! * replicas);
  return out;
}

/** What a write asks with what the identity's writes of the window asked (`recent`), for the signal. */
function withRecent(asked: Readonly<Record<string, number>>, before: Readonly<Record<string, number>>, recent: Readonly<Record<string, number>> | undefined, windowMs: number): AcceleratorHistory {
  if (recent === undefined) return { asked, before };
  let sum: Record<string, number> | undefined;
  for (const name in recent) {
    if (!(name in asked) || recent[name]! <= 0) continue;
    (sum ??= { ...asked })[name] = Math.min(MAX_ACCELERATOR_COUNT, asked[name]! + recent[name]!);
  }
  return sum === undefined ? { asked, before } : { asked: sum, before, own: asked, windowMs };
}
