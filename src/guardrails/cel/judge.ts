import { performance } from 'node:perf_hooks';
import type { KubeRequestInfo } from '../../request/kube.js';
import type { UnreadableOutcome } from '../../config/guardrail-codes.js';
import { mediaType, parseBody, type ParsedBody } from '../parse.js';
import type { ClusterPolicies } from '../settings.js';
import type { Violation } from '../types.js';
import { judgeClusterPolicies, operationOf } from './evaluate.js';
import { kindOfResource } from './kinds.js';
import { isClusterScoped } from '../../policy/policy.js';

export interface ClusterPolicyOutcome {
  violations: Violation[];
  /** The body could not be read and at least one policy may apply to the request. */
  unreadable?: { outcome: UnreadableOutcome; detail: string };
}

const NOTHING: ClusterPolicyOutcome = Object.freeze({ violations: [] });

/** Whether the cluster policies look at this request at all: writes with a body, and deletes. */
export function isJudged(policies: ClusterPolicies | undefined, kube: KubeRequestInfo): boolean {
  return policies !== undefined && policies.rules.length > 0 && operationOf(kube) !== undefined;
}

/**
 * The cluster policies' verdict on one request. The body is decoded as the built-in guardrails
 * decode it (JSON, YAML, protobuf, every patch type); a body that cannot be decoded, for a request
 * some policy may apply to, is an unreadable body, never an empty object that passes.
 */
export function checkClusterPolicies(
  policies: ClusterPolicies,
  kube: KubeRequestInfo,
  body: Uint8Array | string | undefined,
  contentType: string | undefined,
  truncated: boolean,
  compressed: boolean,
  clock: () => number = () => performance.now(),
  missing = false,
): ClusterPolicyOutcome {
  const operation = operationOf(kube);
  if (operation === undefined) return NOTHING;
  let parsed: ParsedBody | undefined;
  if (operation !== 'DELETE') {
    parsed = missing
      ? decode(undefined, contentType, false, kube.verb, true)
      : compressed
        ? { ok: false, outcome: 'body_unreadable', detail: 'compressed bodies (content-encoding) are not inspected' }
        : decode(body, contentType, truncated, kube.verb, false);
    if (!parsed.ok) {
      // Judged by what the URL shows: the kind of the resource, no labels.
      const input = {
        operation,
        apiGroup: kube.apiGroup,
        apiVersion: kube.apiVersion,
        resource: kube.resource,
        subresource: kube.subresource,
        kind: kindOfResource(kube.apiGroup, kube.resource) ?? '',
        namespace: kube.namespace,
        name: kube.name,
        clusterScoped: isClusterScoped(kube.apiGroup, kube.resource),
        labels: undefined,
      };
      if (!policies.rules.some((r) => r.matches(input))) return NOTHING;
      return { violations: [], unreadable: { outcome: parsed.outcome, detail: parsed.detail } };
    }
  }
  const protobuf = mediaType(contentType) === 'application/vnd.kubernetes.protobuf';
  const limits = { maxCost: policies.maxCost, maxMillis: policies.maxMillis, clock };
  let violations: Violation[];
  try {
    violations = judgeClusterPolicies(policies.rules, kube, operation, parsed, limits, protobuf);
  } catch (err) {
    // Not expected (evaluation errors are values); should a library bug throw, the request is
    // unreadable for the cluster policies, never judged as passing and never an internal error.
    const why = err instanceof Error ? err.name : 'error';
    return { violations: [{ code: 'cluster_policy_unreadable', detail: `the cluster policies could not be evaluated (${why})` }] };
  }
  return violations.length > 0 ? { violations } : NOTHING;
}

function decode(body: Uint8Array | string | undefined, contentType: string | undefined, truncated: boolean, verb: string, missing: boolean): ParsedBody {
  try {
    return parseBody(body, contentType, truncated, verb, missing);
  } catch (err) {
    return { ok: false, outcome: 'body_unreadable', detail: `the body could not be decoded (${err instanceof Error ? err.name : 'error'})` };
  }
}
