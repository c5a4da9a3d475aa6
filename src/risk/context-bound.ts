import { utcClock } from '../core/clock-text.js';
import type { Requirement } from '../policy/policy.js';
import type { RequestAttributes } from '../request/attributes.js';
import { NO_ADDRESS_NETWORK } from '../request/client-ip.js';
import type { KubeRequestInfo } from '../request/kube.js';
import type { WorkHistory } from '../state/store.js';
import { ENTERED_UNKNOWN, NAMESPACE_OBJECTS } from '../state/store.js';
import type { ActionKind } from '../config/schema.js';
import { anyContribution, type Contribution, type RiskCode } from './codes.js';
import { acceleratorText, aboveHistory, earlierPart } from './signals/accelerators.js';
import { namespaceText, type SignalContext, type Signals } from './signals/context.js';

/**
 * Context-bound step-up. When risk comes from a change of context (a network, certificate or
 * device cookie, or kind of client never proven for the subject) or from a behaviour burst, a
 * fresh token is not enough: a token captured minutes after the victim's MFA is fresh. What an
 * attacker elsewhere cannot produce is an authentication made after their context first
 * appeared, so that is what the requirement asks for (`authAfter`), and its `maxAge` is tightened
 * to "seconds since that first sighting" so RFC 9470 clients and the step-up page ask the IdP for
 * a new login rather than reusing the session.
 */
export interface ContextBound {
  /** Epoch seconds: the authentication must be at or after this. */
  authAfter: number;
  /** The signal that bound it (the latest-starting one when several did). */
  code: RiskCode;
  /** For logs, explain, audit and spans: "new network 198.51.100.0/24 since 14:02:05Z". */
  reason: string;
  /**
   * For the caller (challenge body, kubectl's Status line): what changed and, when that was a
   * moment, since when, without addresses or counts: "new network since 14:02:05Z", "list secrets
   * in namespace prod-eu, where you have not worked".
   */
  summary: string;
  /**
   * What the caller must do: 'sign in again' (the default), 'refused' when the behaviour is
   * refused outright (a burst of deletes: a freshly signed-in insider meets any freshness), or
   * 'sign in at <level>' when a stronger sign-in is what answers (assurance_downgrade).
   */
  action?: ContextAction;
  /**
   * The id of this step-up (risk/ask.ts): a sign-in made to answer it names it in its nonce. Set
   * by the engine on every bound it asks for.
   */
  ask?: string;
  /**
   * When a count's run (machine pace, distinct sensitive objects) is over besides what bound this
   * request: that run's ask and what was counted, so the credential plugin can say what a sign-in
   * for it would answer ("12 distinct sensitive objects in 20s since 11:00:07Z").
   */
  run?: { ask: string; counted: string };
  /**
   * The assurance level (rank) the sign-in must reach besides: `assurance_downgrade`'s strongest
   * level proven by the identity; undefined when only a sign-in after the change is asked.
   */
  level?: number;
}

export type ContextAction = 'sign in again' | 'refused' | `sign in at ${string}`;

const SUMMARY: Partial<Record<RiskCode, string>> = {
  new_network: 'new network',
  new_device: 'new device',
  ua_family_change: 'new client',
  sensitive_objects: 'unusual number of sensitive objects',
  destructive_burst: 'burst of deletes',
  machine_pace: 'sensitive objects touched faster than a person types',
  cluster_secret_list: 'Secrets listed across all namespaces',
  session_new_device: 'sign-in used from another device',
  platform_change: 'sign-in used from another computer',
  certificate_missing: 'sign-in used without its client certificate',
};

/**
 * The earliest sign-in that proves a part first seen at `since` (ms) under a grace `grace`: `since -
 * grace`, except that a grace never reaches back before a loss of history at `lostAt` (0: none).
 * A sign-in after the loss keeps the whole grace (the engineer who signs in again after the
 * outage is not asked twice); one before it must be at or after the sighting itself.
 */
export function newcomerFloor(since: number, grace: number, lostAt: number): number {
  return lostAt > 0 && grace > 0 ? Math.max(since - grace, Math.min(since, lostAt)) : since - grace;
}

/** What binds, from the signals that fired; undefined when nothing does. */
export function contextBound(ctx: SignalContext, fired: readonly Contribution[], graceSeconds: number, cfg?: Signals, clientGraceSeconds = 0, lostAt = 0): ContextBound | undefined {
  const h = ctx.history;
  // A subject stepgate knows nothing of: their first sign-in is the proof for the context it was
  // made in, even though it came a little before their first request; never one made before the
  // store lost its history (lostAt, StateStore.historyLostAt), when everyone looks new. Never for
  // a subject revoked (ctx.revokedAt): the revocation made it look new, and a sign-in after it may
  // be the victim's, relayed by an adversary in the middle whose network would then count as proven.
  const grace = !((ctx.revokedAt ?? 0) > 0) && (h.firstSeen || (h.knownClients === 0 && h.knownDevices === 0)) ? graceSeconds * 1000 : 0;
  const floor = (since: number, g: number) => newcomerFloor(since, g, grace > 0 ? lostAt : 0);
  let best: { at: number; code: RiskCode; what: string; summary?: string | undefined; why?: string | undefined; seen: number | false } | undefined;
  // `seen`: when the change happened, which the caller is told ("since <seen>"); the bound `at`
  // may be earlier by a grace (a newcomer's, a namespace's), a time at which nothing happened.
  // false: no one moment to name (a namespace's first sighting is not a change of the caller's).
  const consider = (at: number, code: RiskCode, what: string, summary?: string, why?: string, seen: number | false = at) => {
    if (at > 0 && (best === undefined || at > best.at)) best = { at, code, what, summary, why, seen };
  };
  const has = (code: RiskCode) => anyContribution(fired, (c) => c.code === code && c.weight > 0);
  if (has('new_network') && h.prefixSince > 0) {
    let at = floor(h.prefixSince, grace);
    const none = ctx.address.prefix === NO_ADDRESS_NETWORK;
    let what = none ? 'requests without a client address' : `new network ${ctx.address.prefix}`;
    // The login was first used elsewhere: this token travelled, whatever its age, so only a
    // login after its first use can prove this context.
    if (h.sessionOrigin !== '' && h.sessionOrigin !== ctx.address.prefix) {
      at = Math.max(at, h.sessionStart + 1000);
      what += h.sessionOrigin === NO_ADDRESS_NETWORK ? ' (this sign-in was first used without a client address)' : ' (this sign-in was first used from another network)';
    }
    consider(at, 'new_network', what, none ? 'requests without a client address' : undefined, undefined, h.prefixSince);
  }
  if (has('new_device') && ctx.device.strength !== 'fingerprint') {
    const what =
      ctx.device.strength === 'certificate'
        ? 'client certificate'
        : ctx.device.strength === 'foreign_certificate'
          ? "client certificate (another person's)"
          : ctx.device.strength === 'session'
            ? 'browser (a step-up session without its device cookie)'
            : 'browser';
    consider(floor(h.deviceSince, grace), 'new_device', `new ${what}`, undefined, undefined, h.deviceSince);
  }
  if (has('ua_family_change')) consider(floor(h.clientSince, Math.max(grace, clientGraceSeconds * 1000)), 'ua_family_change', `new client ${ctx.device.uaFamily}`, undefined, undefined, h.clientSince);
  // A login older than the device it is used from: a sign-in on that device (or at most
  // `grace_seconds` before it appeared) is what the owner of the session can produce.
  if (has('session_new_device') && cfg !== undefined) {
    consider(h.deviceSince - cfg.session_new_device.grace_seconds * 1000, 'session_new_device', `${ctx.device.strength} device first seen after this sign-in was in use`, undefined, undefined, h.deviceSince);
  }
  // The login was already in use on another platform: only a sign-in after this device appeared,
  // and after the login's first use, can have been made on it.
  if (has('platform_change')) consider(Math.max(h.deviceSince, h.sessionStart + 1000), 'platform_change', `${ctx.device.uaFamily} on ${ctx.device.platform} in a sign-in used on another platform`);
  // The login came with a client certificate before: the same proof as platform_change.
  if (has('certificate_missing')) consider(Math.max(h.deviceSince, h.sessionStart + 1000), 'certificate_missing', `${ctx.device.strength} device without a client certificate in a sign-in used with one`);
  if (h.behaviourSince > 0) {
    if (has('sensitive_objects')) consider(h.behaviourSince, 'sensitive_objects', `${h.objects} sensitive objects touched`);
    else if (has('destructive_burst')) consider(h.behaviourSince, 'destructive_burst', `${h.destructive} deletes`);
  }
  const w = ctx.work;
  const a = ctx.action;
  if (w !== undefined && a !== undefined && cfg !== undefined) {
    // A sensitive action where this identity never worked: an authentication at most
    // `grace_seconds` before the namespace was first seen counts (the engineer who signed in this
    // morning and opens a new namespace's Secret an hour later is asked once), for the first
    // `grace_namespaces` namespaces that sign-in enters; a first delete there needs one after it,
    // since a delete cannot be taken back, and so does a first change to Namespace objects
    // (namespaceGrace).
    if (has('unfamiliar_namespace') && w.namespaceSince > 0) {
      // A change to a Namespace object is one on the cluster's Namespace objects (engine.ts actionOf).
      const objects = a.namespace === NAMESPACE_OBJECTS;
      const ungraced = a.productionSecret === true && matureHistory(w, ctx.nowMs, cfg);
      const g = namespaceGrace(ctx.identity.authTime, w, cfg, a.destructive || objects || ungraced, ungraced ? PRODUCTION_SECRET_SPENT : undefined);
      consider(
        w.namespaceSince - g.ms,
        'unfamiliar_namespace',
        objects ? `${a.what}, a change to Namespace objects, outside this identity's working set` : `${a.what} in ${namespaceText(a)}, outside this identity's working set`,
        objects ? `${a.what}: you have not changed Namespace objects before` : `${a.what} in ${namespaceText(a)}, where you have not worked`,
        g.spent,
        false,
      );
    }
    // A kind this identity never did: a sign-in after its first sighting, no grace unless
    // `unfamiliar_kind.grace_seconds` names one (off by default). The analyst who signed in this
    // morning and reads their first Secret this afternoon is asked once; a token taken from them
    // is refused.
    if (has('unfamiliar_kind') && w.kindSince > 0 && a.kind !== '') {
      const noun = DONE_BEFORE[a.kind];
      const where = a.namespace === '' || a.namespace.startsWith('*') ? '' : ` in ${namespaceText(a)}`;
      consider(w.kindSince - cfg.unfamiliar_kind.grace_seconds * 1000, 'unfamiliar_kind', `${a.what}${where}, a kind of action new to this identity`, `${a.what}${where}: you have not ${noun} before`, undefined, false);
    }
    // Accelerators far above what this identity asked (signals/accelerators.ts): nothing was first
    // seen before this request, so the bound is the request itself less `grace_seconds`: the ML
    // engineer who signed in a few minutes ago to start a larger run is asked nothing more, a
    // notebook token an hour old is asked, and the sign-in that answers teaches the new largest.
    const g = ctx.accelerators;
    if (has('accelerators_above_history') && g !== undefined) {
      const c = cfg.accelerators_above_history;
      const worst = aboveHistory(ctx, g.asked, g.before, c.ratio, c.min_history_seconds);
      if (worst !== undefined) {
        const text = acceleratorText(worst.name, worst.asked, worst.before, undefined, earlierPart(g, worst.name));
        const where = a.namespace === '' || a.namespace.startsWith('*') ? '' : ` in ${namespaceText(a)}`;
        consider(ctx.nowMs - c.grace_seconds * 1000, 'accelerators_above_history', `${a.what}${where} asks ${text}`, `${a.what}${where} asks ${text}`, undefined, false);
      }
    }
    // Every Secret of a cluster never worked in (WorkHistory.clusterKnown): no grace, as for a
    // namespace of it (namespaceGrace). In one it has worked in, the namespace's grace unless
    // `cluster_secret_list_grace_seconds` names its own (docs/risk.md, session 44).
    if (has('cluster_secret_list') && w.namespaceSince > 0) {
      const listGrace = cfg.cluster_secret_list_grace_seconds ?? cfg.unfamiliar_namespace.grace_seconds;
      consider(w.namespaceSince - (w.clusterKnown ? listGrace * 1000 : 0), 'cluster_secret_list', 'Secrets listed across all namespaces', undefined, undefined, false);
    }
    // Bound to when the run went over the threshold: one sign-in covers the rest of it.
    if (has('machine_pace') && w.paceSince > 0) consider(w.paceSince, 'machine_pace', `${w.pace} distinct sensitive objects in ${cfg.machine_pace.window_seconds}s`);
    const t = ctx.travel;
    if (has('impossible_travel') && t !== undefined && w.siteSince > 0) {
      consider(w.siteSince, 'impossible_travel', `used at ${t.to} ${t.minutes} min after ${t.from} (${t.km} km)`, `sign-in used at ${t.to} ${t.minutes} min after ${t.from}`);
    }
  }
  // A sign-in weaker than the identity's strongest, on a new network from a device no certificate
  // proves: whatever else bound, the caller is told this (what they must bring is a stronger
  // sign-in, not only a later one), and the bound is the later of the first sightings (the
  // network's alone when the device is known by its user agent or device cookie), or anything later.
  const s = ctx.strongest;
  if (s !== undefined && anyContribution(fired, (c) => c.code === 'assurance_downgrade')) {
    const seen = Math.max(h.prefixSince, h.deviceKnown ? 0 : h.deviceSince) || ctx.nowMs;
    const usual = s.description === '' ? s.name : `${s.name}: ${s.description}`;
    const prior = best as { at: number } | undefined;
    const newDevice = !(h.deviceKnown && ctx.device.id !== '');
    best = {
      at: Math.max(seen, prior?.at ?? 0),
      code: 'assurance_downgrade',
      what: `sign-in at ${ctx.identity.levelName}, below the ${s.name} this identity has proven, from new network ${ctx.address.prefix} and ${newDevice ? 'a new device' : ctx.device.strength === 'cookie' ? 'a browser known only by its device cookie' : 'a device known only by its user agent'}`,
      summary: `a sign-in weaker than your usual (${usual}) from a new network${newDevice ? ' and device' : ''}`,
      why: undefined,
      seen,
    };
  }
  if (best === undefined) return undefined;
  const b = best as { at: number; code: RiskCode; what: string; summary?: string | undefined; why?: string | undefined; seen: number | false };
  const why = b.why === undefined ? '' : `: ${b.why}`;
  // auth_time is whole seconds: only one in a later second than the first sighting (or in the same
  // second, for a sighting on the second's boundary) was surely made after it. Rounded down, a token
  // relayed by a phishing proxy within the second of its sign-in proved the proxy's network at its
  // first request, and taught it (test/integration/risk-redteam-sequences.test.ts); nobody answers a
  // challenge with a sign-in in the same second as the refusal.
  const bound: ContextBound = {
    authAfter: Math.ceil(b.at / 1000),
    code: b.code,
    reason: `${b.what} since ${utcClock(b.at)}${why}`,
    summary: `${b.summary ?? SUMMARY[b.code] ?? b.code}${b.seen === false ? '' : ` since ${utcClock(b.seen)}`}${why}`,
  };
  if (b.code === 'assurance_downgrade' && s !== undefined) {
    bound.level = s.rank;
    bound.action = `sign in at ${s.name}`;
  }
  return bound;
}

/**
 * The score without the changes of context a context-bound step-up makes the caller prove (a
 * network, a device a certificate or cookie tells, a kind of client: what contextBound binds
 * for them), for a member of a `risk.learn.below_min_level` group (engine.ts lowerProof). Such an
 * account never makes a context known (its sign-ins are below `learn.min_level`), so these fire at
 * every request it makes, and the band they reach asks a level it can never sign in at: a refusal
 * in all but name. For it the change is answered by the sign-in after its first sighting (the
 * bound) instead of by the band, as for an engineer it is answered once and then learned. Behaviour,
 * a new address inside a known network, a device known only by its user agent, a first sighting of
 * the subject, a token's age and the rest still count, so what the bands ask for behaviour is
 * unchanged. Only ever used with a bound in force, which is at or after every one of those first
 * sightings (contextBound keeps the latest).
 */
export function scoreWithoutProvedContext(ctx: SignalContext, fired: readonly Contribution[]): number {
  let sum = 0;
  for (const c of fired) {
    if (c.weight > 0 && (c.code === 'ua_family_change' || (c.code === 'new_network' && ctx.history.prefixSince > 0) || (c.code === 'new_device' && ctx.device.strength !== 'fingerprint'))) continue;
    sum += c.weight;
  }
  return Math.max(0, Math.min(100, sum));
}

/**
 * A count's run this request is part of, over its threshold: since the earliest crossing among
 * `machine_pace` and `sensitive_objects` that are over now (ms), and what was counted, in
 * contextBound's words. One run however many counts it crosses: the engineer's loop goes over
 * machine pace at its 4th Secret and the distinct-objects count at its 7th while they are at the
 * identity provider, and the ask they sign in for is the run's (engine.ts boundAnswers).
 * Undefined when neither fired.
 */
export function runOver(ctx: SignalContext, fired: readonly Contribution[], cfg: Signals): { since: number; code: RiskCode; counted: string } | undefined {
  const h = ctx.history;
  const w = ctx.work;
  const objects = h.behaviourSince > 0 && anyContribution(fired, (c) => c.code === 'sensitive_objects' && c.weight > 0) ? h.behaviourSince : 0;
  const pace = w !== undefined && w.paceSince > 0 && anyContribution(fired, (c) => c.code === 'machine_pace' && c.weight > 0) ? w.paceSince : 0;
  if (objects === 0 && pace === 0) return undefined;
  const counted: string[] = [];
  if (pace > 0) counted.push(`${w!.pace} distinct sensitive objects in ${cfg.machine_pace.window_seconds}s since ${utcClock(pace)}`);
  if (objects > 0) counted.push(`${h.objects} sensitive objects touched since ${utcClock(objects)}`);
  const first = pace > 0 && (objects === 0 || pace <= objects);
  return { since: first ? pace : objects, code: first ? 'machine_pace' : 'sensitive_objects', counted: counted.join('; ') };
}

/**
 * The unfamiliar-namespace grace for this request's namespace (`ms`, before its first sighting,
 * that an authentication may come): `grace_seconds`, unless the namespace was first seen after a
 * sign-in that had already entered `grace_namespaces` other namespaces outside the working set
 * (WorkHistory.entered), or its count is unknown (the store dropped first sightings): one sign-in
 * is proof for the namespace an engineer opens after it (their new team's, an incident's), not for
 * every namespace malware on their laptop lists Secrets in once it is done. Then the namespace
 * needs a sign-in after its first sighting, and `spent` says why, for the caller and the audit.
 *
 * `noGrace`: none at all, a sign-in after the first sighting. For a delete, which cannot be taken
 * back; and for the cluster's Namespace objects (store.ts NAMESPACE_OBJECTS), one place however many
 * namespaces a change reaches: with a grace, malware that waits for the engineer's fresh sign-in
 * would relabel every namespace under it (sidecars off, a label an admission policy or a
 * NetworkPolicy selects by), where `grace_namespaces` held it to 5 namespaces while each was its
 * own place. Its cost is one sign-in per identity, the first time it changes a Namespace object
 * within the hour after a sign-in.
 *
 * Nor in a cluster the identity has never worked in (kubernetes.clusters; WorkHistory.clusterKnown
 * false: no name of that cluster in its working set): several clusters behind one gateway are a
 * managed-service provider's customers, and a grace that covers the next hour's new namespaces
 * wherever they are let a customer's engineer's fresh sign-in (or a token taken within that hour)
 * cover another customer's cluster they never sent a request to (day 34: brix's engineer into
 * sable's `payments-prod`). The first sensitive action in a cluster needs a sign-in after it, like
 * a delete; the namespaces after it in that cluster have the grace again. Without
 * `kubernetes.clusters` every name is of the one cluster and clusterKnown is always true.
 */
/**
 * Why a production namespace's Secret got no grace (`unfamiliar_namespace.grace_production_secrets`
 * false, Action.productionSecret): a sign-in covers the next hour's new namespaces whoever holds
 * it, and malware that waits for the engineer's fresh sign-in reads other teams' production
 * Secrets under it (days 7 and 33).
 */
/**
 * The history is old enough for a production Secret to lose the grace (`unfamiliar_kind.min_history_seconds`,
 * the maturity unfamiliar_kind waits for): a fresh server, a new engineer's first day and every
 * identity for that long after the upgrade keep the grace, since everything is new then and the
 * engineer's own first production Secret minutes after the morning's sign-in would be asked again.
 */
export function matureHistory(w: WorkHistory, nowMs: number, cfg: Signals): boolean {
  return nowMs - w.historySince >= cfg.unfamiliar_kind.min_history_seconds * 1000;
}

const NO_CLUSTER_SPENT = 'a cluster this identity has not worked in needs a sign-in after its first sighting';

export const PRODUCTION_SECRET_SPENT = "a production namespace's Secrets need a sign-in after its first sighting";

export function namespaceGrace(authTime: number | undefined, w: WorkHistory, cfg: Signals, noGrace: boolean, noGraceWhy?: string): { ms: number; spent?: string } {
  const u = cfg.unfamiliar_namespace;
  // Where the grace would have covered the sign-in, the caller is told why it does not (a cluster
  // never worked in first: that holds for every kind of action there).
  if (noGrace && noGraceWhy !== undefined && authTime !== undefined && w.namespaceSince > 0 && authTime < Math.floor(w.namespaceSince / 1000) && authTime * 1000 >= w.namespaceSince - u.grace_seconds * 1000) {
    return { ms: 0, spent: w.clusterKnown ? noGraceWhy : NO_CLUSTER_SPENT };
  }
  const ms = noGrace ? 0 : u.grace_seconds * 1000;
  // Only a sign-in in an earlier second than the first sighting needs the grace at all.
  if (ms === 0 || authTime === undefined || w.namespaceSince === 0 || authTime >= Math.floor(w.namespaceSince / 1000)) return { ms };
  // A cluster never worked in: no grace, and where the grace would have covered the sign-in, say why.
  if (!w.clusterKnown && authTime * 1000 >= w.namespaceSince - ms) return { ms: 0, spent: NO_CLUSTER_SPENT };
  if (w.entered < u.grace_namespaces) return { ms };
  // Inside a machine-pace run this sign-in answered (made after the run began, the run then
  // continued or resumed: machine_pace.resume_seconds), the namespaces are the engineer's own
  // script's (a Secret rotated in 25 namespaces, `kubectl label ns --all`): one sign-in covers the
  // rest of it, as it does for the pace. A run begun after the sign-in is no such run, so malware
  // starting its enumeration once the engineer has signed in still meets the count.
  if (w.paceSince > 0 && authTime >= Math.floor(w.paceSince / 1000)) return { ms };
  // Past the grace anyway: the sign-in is too old, whatever it entered.
  if (authTime * 1000 < w.namespaceSince - ms) return { ms };
  const at = utcClock(authTime * 1000);
  const spent =
    w.entered >= ENTERED_UNKNOWN
      ? `the namespaces entered since the sign-in at ${at} cannot be counted`
      : u.grace_namespaces === 0
        ? `no namespace is covered by a sign-in before its first sighting (grace_namespaces 0)`
        : `the ${ordinal(w.entered + 1)} namespace entered since the sign-in at ${at} (${u.grace_namespaces} allowed per sign-in)`;
  return { ms: 0, spent };
}

function ordinal(n: number): string {
  const t = n % 100;
  const s = t >= 11 && t <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${s}`;
}

/**
 * The requirement tightened to the context: at least the learning level (the proof that makes a
 * context known) and the bound's own level (assurance_downgrade), and max_age no longer than the time since the first sighting. Only ever tighter
 * than `r`.
 */
export function bindToContext(r: Requirement, b: ContextBound, nowMs: number, learnLevel: number): Requirement {
  const since = Math.max(0, Math.floor(nowMs / 1000) - b.authAfter);
  return {
    deny: r.deny,
    denyMessage: r.denyMessage,
    level: Math.max(r.level, learnLevel, b.level ?? r.level),
    maxAge: r.maxAge === undefined || since < r.maxAge ? since : r.maxAge,
    rules: [...r.rules, `risk:context`],
    sensitivity: r.sensitivity,
    byBand: r.byBand,
    authAfter: r.authAfter === undefined || b.authAfter > r.authAfter ? b.authAfter : r.authAfter,
    context: b.reason,
  };
}

/**
 * Discovery: what kubectl and client libraries fetch on their own before and between commands.
 * No activity of the caller's, so it counts toward no counter and no denial.
 */
export function isDiscovery(req: RequestAttributes): boolean {
  const k = req.kube;
  if (k === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  // A resource request's path has a resource after /api/<version> or /apis/<group>/<version>
  // (kube.ts), more than any pattern allows: nearly every request is answered here, without the
  // five indexOf calls below (~560 instructions a Check, bench/README.md perf30).
  if (k.isResourceRequest) return false;
  const p = k.path;
  // Every pattern but /openapi/ matches at most four slashes (`/apis/group/version/`).
  if (!p.startsWith('/openapi/') && moreSlashesThan(p, 4)) return false;
  return DISCOVERY.some((re) => re.test(p));
}

function moreSlashesThan(p: string, n: number): boolean {
  let at = -1;
  for (let seen = 0; seen <= n; seen++) {
    at = p.indexOf('/', at + 1);
    if (at < 0) return false;
  }
  return true;
}

const DISCOVERY = [/^\/api\/?$/, /^\/api\/[^/]+\/?$/, /^\/apis(\/[^/]+){0,2}\/?$/, /^\/version\/?$/, /^\/openapi\//];

/**
 * The object a sensitive request touches, as counted for the distinct-objects signal: resource
 * (with subresource), namespace and name (`*` for a list). Reads of one Secret many times are one
 * object; one read in each of 24 namespaces is 24.
 */
export function sensitiveObject(k: KubeRequestInfo | undefined, base: Requirement): string {
  if (base.sensitivity <= 0 || k === undefined || !k.isResourceRequest) return '';
  // A port-forward opens a tunnel: it reads nothing and runs nothing by itself (what is behind it
  // asks for its own credentials, which are Secrets). Tools open one per service at once (kubefwd,
  // Telepresence, an IDE's "forward all"), so a fan-out of tunnels is routine, not an enumeration.
  // It stays sensitive (its rule's freshness, the working set); it is just not counted as an object.
  if (k.resource === 'pods' && k.subresource === 'portforward') return '';
  if (specChange(k)) return '';
  const res = k.subresource === '' ? k.resource : `${k.resource}/${k.subresource}`;
  return `${k.apiGroup}|${res}|${k.namespace}|${k.name === '' ? '*' : helmRelease(k)}`;
}

/**
 * A read of one named object itself (get, list or watch of it by name; no subresource): what can be
 * a familiar read for machine pace. Writes, deletes, exec, attach, port-forward and proxies never
 * are: a pod's name changes with every rollout, a delete is never routine twice, and a shell or a
 * proxy runs or reaches something new each time. Neither is a list of a whole namespace, which
 * reads Secrets the identity may never have read one by one.
 */
export function isObjectRead(k: KubeRequestInfo): boolean {
  return (k.verb === 'get' || k.verb === 'list' || k.verb === 'watch') && k.name !== '' && k.subresource === '';
}

const HELM_RELEASE = 'sh.helm.release.v1.';

/**
 * Helm keeps each revision of a release as a Secret `sh.helm.release.v1.<release>.v<revision>`.
 * A `helm upgrade` of a release at its history limit (10 by default) deletes the oldest revision,
 * creates the next and updates the last two: four distinct Secrets within a second, which counted
 * as machine pace and refused the final update, leaving the release stuck in pending-upgrade. The
 * revisions of one release are one object here; other releases' records stay distinct.
 */
function helmRelease(k: KubeRequestInfo): string {
  const v = revisionAt(k);
  return v < 0 ? k.name : k.name.slice(0, v);
}

/** Where `.v<revision>` begins in a Helm release record's name, or -1 for any other object. */
function revisionAt(k: KubeRequestInfo): number {
  const name = k.name;
  if (k.resource !== 'secrets' || k.apiGroup !== '' || !name.startsWith(HELM_RELEASE)) return -1;
  const v = name.lastIndexOf('.v');
  if (v <= HELM_RELEASE.length || v + 2 >= name.length) return -1;
  for (let i = v + 2; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return v;
}

/**
 * A delete of one revision's record of a Helm release: Helm's own bookkeeping, which takes no
 * running workload or data with it. `helm upgrade` prunes the oldest revision at every run once at
 * its history limit, and `helm uninstall` deletes every revision kept (10 by default) besides the
 * chart's objects, so counted as deletes they put an ordinary uninstall over the burst threshold
 * and refused it halfway. They stay sensitive Secrets for their rule and for pace (one object per
 * release).
 */
export function isHelmRevisionDelete(k: KubeRequestInfo): boolean {
  return k.verb === 'delete' && revisionAt(k) >= 0;
}

/** Subresources whose writes change an object's spec or status, not read or run anything. */
const SPEC_SUBRESOURCES = new Set(['', 'status', 'scale', 'eviction']);

/**
 * A write that changes how an object is specified (a Deployment patched, a ConfigMap updated, a
 * Job created, a pod evicted). `kubectl apply -f dir/`, `kubectl rollout restart deploy -n …`, a
 * release train and a node drain make many of these at once: counted as distinct sensitive
 * objects, one restart of a production namespace's eight Deployments went over machine pace and
 * sensitive_objects together, which reached `critical` and was refused (day 6). Such a write stays
 * sensitive (its rule's freshness, the bands, the working set); it is just not counted as an
 * object. What reads or runs stays counted: Secrets (read or written), shells (exec, attach,
 * ephemeral containers, a proxy into a pod), a bare Pod created (it runs whatever it is given),
 * tokens minted, and deletes (their own counter, and machine pace).
 */
function specChange(k: KubeRequestInfo): boolean {
  if (k.verb !== 'create' && k.verb !== 'update' && k.verb !== 'patch') return false;
  if (!SPEC_SUBRESOURCES.has(k.subresource)) return false;
  if (k.apiGroup === '' && (k.resource === 'secrets' || (k.resource === 'pods' && k.subresource === '' && k.verb === 'create'))) return false;
  return true;
}

/** What the engineer is told they have not done before, per `unfamiliar_kind` kind ("you have not … before"). */
const DONE_BEFORE: Record<ActionKind, string> = {
  secret_read: 'read Secrets',
  pod_shell: 'opened a shell or tunnel into a pod',
  proxy: "reached a pod's or Service's endpoints through the API server's proxy",
  pod_copy: 'copied files or a database out of or into a pod',
  database_copy: "dumped a database or copied a database's files out of a pod",
  production_tunnel: 'opened a port-forward into a production namespace',
  production_secret_read: 'read Secrets in a production namespace',
};
