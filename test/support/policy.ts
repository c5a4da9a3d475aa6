import { parseConfig } from '../../src/config/load.js';
import { KUBE_TEST_BASE } from './guardrails.js';
import { compileAssurance } from '../../src/core/assurance.js';
import type { Identity } from '../../src/core/identity.js';
import { compilePolicy } from '../../src/policy/policy.js';
import type { RequestAttributes } from '../../src/request/attributes.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { normalisePath } from '../../src/request/path.js';

/**
 * A request as the policy sees it, without the gRPC server: `target` on `host`, read as a
 * Kubernetes API request when `kubeHost` says the host is the API server's.
 */
export function kubeReq(method: string, target: string, host = 'kube.test', kubeHost = (h: string): boolean => h === 'kube.test'): RequestAttributes {
  const p = normalisePath(target);
  if (!p.ok) throw new Error(p.problem);
  return {
    method,
    target,
    path: p.path,
    query: p.query,
    host,
    authority: host,
    scheme: 'https',
    headers: new Map(),
    spoofedIdentityHeaders: [],
    sourceAddress: '',
    clientResolved: false,
    sourcePrincipal: '',
    contextExtensions: {},
    kube: kubeHost(host) ? kubeRequestInfo(method, p.path, p.query, () => undefined) : undefined,
    body: undefined,
    bodyTruncated: false,
  };
}

/** A signed-in engineer at the weakest level, for rule matching (the policy does not look at time). */
export const who = (groups: string[] = []): Identity => ({
  subject: 'alice',
  session: '',
  issuer: 'https://idp.test',
  groups,
  acr: 'a1',
  amr: [],
  authTime: 0,
  expiresAt: Infinity,
  level: 0,
  levelName: 'aal1',
  upstreamHeaders: [],
});

/** A policy of `rules` (YAML list items, indented four) on three levels, from file `p.yaml`. */
export function policyOf(rules: string, def = '{require: aal1, max_age: 3600}') {
  const cfg = parseConfig(`${KUBE_TEST_BASE}policy:\n  default: ${def}\n  rules:\n${rules}`, 'p.yaml');
  const assurance = compileAssurance(cfg.assurance.levels);
  return { policy: compilePolicy(cfg, assurance), assurance };
}
