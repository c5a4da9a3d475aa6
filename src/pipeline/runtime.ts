import type { Config } from '../config/schema.js';
import { Responder } from '../decision/respond.js';
import { compileAssurance, type AssuranceModel } from '../identity/assurance.js';
import type { FetchFn } from '../identity/jwks.js';
import { TokenVerifier } from '../identity/verifier.js';
import { compileHostMatcher, type HostMatcher } from '../policy/glob.js';
import { compilePolicy, type Policy } from '../policy/policy.js';
import type { HeaderLimits } from '../request/headers.js';
import { SessionIdentities } from '../identity/session.js';
import { parseKeyList } from '../stepup/keys.js';
import { SessionCodec } from '../stepup/session.js';

export interface RuntimeDeps {
  fetch: FetchFn;
  now: () => number;
  env: NodeJS.ProcessEnv;
  onJwksRefresh?: (issuer: string, outcome: 'ok' | 'error', detail: string, elapsedMs: number) => void;
  aroundJwksRefresh?: (issuer: string, refresh: () => Promise<void>) => Promise<void>;
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
  readonly headerLimits: HeaderLimits;
  readonly now: () => number;
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
      : new TokenVerifier(config, assurance, deps);
  const session = config.stepup.session;
  const sessionCodec = session ? new SessionCodec(session, parseKeyList(deps.env[session.keys_env], session.keys_env)) : undefined;
  const sessions = sessionCodec ? new SessionIdentities(sessionCodec, verifier, assurance, config, deps.now) : undefined;
  return Object.freeze({
    config,
    assurance,
    sessions,
    sessionCodec,
    policy: compilePolicy(config, assurance),
    verifier,
    responder: new Responder(config, assurance),
    kubeHosts: compileHostMatcher(config.kubernetes.hosts),
    headerLimits: Object.freeze({
      maxHeaderBytes: config.limits.max_header_bytes,
      maxTotalHeaderBytes: config.limits.max_total_header_bytes,
    }),
    now: deps.now,
  });
}

/** Everything a cached Identity was computed from. */
function verifierInputs(c: Config): string {
  // Sessions share the caches: a changed key list or IdP must not keep serving cached sessions.
  return JSON.stringify([c.issuers, c.assurance, c.identity_headers, c.token_cache, c.stepup.oidc?.issuer, c.stepup.session]);
}
