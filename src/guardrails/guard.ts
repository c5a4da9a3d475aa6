import type { RequestAttributes } from '../request/attributes.js';
import { guardrailContribution, type GuardrailContribution } from './effect.js';
import { inspect, isInspected } from './inspect.js';
import type { GuardrailSettings } from './settings.js';
import type { GuardrailResult } from './types.js';

const WRITES = new Set(['create', 'update', 'patch']);

export interface GuardrailOutcome {
  result: GuardrailResult;
  contribution: GuardrailContribution;
}

/**
 * The one entry point for a request: the pipeline calls it after `policy.evaluate`, and
 * `stepgate explain` calls it too, so both see the same guardrails. Undefined when guardrails are
 * not configured or the request is not one they inspect (the common case, and allocation-free).
 */
export function checkGuardrails(settings: GuardrailSettings | undefined, req: RequestAttributes): GuardrailOutcome | undefined {
  const kube = req.kube;
  if (settings === undefined || !settings.enabled || kube === undefined || !isInspected(kube)) return undefined;
  const encoding = req.headers.get('content-encoding');
  const result: GuardrailResult =
    encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity' && WRITES.has(kube.verb)
      ? { violations: [], unreadable: 'body_unreadable', unreadableDetail: 'compressed bodies (content-encoding) are not inspected' }
      : inspect(kube, req.body, req.headers.get('content-type'), req.bodyTruncated, settings);
  return { result, contribution: guardrailContribution(result, kube.namespace, settings) };
}
