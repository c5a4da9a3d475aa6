import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube, PINNED } from '../support/guardrails.js';

/**
 * The Datadog Agent told where to send by its env (uploads50, issue #12; rules/telemetry-env.ts):
 * `DD_SITE` (every intake under that site), `DD_DD_URL`/`DD_URL` and the per-product
 * `DD_…_DD_URL`, on any container of a pod spec, and the Datadog Operator's DatadogAgent
 * (`spec.global.site`, `spec.global.endpoint.url`). The agent ships every node's metrics, logs and
 * traces; the routine rows (the site's own Datadog region listed, no Datadog at all) ask nothing.
 */

const settings = guardSettings('guardrails:\n  upload_hosts: ["**.datadoghq.eu", metrics.corp.example]\n');
const asked = (path: string, obj: unknown) => inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, settings).violations.filter((v) => v.code === 'data_upload_outside');
const DS = '/apis/apps/v1/namespaces/datadog/daemonsets';
const agent = (env: unknown[]) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'datadog-agent', namespace: 'datadog' }, spec: { selector: { matchLabels: { app: 'dd' } }, template: { metadata: { labels: { app: 'dd' } }, spec: { containers: [{ name: 'agent', image: PINNED, env: [{ name: 'DD_API_KEY', valueFrom: { secretKeyRef: { name: 'datadog', key: 'api-key' } } }, ...env] }] } } } });
const DDA = '/apis/datadoghq.com/v2alpha1/namespaces/datadog/datadogagents';
const datadogAgent = (global: Record<string, unknown>) => ({ apiVersion: 'datadoghq.com/v2alpha1', kind: 'DatadogAgent', metadata: { name: 'datadog', namespace: 'datadog' }, spec: { global: { credentials: { apiSecret: { secretName: 'datadog', keyName: 'api-key' } }, ...global }, features: { logCollection: { enabled: true } } } });

describe('the Datadog Agent pointed outside upload_hosts (uploads50)', () => {
  it.each([
    ['DD_SITE of a region the site does not use', DS, agent([{ name: 'DD_SITE', value: 'datadoghq.com' }])],
    ['DD_DD_URL to an outside host', DS, agent([{ name: 'DD_SITE', value: 'datadoghq.eu' }, { name: 'DD_DD_URL', value: 'https://intake.evil.example' }])],
    ['DD_LOGS_CONFIG_LOGS_DD_URL to an outside host:port', DS, agent([{ name: 'DD_LOGS_CONFIG_LOGS_DD_URL', value: 'logs.evil.example:10516' }])],
    ['DD_SITE from a ConfigMap (unknown)', DS, agent([{ name: 'DD_SITE', valueFrom: { configMapKeyRef: { name: 'dd', key: 'site' } } }])],
    // Issue #12 (session 51): the intake URL from a ConfigMap or Secret is not in the body either.
    ['DD_URL from a ConfigMap (unknown)', DS, agent([{ name: 'DD_SITE', value: 'datadoghq.eu' }, { name: 'DD_URL', valueFrom: { configMapKeyRef: { name: 'dd', key: 'url' } } }])],
    ['DD_LOGS_CONFIG_LOGS_DD_URL from a Secret (unknown)', DS, agent([{ name: 'DD_LOGS_CONFIG_LOGS_DD_URL', valueFrom: { secretKeyRef: { name: 'dd', key: 'logs' } } }])],
    ['a DatadogAgent on a region the site does not use', DDA, datadogAgent({ site: 'us5.datadoghq.com' })],
    ['a DatadogAgent with no site (datadoghq.com by default)', DDA, datadogAgent({})],
    ['a DatadogAgent endpoint URL outside', DDA, datadogAgent({ site: 'datadoghq.eu', endpoint: { url: 'https://intake.evil.example' } })],
  ])('asks for %s', (_what, path, obj) => {
    expect(asked(path, obj)).toHaveLength(1);
  });

  it.each([
    ['the agent on the listed region', DS, agent([{ name: 'DD_SITE', value: 'datadoghq.eu' }, { name: 'DD_LOGS_ENABLED', value: 'true' }])],
    ['an app pod with the tracer pointed at the node agent', DS, agent([{ name: 'DD_AGENT_HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }, { name: 'DD_ENV', value: 'prod' }])],
    ['a DatadogAgent on the listed region', DDA, datadogAgent({ site: 'datadoghq.eu' })],
  ])('asks nothing for %s', (_what, path, obj) => {
    expect(asked(path, obj)).toEqual([]);
  });

  it('reads nothing where upload_hosts is empty', () => {
    const off = guardSettings('guardrails: {}\n');
    expect(inspect(kube('POST', DS), JSON.stringify(agent([{ name: 'DD_SITE', value: 'datadoghq.com' }])), 'application/json', false, off).violations.filter((v) => v.code === 'data_upload_outside')).toEqual([]);
  });

  it('names the env entry and not the address', () => {
    const [v] = asked(DS, agent([{ name: 'DD_DD_URL', value: 'https://intake.evil.example' }]));
    expect(v?.path).toBe('spec.template.spec.containers[0].env[1].value');
    expect(v?.detail).not.toContain('evil');
  });
});
