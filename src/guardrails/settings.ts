import type { GuardrailEffectConfig, GuardrailsConfig } from '../config/schema.js';
import type { AssuranceModel } from '../identity/assurance.js';
import { compileGlobList, type StringMatcher } from '../policy/glob.js';
import { GUARDRAIL_CODES, UNREADABLE_KEY, type GuardrailCode } from './codes.js';

/** What one guardrail asks for when it is violated. `level` is a rank, -1 for none. */
export interface CompiledEffect {
  readonly deny: boolean;
  readonly level: number;
  readonly maxAge: number | undefined;
  readonly risk: number;
  /** `mode: shadow`: reported as what it would ask, never enforced. */
  readonly shadow: boolean;
}

export type EffectKey = GuardrailCode | typeof UNREADABLE_KEY;

/**
 * The guardrails section compiled once per configuration (like the policy), so inspecting a
 * request does no config interpretation.
 */
export interface GuardrailSettings {
  readonly enabled: boolean;
  /** Undefined when no allowlist is configured (the registry guardrail is then inactive). */
  readonly registryAllowed: ((registry: string, repository: string) => boolean) | undefined;
  readonly protectedNamespace: StringMatcher;
  readonly deleteProtectedNamespace: StringMatcher;
  /** Upper-case, without a CAP_ prefix. */
  readonly dangerousCapabilities: ReadonlySet<string>;
  /** cluster-admin and the configured names. */
  readonly dangerousClusterRoles: ReadonlySet<string>;
  /** The effect of `key` for an object in `namespace` ('' for cluster-scoped); undefined when off. */
  effectFor(key: EffectKey, namespace: string): CompiledEffect | undefined;
}

/** Five minutes: long enough to finish one change, short enough that a stolen session ages out. */
export const CONSERVATIVE_MAX_AGE = 300;

const NEVER: StringMatcher = () => false;

function globsOrNever(patterns: readonly string[]): StringMatcher {
  return patterns.length === 0 ? NEVER : compileGlobList(patterns, null);
}

export function normaliseCapability(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u.slice(4) : u;
}

export function compileGuardrails(cfg: GuardrailsConfig | undefined, assurance: AssuranceModel, globalShadow = false): GuardrailSettings | undefined {
  if (cfg === undefined) return undefined;
  const allShadow = globalShadow || cfg.mode === 'shadow';
  const compile = (e: GuardrailEffectConfig): CompiledEffect =>
    Object.freeze({
      deny: e.deny === true,
      level: e.require !== undefined ? assurance.rank(e.require) : -1,
      maxAge: e.max_age,
      risk: e.risk ?? 0,
      shadow: allShadow || e.mode === 'shadow',
    });
  // Without an explicit effect, a violation needs the strongest level, recently: a guardrail
  // nobody tuned must not be weaker than one that was.
  const strongest: CompiledEffect = Object.freeze({ deny: false, level: assurance.names.length - 1, maxAge: CONSERVATIVE_MAX_AGE, risk: 0, shadow: allShadow });
  const fallback = cfg.default_effect ? compile(cfg.default_effect) : strongest;
  const base = new Map<EffectKey, CompiledEffect | undefined>();
  for (const code of GUARDRAIL_CODES) {
    const e = cfg.effects[code];
    base.set(code, e === 'off' ? undefined : e ? compile(e) : fallback);
  }
  const unreadable = cfg.effects[UNREADABLE_KEY];
  base.set(
    UNREADABLE_KEY,
    unreadable === 'off' ? undefined : unreadable ? compile(unreadable) : cfg.unreadable_body ? compile(cfg.unreadable_body) : strongest,
  );
  const overrides = cfg.namespaces.map((n) => ({
    matches: compileGlobList(n.match, null),
    effects: new Map(
      Object.entries(n.effects).map(([k, e]) => [k as EffectKey, e === 'off' || e === undefined ? undefined : compile(e)] as const),
    ),
  }));

  const registryAllowed = compileRegistries(cfg.allowed_registries);
  return Object.freeze({
    enabled: cfg.enabled,
    registryAllowed,
    protectedNamespace: globsOrNever(cfg.protected_namespaces),
    deleteProtectedNamespace: globsOrNever(cfg.delete_protected_namespaces),
    dangerousCapabilities: new Set(cfg.dangerous_capabilities.map(normaliseCapability)),
    dangerousClusterRoles: new Set(['cluster-admin', ...cfg.dangerous_cluster_roles]),
    effectFor(key: EffectKey, namespace: string) {
      // The first override whose namespaces match and that names this guardrail decides.
      for (const o of overrides) {
        if (o.effects.has(key) && o.matches(namespace)) return o.effects.get(key);
      }
      return base.get(key);
    },
  });
}

/**
 * Entries without '/' are registry host globs (`registry.example.com`, `*.gcr.io`); entries with
 * '/' are repository prefixes at a path boundary (`ghcr.io/example` allows `ghcr.io/example/app`
 * but not `ghcr.io/example-evil/app`).
 */
function compileRegistries(entries: readonly string[]): GuardrailSettings['registryAllowed'] {
  if (entries.length === 0) return undefined;
  const hosts = entries.filter((e) => !e.includes('/')).map((e) => e.toLowerCase());
  // Registry hosts are case-insensitive, repository paths are not.
  const prefixes = entries
    .filter((e) => e.includes('/'))
    .map((e) => e.replace(/\/+$/, ''))
    .map((e) => `${e.slice(0, e.indexOf('/')).toLowerCase()}${e.slice(e.indexOf('/'))}`);
  const host = hosts.length ? compileGlobList(hosts, '.') : NEVER;
  return (registry, repository) => {
    if (host(registry)) return true;
    const full = `${registry}/${repository}`;
    return prefixes.some((p) => full === p || full.startsWith(`${p}/`));
  };
}
