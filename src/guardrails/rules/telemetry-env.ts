import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { clusterOwn, fieldDestination, push, UNKNOWN, type Destination } from './telemetry-fields.js';

/**
 * The Datadog Agent told by its container's env where to ship (uploads50, issue #12): `DD_SITE`
 * (every intake is a host under that site: `api.`, `trace.agent.`, `http-intake.logs.` of it),
 * `DD_DD_URL`/`DD_URL`, and each product's `DD_…_DD_URL` (`DD_LOGS_CONFIG_LOGS_DD_URL`,
 * `DD_APM_DD_URL`, `DD_PROCESS_CONFIG_PROCESS_DD_URL`, …). A value from a ConfigMap, a Secret or a
 * field is unknown. Read on every container of a pod spec (the agent's DaemonSet, a cluster agent,
 * a sidecar): an app's tracer names the node's agent (`DD_AGENT_HOST`), not these. Only names set
 * are read: an agent with none sends to datadoghq.com, which no env shows, and is left to the
 * DatadogAgent CR (checkDatadogAgent) or the Helm values' rendered env.
 */
const DD_SITE = 'DD_SITE';
const DD_URL_NAME = /^DD_(?:DD_URL|URL|[A-Z0-9_]+_DD_URL)$/;

/** The hosts a Datadog site's intakes are, as the collector's datadog exporter is read (rules/telemetry.ts). */
export function datadogSite(site: unknown, path: string): Destination[] {
  if (typeof site !== 'string' || site.trim() === '' || site.includes('$')) return [{ path, destination: UNKNOWN }];
  const s = site.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9.-]+$/.test(s)) return [{ path, destination: UNKNOWN }];
  return ['api', 'trace.agent', 'http-intake.logs'].map((sub) => ({ path, destination: `${sub}.${s}` }));
}

export function checkAgentEnv(container: Json, path: string, name: string, ctx: RuleContext): void {
  const allowed = ctx.settings.uploadAllowed;
  if (allowed === undefined) return;
  const found: Destination[] = [];
  arrayOf(container.env).forEach((e, i) => {
    if (!isObject(e) || typeof e.name !== 'string') return;
    const at = `${path}.env[${i}].value`;
    if (e.name === DD_SITE) found.push(...datadogSite(e.value, at));
    else if (DD_URL_NAME.test(e.name)) push(found, fieldDestination(at, e.value));
  });
  const outside = found.find((d) => d.destination === UNKNOWN || !(allowed(d.destination) || clusterOwn(d.destination)));
  if (outside !== undefined) ctx.out.push({ code: 'data_upload_outside', detail: `container${name}'s Datadog Agent settings ship the node's metrics, logs and traces to a destination not in guardrails.upload_hosts`, path: outside.path });
}
