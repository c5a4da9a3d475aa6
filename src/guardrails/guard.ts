import type { RequestAttributes } from '../request/attributes.js';
import { checkClusterPolicies, isJudged } from './cel/judge.js';
import { guardrailContribution, type GuardrailContribution } from './effect.js';
import { inspect, inspectGitopsWrite, isInspected } from './inspect.js';
import { checkExecCommand } from './rules/commands.js';
import { checkCrossSite, isCrossSite } from './rules/cross-site.js';
import { checkImpersonation, hasImpersonation } from './rules/impersonation.js';
import type { GuardrailSettings } from './settings.js';
import { NO_VIOLATIONS, type GuardrailResult } from './types.js';

const WRITES = new Set(['create', 'update', 'patch']);

export interface GuardrailOutcome {
  result: GuardrailResult;
  contribution: GuardrailContribution;
}

/**
 * The one entry point for a request: the pipeline calls it after `policy.evaluate`, and
 * `stepgate explain` calls it too, so both see the same guardrails. Undefined when guardrails are
 * not configured or the request is neither a write they inspect nor impersonating (the common
 * case, and allocation-free).
 */
export function checkGuardrails(settings: GuardrailSettings | undefined, req: RequestAttributes): GuardrailOutcome | undefined {
  const kube = req.kube;
  if (settings === undefined || !settings.enabled) return undefined;
  if (kube === undefined) return req.gitopsWrite === undefined ? undefined : gitopsOutcome(settings, req);
  // Impersonation is judged on every Kubernetes request (a `get secrets` as system:masters too);
  // the body only for inspected writes.
  const impersonating = hasImpersonation(req.headers);
  // The browser's Fetch Metadata, on every Kubernetes request too (a read through a local proxy).
  const crossSite = isCrossSite(req.headers);
  const inspected = isInspected(kube);
  const judged = isJudged(settings.clusterPolicies, kube);
  // An exec's command is in its query, whichever verb (SPDY's POST, WebSocket's GET) carries it.
  const exec = kube.subresource === 'exec' && kube.resource === 'pods' && kube.apiGroup === '' ? checkExecCommand(req.query) : undefined;
  if (!inspected && !impersonating && !crossSite && !judged && exec === undefined && req.unseen === undefined) return undefined;
  const encoding = req.headers.get('content-encoding');
  const compressed = encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity' && WRITES.has(kube.verb);
  // Missing only when the adapter could tell that the gateway sends no bodies (server/grpc/check.ts).
  const missing = req.bodyMissing === true && req.body === undefined && !req.bodyTruncated;
  const type = req.bodyType ?? req.headers.get('content-type');
  let result: GuardrailResult = !inspected
    ? NO_VIOLATIONS
    : inspect(kube, compressed ? undefined : req.body, type, req.bodyTruncated, settings, missing, req.headers.get('user-agent'));
  // A compressed body is not read; what the request line alone shows (admission configuration,
  // a system namespace) still counts. With no body at all there is nothing compressed to read.
  if (compressed && !missing && result.unreadable !== undefined) {
    result = { ...result, unreadable: 'body_unreadable', unreadableDetail: 'compressed bodies (content-encoding) are not inspected' };
  }
  // A UI's write whose effect its request does not show (an Argo Server retry's parameters): what
  // the body could not show is what an unreadable body could hide.
  if (req.unseen !== undefined && result.unreadable === undefined) result = { ...result, unreadable: 'body_unreadable', unreadableDetail: req.unseen };
  if (impersonating) result = { ...result, violations: [...checkImpersonation(req.headers, settings), ...result.violations] };
  if (crossSite) result = { ...result, violations: [...checkCrossSite(req.headers), ...result.violations] };
  if (exec !== undefined) result = { ...result, violations: [...result.violations, exec] };
  if (judged) {
    const compressed = encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity';
    const cluster = checkClusterPolicies(settings.clusterPolicies!, kube, req.body, type, req.bodyTruncated, compressed, undefined, missing);
    if (cluster.violations.length > 0) result = { ...result, violations: [...result.violations, ...cluster.violations] };
    if (cluster.unreadable && result.unreadable === undefined) {
      result = { ...result, unreadable: cluster.unreadable.outcome, unreadableDetail: cluster.unreadable.detail };
    }
  }
  return { result, contribution: guardrailContribution(result, kube.namespace, settings) };
}

/**
 * A GitOps object a UI's API writes beside a web request (Argo CD's REST application routes): its
 * images, where the site lists registries (inspect.ts inspectGitopsWrite). Undefined when nothing
 * is found, as for any request the guardrails leave alone.
 */
function gitopsOutcome(settings: GuardrailSettings, req: RequestAttributes): GuardrailOutcome | undefined {
  const { result, namespace } = inspectGitopsWrite(req.gitopsWrite!, req.bodyTruncated, req.bodyMissing === true && req.body === undefined, settings);
  if (result === NO_VIOLATIONS) return undefined;
  // The namespace the Application deploys to: where a guardrails.namespaces override names it.
  return { result, contribution: guardrailContribution(result, namespace, settings) };
}
