import type { Config } from '../config/schema.js';
import { Responder } from '../decision/respond.js';
import { compileAssurance, type AssuranceModel } from '../core/assurance.js';
import type { FetchFn } from '../identity/jwks.js';
import { TokenVerifier, type VerifierOptions } from '../identity/verifier.js';
import { AccessProxy } from '../identity/access-proxy.js';
import { compileGlobList, compileHostMatcher, type HostMatcher } from '../core/glob.js';
import { compilePolicy, type Policy } from '../policy/policy.js';
import { compileAccessWindows, type AccessWindows } from '../policy/access-windows.js';
import type { HeaderLimits } from '../request/headers.js';
import { RiskEngine } from '../risk/engine.js';
import { MemoryStateStore } from '../state/memory.js';
import type { ApprovalStore, ChallengeStore, StateStore, StoreLimits } from '../state/store.js';
import { compileGuardrails, type GuardrailSettings } from '../guardrails/settings.js';
import { SessionIdentities } from '../identity/session.js';
import { derivedKeys, parseKeyList } from '../cookies/keys.js';
import { StepUpLinks } from '../cookies/stepup-link.js';
import { DeviceCookies } from '../cookies/device-cookie.js';
import { SessionCodec } from '../cookies/session.js';
import { IncidentBoard } from '../incident/board.js';
import { ConsoleSessions } from './console-sessions.js';
import { SenderBindings } from '../identity/sender-binding.js';
import { CertificateThumbprints } from '../identity/certificate-thumbprint.js';
import { DpopNonces } from '../identity/dpop-nonce.js';
import { MemoryProofReplay } from '../state/proof-replay.js';

export interface RuntimeDeps {
  fetch: FetchFn;
  now: () => number;
  env: NodeJS.ProcessEnv;
  onJwksRefresh?: (issuer: string, outcome: 'ok' | 'error', detail: string, elapsedMs: number) => void;
  aroundJwksRefresh?: (issuer: string, refresh: () => Promise<void>) => Promise<void>;
  /**
   * Opens the configured state store. Without it the risk engine keeps its state in local memory
   * (`stepgate explain`, tests of pure decisions).
   */
  openStateStore?: (config: Config, limits: StoreLimits) => StateStore;
  /** Told about every state store failure, with the store's kind; must not throw. */
  onStateError?: (store: string, err: unknown) => void;
  /** Builds the token verifier; `stepgate explain --claims` puts its hand-written claims there. */
  verifier?: (config: Config, assurance: AssuranceModel, opts: VerifierOptions) => TokenVerifier;
}

/** The risk engine's state: kept across reloads while nothing it was built from changes. */
export interface RiskState {
  readonly store: StateStore;
  /** Local memory for `on_state_error: degrade` while the shared store is down. */
  readonly fallback: StateStore;
  /** What the stores were opened from. */
  readonly key: string;
  /**
   * The local mirror of incidents, revocations (issue 15) and step-up sign-outs; undefined
   * without `incident` and without `stepup.session`.
   */
  readonly board?: IncidentBoard | undefined;
}

/**
 * Everything compiled from one configuration. Built once and never mutated, so a reload can
 * build a new one and swap a single reference while in-flight checks finish on the old one.
 */
export interface Runtime {
  readonly config: Config;
  readonly assurance: AssuranceModel;
  readonly policy: Policy;
  readonly verifier: TokenVerifier;
  readonly responder: Responder;
  readonly kubeHosts: HostMatcher;
  /** The step-up session cookie as an identity; undefined without `stepup.session`. */
  readonly sessions: SessionIdentities | undefined;
  /** Seals session cookies for the step-up callback; undefined without `stepup.session`. */
  readonly sessionCodec: SessionCodec | undefined;
  /** Signs and checks the device cookie a completed step-up leaves in the browser (with `stepup.session`). */
  readonly deviceCookies: DeviceCookies | undefined;
  /**
   * MACs the step-up link a Check answers a browser with and checks it on the step-up page
   * (cookies/stepup-link.ts); undefined without `stepup.session` (no cookie key list).
   */
  readonly stepUpLinks?: StepUpLinks | undefined;
  readonly headerLimits: HeaderLimits;
  /** limits.max_body_bytes: a larger body is dropped and marked truncated. */
  readonly maxBodyBytes: number;
  /** Undefined without a guardrails section. */
  readonly guardrails: GuardrailSettings | undefined;
  readonly now: () => number;
  /** Undefined when `risk` is absent or disabled. */
  readonly risk: RiskEngine | undefined;
  readonly riskState: RiskState | undefined;
  /** Pending approvals for automation, in the state store; undefined without `automation`. */
  readonly approvals: ApprovalStore | undefined;
  /** The last step-up challenge per credential, for the kubectl plugin; undefined when `kubernetes.challenge_ttl_seconds` is 0. */
  readonly challenges: ChallengeStore | undefined;
  /** Incidents and revocations (issue 15); undefined without `incident`. */
  readonly incidents: IncidentBoard | undefined;
  /**
   * What the Check asks whether a verified credential was revoked or its step-up session signed
   * out: the same board as `incidents` with incident mode, and with `stepup.session` alone a board
   * that only holds sign-outs. Undefined with neither.
   */
  readonly revocations: IncidentBoard | undefined;
  /** Who may use the gateway only within dated windows (`access_windows`); undefined without the key. */
  readonly accessWindows: AccessWindows | undefined;
  /** The access proxy's signed assertion, compared with the credential's user; undefined without `access_proxy`. */
  readonly accessProxy: AccessProxy | undefined;
  /**
   * OpenShift console session cookies bound to the stepgate identity that first presented them
   * (pipeline/console-sessions.ts); undefined without a state store (no `kubernetes.proxies` and
   * nothing else that opens one).
   */
  readonly consoleSessions: ConsoleSessions | undefined;
  /** What `accessProxy` was built from (buildRuntime compares it on reload). */
  readonly accessProxyKey?: string;
  /** Sender-constrained tokens' proofs (DPoP, client certificate), checked per request. */
  readonly senderBindings: SenderBindings;
  /**
   * This replica's memory of DPoP proofs seen, kept across reloads (a reload must not let a
   * proof be replayed), and the certificates' thumbprints.
   */
  readonly proofReplay: MemoryProofReplay;
  readonly certificateThumbprints: CertificateThumbprints;
}

/**
 * `previous` lets a reload keep the token cache and the fetched keys when nothing they depend on
 * changed: a policy edit must not cost every cached token a new signature check.
 */
export function buildRuntime(config: Config, deps: RuntimeDeps, previous?: Runtime): Runtime {
  const assurance = compileAssurance(config.assurance.levels);
  const verifier =
    previous && verifierInputs(previous.config) === verifierInputs(config)
      ? previous.verifier
      : deps.verifier
        ? deps.verifier(config, assurance, deps)
        : new TokenVerifier(config, assurance, deps);
  const session = config.stepup.session;
  const cookieKeys = session ? parseKeyList(deps.env[session.keys_env], session.keys_env) : undefined;
  const sessionCodec = session && cookieKeys ? new SessionCodec(session, cookieKeys) : undefined;
  const deviceCookies = session && cookieKeys ? new DeviceCookies(cookieKeys, session.domain) : undefined;
  const stepUpLinks = cookieKeys ? new StepUpLinks(cookieKeys) : undefined;
  const sessions = sessionCodec ? new SessionIdentities(sessionCodec, verifier, assurance, config, deps.now) : undefined;
  const riskState = buildRiskState(config, deps, previous);
  // Kept across a reload that changes neither it nor the proxies' list: its verified assertions
  // and fetched keys stay valid.
  const subjectClaims = new Map(config.issuers.map((i) => [i.issuer, i.subject_claim]));
  const proxyKey = JSON.stringify([config.access_proxy ?? null, config.network.xff_trusted_cidrs, config.server.trusted_proxies, [...subjectClaims]]);
  const accessProxy =
    config.access_proxy === undefined
      ? undefined
      : previous?.accessProxy !== undefined && previous.accessProxyKey === proxyKey
        ? previous.accessProxy
        : new AccessProxy(config.access_proxy, { fetch: deps.fetch, now: deps.now, trustedCidrs: config.network.xff_trusted_cidrs, frontProxies: config.server.trusted_proxies, subjectClaims, onJwksRefresh: deps.onJwksRefresh });
  const gated = gatedHostsOf(config);
  const proofReplay = previous?.proofReplay ?? new MemoryProofReplay(deps.now);
  const certificateThumbprints = previous?.certificateThumbprints ?? new CertificateThumbprints();
  // The shared store remembers proofs for every replica; without one (or with the memory store),
  // this replica's memory does.
  const shared = riskState?.store.kind === 'redis' ? riskState.store : undefined;
  // RFC 9449 §8 nonces from the cookie key list every replica shares (the schema asks for
  // stepup.session with nonce: required), one window per max_age_seconds.
  const dpop = config.sender_constrained.dpop;
  const dpopNonces = dpop.enabled && dpop.nonce === 'required' && cookieKeys ? new DpopNonces(derivedKeys(cookieKeys, 'dpop-nonce'), dpop.max_age_seconds * 1000, deps.now) : undefined;
  const senderBindings = new SenderBindings({
    config: config.sender_constrained,
    replay: shared === undefined ? proofReplay : { claim: (key, ttlMs, nowMs) => shared.control.once(key, ttlMs, nowMs) },
    fallback: proofReplay,
    onStateError: config.state.on_state_error,
    onStoreError: deps.onStateError && shared !== undefined ? (err) => deps.onStateError!(shared.kind, err) : undefined,
    now: deps.now,
    certificates: certificateThumbprints,
    nonces: dpopNonces,
  });
  // Revocations drop cached verifications from the verifier in force.
  if (riskState?.board) riskState.board.caches = verifier;
  const risk =
    riskState && config.risk?.enabled
      ? new RiskEngine({
          risk: config.risk,
          network: config.network,
          onStateError: config.state.on_state_error,
          assurance,
          store: riskState.store,
          fallback: riskState.fallback,
          onStoreError: deps.onStateError && ((err) => deps.onStateError!(riskState.store.kind, err)),
          deviceCookies,
          shadow: config.mode === 'shadow' || config.risk.mode === 'shadow',
        })
      : undefined;
  return Object.freeze({
    config,
    assurance,
    sessions,
    sessionCodec,
    deviceCookies,
    stepUpLinks,
    risk,
    riskState,
    // Always the shared store, never the degrade fallback: an approval seen by one replica only is no approval.
    approvals: config.automation?.approver ? riskState?.store.approvals : undefined,
    // The shared store too: the plugin's question may reach another replica than the 401 came from.
    challenges: config.kubernetes.challenge_ttl_seconds > 0 ? riskState?.store.challenges : undefined,
    incidents: config.incident ? riskState?.board : undefined,
    revocations: riskState?.board,
    accessWindows: compileAccessWindows(config),
    accessProxy,
    accessProxyKey: proxyKey,
    senderBindings,
    proofReplay,
    certificateThumbprints,
    // The shared store: a console session is used through every replica.
    consoleSessions:
      riskState === undefined
        ? undefined
        : new ConsoleSessions({
            store: riskState.store.consoleSessions,
            fallback: riskState.fallback.consoleSessions,
            onStateError: config.state.on_state_error,
            ttlMs: config.kubernetes.console_session_seconds * 1000,
            onStoreError: deps.onStateError && ((err) => deps.onStateError!(riskState.store.kind, err)),
          }),
    policy: compilePolicy(config, assurance),
    verifier,
    responder: new Responder(config, assurance, dpopNonces, stepUpLinks),
    kubeHosts: compileHostMatcher(config.kubernetes.hosts, config.kubernetes.proxies, config.kubernetes.clusters, config.kubernetes.web_apis, config.kubernetes.unlisted_api_requests),
    headerLimits: Object.freeze({
      maxHeaderBytes: config.limits.max_header_bytes,
      maxTotalHeaderBytes: config.limits.max_total_header_bytes,
    }),
    maxBodyBytes: config.limits.max_body_bytes,
    guardrails: compileGuardrails(config.guardrails, assurance, config.mode === 'shadow', gated.hosts, gated.matches, config.risk?.signals.unfamiliar_namespace.environments),
    now: deps.now,
  });
}

/** Everything a cached Identity was computed from. */
function verifierInputs(c: Config): string {
  // Sessions share the caches: a changed key list or IdP must not keep serving cached sessions.
  // `automation` too: whether an identity is automation is decided when it is cached; and whether a
  // sender-constrained token is accepted at all (its binding is cached with it).
  return JSON.stringify([c.issuers, c.assurance, c.identity_headers, c.token_cache, c.stepup.oidc?.issuer, c.stepup.session, c.automation, c.sender_constrained.dpop.enabled, c.sender_constrained.certificate.enabled]);
}

/** Store limits come from the risk signals' windows and the state settings. */
export function storeLimits(config: Config): StoreLimits | undefined {
  const r = config.risk;
  if (!r || !r.enabled) return undefined;
  const s = r.signals;
  return {
    windows: {
      requests: s.request_rate.window_seconds,
      sensitive: s.sensitive_rate.window_seconds,
      denials: s.denials.window_seconds,
      namespaces: s.namespaces.window_seconds,
    },
    knownTtlSeconds: r.known_ttl_seconds,
    provenTtlSeconds: r.proven_ttl_seconds,
    maxKnownPerSubject: r.max_known_per_subject,
    // A session's last client family matters while its token can live; 12 h bounds it.
    sessionTtlSeconds: 43_200,
    maxNamespacesTracked: Math.max(64, s.namespaces.threshold + 1),
    behaviour: {
      objectsWindow: s.sensitive_objects.window_seconds,
      objectsThreshold: s.sensitive_objects.threshold,
      destructiveWindow: s.destructive.window_seconds,
      destructiveThreshold: s.destructive.threshold,
    },
    paceWindow: s.machine_pace.window_seconds,
    paceThreshold: s.machine_pace.threshold,
    paceResume: s.machine_pace.resume_seconds,
    familiar: { ttlSeconds: s.machine_pace.familiar_seconds, max: s.machine_pace.familiar_objects },
  };
}

/**
 * Limits for a store opened only for approvals, challenges, console sessions or DPoP proofs (without the risk engine): observe is
 * never called on it, so these only need to be valid.
 */
const APPROVALS_ONLY_LIMITS: StoreLimits = Object.freeze({
  windows: Object.freeze({ requests: 60, sensitive: 60, denials: 300, namespaces: 600 }),
  knownTtlSeconds: 60,
  maxKnownPerSubject: 1,
  sessionTtlSeconds: 60,
  maxNamespacesTracked: 64,
  behaviour: Object.freeze({ objectsWindow: 60, objectsThreshold: 1, destructiveWindow: 60, destructiveThreshold: 1 }),
  paceWindow: 60,
  paceThreshold: 1,
});

/** Without `incident`, the sign-out mirror uses incident mode's defaults (sync_interval_ms, max_staleness_ms). */
const SIGNOUT_SYNC_MS = 250;
const SIGNOUT_MAX_STALENESS_MS = 3000;

/**
 * DPoP proofs' `jti` go to the shared store whenever there is one (identity/sender-binding.ts): a
 * site of several replicas with `state.store: redis` and nothing else that opens it (no risk, no
 * sessions, the plugin's challenge memory off) would otherwise remember each proof per replica,
 * and a proof copied off the wire would be good once on each.
 */
function sharedProofs(config: Config): boolean {
  return config.state.store === 'redis' && config.sender_constrained.dpop.enabled;
}

function buildRiskState(config: Config, deps: RuntimeDeps, previous: Runtime | undefined): RiskState | undefined {
  const limits =
    storeLimits(config) ??
    (config.automation?.approver || config.incident || config.stepup.session || config.kubernetes.challenge_ttl_seconds > 0 || config.kubernetes.proxies.length > 0 || sharedProofs(config)
      ? APPROVALS_ONLY_LIMITS
      : undefined);
  if (!limits) return undefined;
  const key = JSON.stringify([config.state, limits, config.incident ?? null, config.stepup.session !== undefined]);
  if (previous?.riskState?.key === key) return previous.riskState;
  const memory = () => new MemoryStateStore(limits, { maxSubjects: config.state.memory.max_subjects });
  const store = deps.openStateStore ? deps.openStateStore(config, limits) : memory();
  const inc = config.incident;
  let board: IncidentBoard | undefined;
  // Sign-outs (POST /.stepgate/signout) live in the same store and mirror as revocations: the
  // board exists whenever there are step-up sessions to sign out of, incident mode or not.
  if (inc || config.stepup.session) {
    board = new IncidentBoard({
      store: store.control,
      now: deps.now,
      shared: store.kind !== 'memory',
      syncIntervalMs: inc?.sync_interval_ms ?? SIGNOUT_SYNC_MS,
      maxStalenessMs: inc?.max_staleness_ms ?? SIGNOUT_MAX_STALENESS_MS,
      onError: deps.onStateError && ((err) => deps.onStateError!(store.kind, err)),
      incidentMode: inc !== undefined,
      staleSessions: config.state.on_state_error,
    });
    void board.start();
  }
  return Object.freeze({ store, fallback: store.kind === 'memory' ? store : memory(), key, board });
}

/**
 * The hosts stepgate checks that a route object must not name (guardrail gated_host_route): the
 * API server's, the dashboards' that pass the API through or answer it for the user
 * (kubernetes.web_apis), and the step-up page's, which no CUSTOM policy covers.
 */
function gatedHostsOf(config: Config): { hosts: string[]; matches: (host: string) => boolean } {
  const hosts = [...config.kubernetes.hosts, ...config.kubernetes.proxies.flatMap((p) => p.hosts), ...config.kubernetes.web_apis.flatMap((w) => w.hosts)];
  if (config.stepup.url !== undefined) hosts.push(new URL(config.stepup.url).hostname);
  const lower = [...new Set(hosts.map((h) => h.toLowerCase()))];
  return { hosts: lower, matches: lower.length === 0 ? () => false : compileGlobList(lower, '.') };
}
