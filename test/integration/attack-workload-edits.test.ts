import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, rules } from '../support/built-server.js';
import { checkRequest } from '../support/requests.js';

/**
 * Day 24's class, in shapes the day did not send: a running Pod's labels moved by hand (into a
 * Service's selector or a NetworkPolicy's allowed set) in a namespace not named as a lower
 * environment, with a two-factor sign-in an hour old. Against the built server with the example
 * policy: `pod-edits` asks a sign-in within 15 minutes, whichever patch type, API or cluster prefix
 * carries the change; a lower environment's stays the everyday sign-in's.
 */

const server = builtServerForFile('workload-edits');
const { tokenOf } = freshSubjects(() => server().issuer, 'workload-edits');
const RANCHER = 'rancher.localhost';
const KUBECTL = 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const JSON_CT = 'application/json';

type Edit = [what: string, method: string, path: string, contentType: string, body: unknown, host?: string];

async function send(age: number, [, method, path, contentType, body, host]: Edit) {
  const token = await tokenOf('aal2', age);
  return server().client.check(
    body === undefined
      ? checkRequest({ host: host ?? KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL } })
      : checkRequest({ host: host ?? KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: JSON.stringify(body) }),
  );
}

const pod = (ns: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kiosk-0', namespace: ns, labels }, spec: { containers: [{ name: 'kiosk', image: 'registry.example/kiosk:3.1@sha256:' + 'a'.repeat(64) }] } });
const POD_EDITS: Edit[] = [
  ['kubectl label pod (merge patch) in orders', 'PATCH', '/api/v1/namespaces/orders/pods/kiosk-0?fieldManager=kubectl-label', MERGE, { metadata: { labels: { app: 'orders-api' } } }],
  ['a JSON patch of one label in payments-prod', 'PATCH', '/api/v1/namespaces/payments-prod/pods/kiosk-0', JSON_PATCH, [{ op: 'replace', path: '/metadata/labels/app', value: 'payments-api' }]],
  ['a strategic-merge patch of a label in checkout', 'PATCH', '/api/v1/namespaces/checkout/pods/kiosk-0?fieldManager=kubectl-edit', SMP, { metadata: { labels: { role: 'db-client' } } }],
  ['a PUT of the whole pod in pos', 'PUT', '/api/v1/namespaces/pos/pods/kiosk-0', JSON_CT, pod('pos', { app: 'pos-api' })],
  ['a server-side apply of the pod in pos', 'PATCH', '/api/v1/namespaces/pos/pods/kiosk-0?fieldManager=kubectl&force=true', APPLY, pod('pos', { app: 'pos-api' })],
  ["Rancher's Steve API", 'PATCH', '/v1/pods/pos/kiosk-0', MERGE, { metadata: { labels: { app: 'pos-api' } } }, RANCHER],
  ["Rancher's proxy to a downstream cluster", 'PATCH', '/k8s/clusters/c-m-store7/api/v1/namespaces/pos/pods/kiosk-0', MERGE, { metadata: { labels: { app: 'pos-api' } } }, RANCHER],
];

describe('a running pod relabelled outside a lower environment', () => {
  it.each(POD_EDITS)('%s: a sign-in an hour old is asked for a new one (pod-edits)', async (...edit) => {
    const res = await send(3600, edit);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('pod-edits');
  });

  it.each(POD_EDITS.filter(([, , , , , host]) => host === undefined))('%s: signed in a minute ago, allowed', async (...edit) => {
    const res = await send(60, edit);
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each<Edit>([
    ['a pod labelled in orders-staging', 'PATCH', '/api/v1/namespaces/orders-staging/pods/kiosk-0', MERGE, { metadata: { labels: { app: 'orders-api' } } }],
    ['a pod annotated in dev', 'PATCH', '/api/v1/namespaces/dev/pods/kiosk-0', MERGE, { metadata: { annotations: { debug: 'true' } } }],
    ['a pod relabelled in pr-1234', 'PATCH', '/api/v1/namespaces/pr-1234/pods/kiosk-0', JSON_PATCH, [{ op: 'add', path: '/metadata/labels/debug', value: 'true' }]],
    ['a pod labelled in payments-qa', 'PATCH', '/api/v1/namespaces/payments-qa/pods/kiosk-0', SMP, { metadata: { labels: { app: 'payments-api' } } }],
  ])("%s: a lower environment's, allowed on the hour-old sign-in", async (...edit) => {
    const res = await send(3600, edit);
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each<Edit>([
    // An ephemeral debug container is pod-shell's, an eviction a drain's: neither is an edit of the pod.
    ['an eviction in orders', 'POST', '/api/v1/namespaces/orders/pods/kiosk-0/eviction', JSON_CT, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'kiosk-0', namespace: 'orders' } }],
    ['a pod read in orders', 'GET', '/api/v1/namespaces/orders/pods/kiosk-0', JSON_CT, undefined],
    ["a pod's status written in orders", 'PATCH', '/api/v1/namespaces/orders/pods/kiosk-0/status', MERGE, { status: { phase: 'Running' } }],
  ])('%s: not an edit', async (...edit) => {
    const res = await send(3600, edit);
    expect(rules(res)).not.toContain('pod-edits');
  });
});
