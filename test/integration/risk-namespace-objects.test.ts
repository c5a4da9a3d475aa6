import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * A change to a Namespace object (`kubectl label ns --all`, `annotate ns`, an apply of every
 * namespace's manifest) is, for the working set, one action on the cluster's Namespace objects,
 * not work inside each namespace it names (issue 12, day 9: a platform engineer's `label ns --all`
 * was asked six times in two minutes, one sign-in covering `grace_namespaces` new namespaces, and
 * every namespace it touched then joined the working set). Through the real gRPC server running
 * examples/stepgate.yaml on a virtual clock.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 5, 7, 8, 0, 0);
const M = 60_000;
const H = 60 * M;
const HOME = '84.120.7.31';
const KUBECTL = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';
const MERGE = 'application/merge-patch+json';
const STEP_UP = new Set(['acr_insufficient', 'auth_too_old', 'auth_time_missing']);

/**
 * `kubectl get ns` as the API server lists them (by name): the cluster's namespaces but stepgate's
 * own. Ten that no rule singles out come before the first the rules make sensitive (argocd).
 */
const NAMESPACES = [
  'admin-tools', 'ads-dev', 'ads-staging', 'ai-lab', 'airflow', 'alerting-dev', 'analytics', 'api-docs', 'app-sandbox', 'apps-demo',
  'argocd', 'cert-manager', 'checkout-dev', 'checkout-prod', 'checkout-staging', 'data', 'default', 'docs', 'growth-prod',
  'ingress-nginx', 'istio-ingress', 'istio-system', 'karpenter', 'kube-node-lease', 'kube-public', 'kube-system', 'kyverno',
  'ledger-dev', 'ledger-prod', 'ledger-staging', 'ml-serving', 'ml-training', 'monitoring', 'payments-dev', 'payments-prod',
  'payments-staging', 'search-dev', 'search-prod', 'search-staging', 'status-page',
];

function send(login: Login, at: number, method: string, path: string, body?: string): Promise<CheckResponse> {
  const headers: Record<string, string> = { 'user-agent': KUBECTL };
  if (body !== undefined) Object.assign(headers, { 'content-type': MERGE, 'x-envoy-auth-partial-body': 'false' });
  return s.sendAt(login, at, { method, path, source: HOME, headers, ...(body !== undefined ? { body } : {}) });
}

const label = (labels: Record<string, string>) => JSON.stringify({ metadata: { labels } });

function context(res: CheckResponse): { code?: string; message?: string } | undefined {
  const body = deniedBody(res) as { stepgate?: { risk?: { context?: { code?: string; message?: string } } } } | null;
  return body?.stepgate?.risk?.context;
}

function required(res: CheckResponse): string | undefined {
  return (deniedBody(res) as { stepgate?: { required?: { level?: string } } } | null)?.stepgate?.required?.level;
}

/** What kubectl prints. */
function message(res: CheckResponse): string {
  return String((deniedBody(res) as { message?: string } | null)?.message);
}

/**
 * The platform engineer's day before, from home: the cluster's own namespaces (pods, a Secret in
 * monitoring), which become the working set; then this morning's two-factor sign-in.
 */
async function platformEngineer(sub: string, day: number): Promise<Login> {
  const y: Login = { sub, sid: `${sub}:y`, authTime: Math.floor((day - 24 * H) / 1000), acr: 'urn:stepgate:aal2' };
  const routine = ['/api/v1/namespaces/kube-system/pods', '/api/v1/namespaces/istio-system/pods', '/api/v1/namespaces/monitoring/secrets/grafana-admin', '/api/v1/namespaces/kube-system/pods?limit=500'];
  for (let k = 0; k < 6; k++) {
    for (const [j, path] of routine.entries()) expect(reasonOf(await send(y, day - 24 * H + M + k * 20 * M + j * 10_000, 'GET', path)), path).toBe('allowed');
  }
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor(day / 1000), acr: 'urn:stepgate:aal2' };
  expect(reasonOf(await send(login, day + 30_000, 'GET', '/api/v1/namespaces/kube-system/pods'))).toBe('allowed');
  return login;
}

/** An app engineer's day before (their team's production Secret, its dev pods), then this morning's sign-in. */
async function appEngineer(sub: string): Promise<Login> {
  const y: Login = { sub, sid: `${sub}:y`, authTime: Math.floor((T0 - 24 * H) / 1000), acr: 'urn:stepgate:aal2' };
  for (let k = 0; k < 6; k++) {
    expect(reasonOf(await send(y, T0 - 24 * H + M + k * 20 * M, 'GET', '/api/v1/namespaces/payments-prod/secrets/payments-db'))).toBe('allowed');
    expect(reasonOf(await send(y, T0 - 24 * H + M + 10_000 + k * 20 * M, 'GET', '/api/v1/namespaces/payments-dev/pods'))).toBe('allowed');
  }
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
  expect(reasonOf(await send(login, T0 + 30_000, 'GET', '/api/v1/namespaces/payments-dev/pods'))).toBe('allowed');
  return login;
}

/**
 * `kubectl label ns --all cost-centre=cc-4410 --overwrite` from `at`, with the stepgate credential
 * plugin: a step-up answer is a sign-in 20 s later at the level asked, and the patch is sent again.
 * Returns the sign-ins it took, the challenges' contexts, and the login in use after it.
 */
async function labelAll(start: Login, at: number, namespaces = NAMESPACES): Promise<{ login: Login; asked: { ns: string; reason: string; code: string | undefined }[]; end: number }> {
  let login = start;
  let t = at;
  const asked: { ns: string; reason: string; code: string | undefined }[] = [];
  expect(reasonOf(await send(login, t, 'GET', '/api/v1/namespaces'))).toBe('allowed');
  for (const ns of namespaces) {
    t += 60;
    const path = `/api/v1/namespaces/${ns}`;
    const body = label({ 'cost-centre': 'cc-4410' });
    const res = await send(login, t, 'PATCH', path, body);
    const reason = reasonOf(res)!;
    if (reason === 'allowed') continue;
    expect(STEP_UP.has(reason), `${ns}: ${reason} ${message(res)}`).toBe(true);
    asked.push({ ns, reason, code: context(res)?.code });
    login = { sub: login.sub, sid: `${login.sub}:${t}`, authTime: Math.floor((t + 20_000) / 1000), acr: required(res) === 'aal3' ? 'urn:stepgate:aal3' : 'urn:stepgate:aal2' };
    t += 25_000;
    const again = await send(login, t, 'PATCH', path, body);
    expect(reasonOf(again), `${ns} after the sign-in: ${message(again)}`).toBe('allowed');
  }
  return { login, asked, end: t };
}

describe('a change to a Namespace object is one place in the working set: the cluster\'s Namespace objects', () => {
  it('`kubectl label ns --all` over 40 namespaces, most outside the working set, is asked once; the next time, not at all', async () => {
    const sub = 'ns-platform@example.io';
    const morning = await platformEngineer(sub, T0);
    // 14:30: the first sensitive patch (argocd's, system-writes) is asked, bound to the
    // change of Namespace objects this identity never made; that one sign-in covers the rest.
    const first = await labelAll(morning, T0 + 6.5 * H);
    expect(first.asked).toEqual([{ ns: 'argocd', reason: 'auth_too_old', code: 'unfamiliar_namespace' }]);
    // That sign-in taught Namespace objects, though the loop had gone through ten namespaces before
    // it: the morning's token (older than the first change) changes one without being asked.
    expect(reasonOf(await send(morning, first.end + 10 * M, 'PATCH', '/api/v1/namespaces/payments-prod', label({ team: 'payments' })))).toBe('allowed');

    // What the bulk label touched did not join the working set: 75 minutes after that sign-in
    // (past its hour of grace), a Secret in a namespace it labelled but the engineer never worked
    // in is asked, as it was before the label (before this change the label had taught every
    // namespace it patched, and the read was allowed).
    const read = await send(first.login, first.end + 75 * M, 'GET', '/api/v1/namespaces/ledger-prod/secrets/ledger-db');
    expect(reasonOf(read)).toBe('auth_too_old');
    expect(context(read)).toMatchObject({ code: 'unfamiliar_namespace', message: expect.stringContaining('get secrets in namespace ledger-prod, where you have not worked') });

    // The next day, with the morning's sign-in six and a half hours old: Namespace objects are
    // part of the working set now, and the rules' freshness (prod-writes 8 h, system-writes 12 h)
    // is met, so nothing is asked.
    const T1 = T0 + 24 * H;
    const nextMorning: Login = { sub, sid: `${sub}:2`, authTime: Math.floor(T1 / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(nextMorning, T1 + 30_000, 'GET', '/api/v1/namespaces/kube-system/pods'))).toBe('allowed');
    const second = await labelAll(nextMorning, T1 + 6.5 * H);
    expect(second.asked).toEqual([]);

    // Malware on the laptop right after it, with that token: a Secret in a namespace the label
    // touched and the engineer never worked in is still outside the working set.
    const after = await send(second.login, second.end + 2 * M, 'GET', '/api/v1/namespaces/search-prod/secrets/search-db');
    expect(reasonOf(after)).toBe('auth_too_old');
    expect(context(after)?.code).toBe('unfamiliar_namespace');
    // ...and a shell there.
    const shell = await s.sendAt(second.login, second.end + 3 * M, {
      method: 'GET',
      path: '/api/v1/namespaces/payments-prod/pods/payments-api-7c9d5b-x2k8q/exec?command=sh&stdin=true&stdout=true&tty=true',
      source: HOME,
      headers: { 'user-agent': KUBECTL, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' },
    });
    expect(reasonOf(shell)).toBe('auth_too_old');
    expect(context(shell)?.code).toBe('unfamiliar_namespace');
  });

  it('with stepgate\'s own Namespace in the loop: a second sign-in, a hardware key (gate-itself), and no refusal', async () => {
    const sub = 'ns-platform-4@example.io';
    const morning = await platformEngineer(sub, T0);
    const run = await labelAll(morning, T0 + 6.5 * H, [...NAMESPACES, 'stepgate']);
    // Before, each namespace counted toward namespace_spread and the working set: the first
    // sign-in taught nothing (a spree), and stepgate's Namespace, outside the working set,
    // reached `high` (gate-itself refuses there: risk_deny).
    expect(run.asked).toEqual([
      { ns: 'argocd', reason: 'auth_too_old', code: 'unfamiliar_namespace' },
      { ns: 'stepgate', reason: 'acr_insufficient', code: undefined },
    ]);
  });

  it('what stays stopped with a stale token, Namespace objects learned or not: Pod Security switched off, a namespace deleted, a label by an identity that never changed one', async () => {
    const sub = 'ns-platform-2@example.io';
    const morning = await platformEngineer(sub, T0);
    // The engineer's own bulk label teaches Namespace objects (one sign-in at 14:30).
    const labelled = await labelAll(morning, T0 + 6.5 * H);
    expect(labelled.asked).toHaveLength(1);
    const T1 = T0 + 24 * H;
    // The next day, malware on the laptop with the morning's token, 6 hours old.
    const stale: Login = { sub, sid: `${sub}:2`, authTime: Math.floor(T1 / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(stale, T1 + 30_000, 'GET', '/api/v1/namespaces/kube-system/pods'))).toBe('allowed');
    const at = T1 + 6 * H;
    // A production namespace's Pod Security switched to privileged: the guardrail's hardware key.
    const psa = await send(stale, at, 'PATCH', '/api/v1/namespaces/payments-prod', label({ 'pod-security.kubernetes.io/enforce': 'privileged' }));
    expect(reasonOf(psa)).toBe('acr_insufficient');
    expect(message(psa)).toContain('pod_security_weakened');
    // The same in a system namespace the engineer works in every day.
    const psaSystem = await send(stale, at + M, 'PATCH', '/api/v1/namespaces/monitoring', label({ 'pod-security.kubernetes.io/enforce': 'privileged' }));
    expect(reasonOf(psaSystem)).toBe('acr_insufficient');
    expect(message(psaSystem)).toContain('pod_security_weakened');
    // Deleting a namespace: everything in it goes (delete_protected), production or not, and for
    // the working set it stays a delete in that namespace, which no sign-in before it covers.
    for (const [k, ns] of ['payments-prod', 'ml-training'].entries()) {
      const del = await send(stale, at + (2 + k) * M, 'DELETE', `/api/v1/namespaces/${ns}`);
      expect(reasonOf(del), ns).toBe('acr_insufficient');
      expect(message(del), ns).toContain('delete_protected');
    }
    // Even freshly signed in with two factors, a namespace delete needs the hardware key.
    const fresh: Login = { sub, sid: `${sub}:3`, authTime: Math.floor((at + 5 * M) / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(fresh, at + 6 * M, 'DELETE', '/api/v1/namespaces/ml-training'))).toBe('acr_insufficient');
    // The rules still judge each Namespace object by its name: stepgate's own is gate-itself's
    // (a hardware key within 5 minutes), however fresh the two-factor sign-in.
    const gate = await send(fresh, at + 7 * M, 'PATCH', '/api/v1/namespaces/stepgate', label({ 'cost-centre': 'cc-4410' }));
    expect(reasonOf(gate)).toBe('acr_insufficient');
    expect(message(gate)).toContain('Rule gate-itself');

    // An app engineer who never changed a Namespace object: their stale token relabelling another
    // team's production namespace (sidecars off there) is a departure from the working set.
    const appLogin = await appEngineer('ns-app@example.io');
    const sidecars = await send(appLogin, T0 + 5 * H, 'PATCH', '/api/v1/namespaces/search-prod', label({ 'istio-injection': 'disabled' }));
    expect(reasonOf(sidecars)).toBe('auth_too_old');
    expect(context(sidecars)).toMatchObject({ code: 'unfamiliar_namespace', message: expect.stringContaining('patch namespace search-prod: you have not changed Namespace objects before') });
  });

  it('malware that waits for a fresh sign-in is asked at its first change to a Namespace object; so is the engineer, once', async () => {
    // It relabels other teams' production namespaces right after the engineer's sign-in: the first
    // change to Namespace objects needs a sign-in after it, as a delete does (before, one sign-in's
    // grace covered five namespaces; a grace for the one place they are now would cover them all).
    const app = 'ns-app-2@example.io';
    await appEngineer(app);
    const signIn = T0 + 5.5 * H;
    const fresh: Login = { sub: app, sid: `${app}:2`, authTime: Math.floor(signIn / 1000), acr: 'urn:stepgate:aal2' };
    expect(reasonOf(await send(fresh, signIn + 20_000, 'GET', '/api/v1/namespaces/payments-dev/pods'))).toBe('allowed');
    for (const [k, ns] of ['search-prod', 'ledger-prod', 'checkout-prod'].entries()) {
      const res = await send(fresh, signIn + (k + 1) * M, 'PATCH', `/api/v1/namespaces/${ns}`, label({ 'istio-injection': 'disabled' }));
      expect(reasonOf(res), ns).toBe('auth_too_old');
      expect(context(res)?.code, ns).toBe('unfamiliar_namespace');
    }
    // The price: an engineer's own first change to a Namespace object within the hour after a
    // sign-in is asked too, once; the rest of the loop follows.
    const sub = 'ns-platform-3@example.io';
    await platformEngineer(sub, T0);
    const own: Login = { sub, sid: `${sub}:2`, authTime: Math.floor(signIn / 1000), acr: 'urn:stepgate:aal2' };
    const labelled = await labelAll(own, signIn + 10 * M);
    expect(labelled.asked).toEqual([{ ns: 'argocd', reason: 'auth_too_old', code: 'unfamiliar_namespace' }]);
  });
});
