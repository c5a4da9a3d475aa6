import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * Routine tools whose requests look like an enumeration, through the real gRPC server running
 * examples/stepgate.yaml on a virtual clock. `helm ls -A` lists every Helm release Secret of every
 * namespace (`GET /api/v1/secrets?labelSelector=owner=helm`): the first time an identity does it,
 * `cluster_secret_list` asks for a sign-in around it; a platform engineer who then runs it every
 * couple of hours is not asked again each time, while an identity that never did it still is.
 * `helm upgrade` of a release at its history limit and `helm uninstall` write and delete one Secret
 * per revision within a second: Helm's bookkeeping, not an enumeration or a burst of deletes.
 */

const s = exampleServiceForFile();
const T0 = Date.UTC(2027, 3, 5, 8, 0, 0);
const H = 3_600_000;
const OFFICE = '84.120.7.30';
const KUBECTL = 'kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146';
const HELM = 'Helm/3.16.3';
const HELM_LS_A = '/api/v1/secrets?labelSelector=owner%3Dhelm';


function send(login: Login, at: number, path: string, ua: string): Promise<CheckResponse> {
  return s.sendAt(login, at, { method: 'GET', path, source: OFFICE, headers: { 'user-agent': ua } });
}

function payload(res: CheckResponse): { risk?: { reasons: { code: string }[]; context?: { code: string } } } {
  const body = deniedBody(res);
  return (body.kind === 'Status' ? body.stepgate : body) as never;
}

/** Signed in at 08:00 with two factors, working in the team's namespace with kubectl and Helm. */
async function morning(sub: string): Promise<Login> {
  const login: Login = { sub, sid: `${sub}:1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' };
  for (const [k, [path, ua]] of [['/api/v1/namespaces/platform/pods', KUBECTL], ['/api/v1/namespaces/platform/secrets?labelSelector=owner%3Dhelm', HELM]].entries()) {
    const res = await send(login, T0 + 60_000 + k * 5_000, path!, ua!);
    expect(res.status.code, `${path}: ${reasonOf(res)}`).toBe(0);
  }
  return login;
}

describe('helm ls -A, with examples/stepgate.yaml', () => {
  it('is asked for once, with the reason; after that sign-in, later runs with the same sign-in go through', async () => {
    const login = await morning('plat-1@example.io');
    const first = await send(login, T0 + 1.5 * H, HELM_LS_A, HELM);
    expect(reasonOf(first)).toBe('auth_too_old');
    expect(payload(first).risk?.reasons.map((r) => r.code)).toContain('cluster_secret_list');
    const signedIn: Login = { ...login, authTime: Math.floor((T0 + 1.5 * H + 20_000) / 1000) };
    expect(reasonOf(await send(signedIn, T0 + 1.5 * H + 25_000, HELM_LS_A, HELM))).toBe('allowed');
    // Two, four and six hours later (the sign-in long past the elevated band's 15 minutes).
    for (const h of [3.5, 5.5, 7.5]) expect(reasonOf(await send(signedIn, T0 + h * H, HELM_LS_A, HELM)), `at +${h} h`).toBe('allowed');
    // So is Helm's selector written otherwise.
    for (const q of ['owner%3D%3Dhelm', 'owner+in+%28helm%29', 'name%3Dweb%2Cowner%3Dhelm', 'owner%3Dhelm%2Cstatus+in+%28deployed%2Cfailed%29']) {
      expect(reasonOf(await send(signedIn, T0 + 7.6 * H, `/api/v1/secrets?labelSelector=${q}`, HELM)), q).toBe('allowed');
    }
  });

  let allLists = 0;
  // `kubectl get secrets -A` returns every Secret, the mesh CA and Argo CD's cluster credentials
  // among them: a daily `helm ls -A` (Helm's release records only, selected owner=helm) does not
  // make it routine, so malware holding that engineer's token is asked when it lists everything,
  // however the selector is dressed to look like Helm's to a reader that is not kube's.
  it.each<[string, string]>([
    ['kubectl get secrets -A', '/api/v1/secrets'],
    ['in pages, as kubectl -o yaml', '/api/v1/secrets?limit=500'],
    ["istioctl analyze's informer", '/api/v1/secrets?fieldSelector=type%21%3Dhelm.sh%2Frelease.v1&limit=500&resourceVersion=0'],
    ['watched', '/api/v1/secrets?watch=true&allowWatchBookmarks=true'],
    ['anything but Helm', '/api/v1/secrets?labelSelector=owner%21%3Dhelm'],
    ['Helm or anything', '/api/v1/secrets?labelSelector=owner+in+%28helm%2Cx%29'],
    ["Helm's selector after a NUL, where kube stops reading", '/api/v1/secrets?labelSelector=%00%2Cowner%3Dhelm'],
    ["Helm's selector as a second value, which kube ignores", '/api/v1/secrets?labelSelector=&labelSelector=owner%3Dhelm'],
    ["Helm's selector in a pair Go drops", '/api/v1/secrets?labelSelector=owner%3Dhelm;x&labelSelector=a%3Db'],
    ["Helm's selector inside another requirement's values", '/api/v1/secrets?labelSelector=x+in+%28a%2Cowner%3Dhelm%29'],
  ])('after a routine helm ls -A, every Secret listed (%s) is still asked, with the reason', async (_what, path) => {
    const login = await morning(`plat-all-${++allLists}@example.io`);
    const signedIn: Login = { ...login, authTime: Math.floor((T0 + 1.5 * H + 20_000) / 1000) };
    expect(reasonOf(await send(login, T0 + 1.5 * H, HELM_LS_A, HELM))).toBe('auth_too_old');
    expect(reasonOf(await send(signedIn, T0 + 1.5 * H + 25_000, HELM_LS_A, HELM))).toBe('allowed');
    expect(reasonOf(await send(signedIn, T0 + 3.5 * H, HELM_LS_A, HELM))).toBe('allowed');
    const all = await send(signedIn, T0 + 4 * H, path, KUBECTL);
    expect(reasonOf(all)).toBe('auth_too_old');
    expect(payload(all).risk?.reasons.map((r) => r.code)).toContain('cluster_secret_list');
    // Answered by a sign-in around it, it is routine from then on, as Helm's list was.
    const again: Login = { ...login, authTime: Math.floor((T0 + 4 * H + 20_000) / 1000) };
    expect(reasonOf(await send(again, T0 + 4 * H + 25_000, path, KUBECTL))).toBe('allowed');
    expect(reasonOf(await send(again, T0 + 6 * H, path, KUBECTL))).toBe('allowed');
  });

  it("an identity that never listed every namespace's Secrets is still asked, however fresh the everyday sign-in", async () => {
    const login = await morning('dev-1@example.io');
    const res = await send(login, T0 + 10 * 60_000, HELM_LS_A, HELM);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(payload(res).risk?.reasons.map((r) => r.code)).toContain('cluster_secret_list');
  });

  it('a refused run teaches nothing: the next one, without a sign-in, is asked again', async () => {
    const login = await morning('plat-2@example.io');
    expect(reasonOf(await send(login, T0 + 2 * H, HELM_LS_A, HELM))).toBe('auth_too_old');
    expect(reasonOf(await send(login, T0 + 2 * H + 60_000, HELM_LS_A, HELM))).toBe('auth_too_old');
  });
});

/** Requests of a Helm client, 120 ms apart. */
async function helm(login: Login, at: number, steps: [string, string, string?][]): Promise<string[]> {
  const out: string[] = [];
  for (const [k, [method, path, body]] of steps.entries()) {
    const res = await s.sendAt(login, at + k * 120, {
      method, path, source: OFFICE,
      headers: { 'user-agent': HELM, ...(body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/strategic-merge-patch+json' : 'application/json', 'x-envoy-auth-partial-body': 'false' }) },
      ...(body === undefined ? {} : { body }),
    });
    out.push(`${method} ${path.split('?')[0]}: ${reasonOf(res)}`);
  }
  return out;
}

const NS = '/api/v1/namespaces/platform';
const record = (rev: number) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `sh.helm.release.v1.web.v${rev}`, namespace: 'platform', labels: { owner: 'helm', name: 'web' } }, type: 'helm.sh/release.v1', data: { release: 'SDRzSQ==' } });

describe('helm upgrade and uninstall of a release with ten revisions, with examples/stepgate.yaml', () => {
  it('an upgrade at the history limit (prune, create, supersede, deploy) goes through with a sign-in hours old, every time', async () => {
    const login = await morning('plat-3@example.io');
    for (const [rev, h] of [[11, 2], [12, 4.5], [13, 7]] as const) {
      const out = await helm(login, T0 + h * H, [
        ['GET', `${NS}/secrets?labelSelector=name%3Dweb%2Cowner%3Dhelm%2Cstatus%3Ddeployed`],
        ['GET', `${NS}/secrets?labelSelector=name%3Dweb%2Cowner%3Dhelm`],
        ['DELETE', `${NS}/secrets/sh.helm.release.v1.web.v${rev - 10}`],
        ['POST', `${NS}/secrets`, record(rev)],
        ['PATCH', '/apis/apps/v1/namespaces/platform/deployments/web', '{"spec":{"template":{"metadata":{"labels":{"rev":"' + rev + '"}}}}}'],
        ['PUT', `${NS}/secrets/sh.helm.release.v1.web.v${rev - 1}`, record(rev - 1)],
        ['PUT', `${NS}/secrets/sh.helm.release.v1.web.v${rev}`, record(rev)],
      ]);
      expect(out.filter((o) => !o.endsWith(': allowed')), `revision ${rev}`).toEqual([]);
    }
  });

  it("an uninstall (the chart's six objects, then its ten revisions) goes through; reading four other Secrets at once still counts as machine pace", async () => {
    const login = await morning('plat-4@example.io');
    const chart = ['/apis/apps/v1/namespaces/platform/deployments/web', `${NS}/services/web`, `${NS}/configmaps/web`, `${NS}/secrets/web-db`, `${NS}/serviceaccounts/web`, '/apis/policy/v1/namespaces/platform/poddisruptionbudgets/web'];
    const out = await helm(login, T0 + 3 * H, [
      ['GET', `${NS}/secrets?labelSelector=name%3Dweb%2Cowner%3Dhelm`],
      ['PUT', `${NS}/secrets/sh.helm.release.v1.web.v10`, record(10)],
      ...chart.map((p): [string, string] => ['DELETE', p]),
      ...Array.from({ length: 10 }, (_, i): [string, string] => ['DELETE', `${NS}/secrets/sh.helm.release.v1.web.v${10 - i}`]),
    ]);
    expect(out.filter((o) => !o.endsWith(': allowed'))).toEqual([]);
    // Control: distinct Secrets of the team, not a release's revisions, are four objects.
    const reads = await helm(login, T0 + 4 * H, ['db', 'tls', 'api-key', 'smtp'].map((n): [string, string] => ['GET', `${NS}/secrets/web-${n}`]));
    expect(reads.at(-1)).toMatch(/auth_too_old$/);
  });
});

// `skaffold delete`, `tilt down`, `helm uninstall` or `kubectl delete -f k8s/` in a dev namespace
// delete a whole application within seconds: what no rule of the example protects is no burst of
// deletes. The same pace in production is (the insider rows of the replayed days).
describe('a cleanup in a dev namespace, and the same pace in production, with examples/stepgate.yaml', () => {
  const del = (login: Login, at: number, path: string) => s.sendAt(login, at, { method: 'DELETE', path, source: OFFICE, headers: { 'user-agent': KUBECTL, 'content-type': 'application/json' }, body: '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}' });
  const APP = (ns: string) => ['deployments', 'services', 'configmaps', 'horizontalpodautoscalers', 'poddisruptionbudgets', 'ingresses'].flatMap((kind) =>
    ['web', 'worker', 'cron', 'admin'].map((name) => {
      const group = { deployments: '/apis/apps/v1', horizontalpodautoscalers: '/apis/autoscaling/v2', poddisruptionbudgets: '/apis/policy/v1', ingresses: '/apis/networking.k8s.io/v1' }[kind] ?? '/api/v1';
      return `${group}/namespaces/${ns}/${kind}/${name}`;
    }),
  );

  it("24 objects deleted within 5 s in the engineer's dev namespace all go through", async () => {
    const login = await morning('dev-2@example.io');
    for (const [k, path] of ['/api/v1/namespaces/platform-dev/pods', '/apis/apps/v1/namespaces/platform-dev/deployments'].entries()) {
      expect(reasonOf(await send(login, T0 + 2 * H + k * 1_000, path, KUBECTL))).toBe('allowed');
    }
    const out: string[] = [];
    for (const [k, path] of APP('platform-dev').entries()) out.push(`${path}: ${reasonOf(await del(login, T0 + 2 * H + 10_000 + k * 200, path))}`);
    expect(out.filter((o) => !o.endsWith(': allowed'))).toEqual([]);
  });

  it('in production, the 13th delete within 5 minutes is refused however fresh the sign-in, and says why', async () => {
    const login = await morning('dev-3@example.io');
    const at = T0 + 2 * H;
    const seen: (string | undefined)[] = [];
    for (let k = 0; k < 13; k++) {
      const fresh: Login = { ...login, sid: `${login.sid}:${k}`, authTime: Math.floor((at + k * 10_000) / 1000) - 5 };
      seen.push(reasonOf(await del(fresh, at + k * 10_000, `/apis/apps/v1/namespaces/prod-platform/deployments/svc-${k}`)));
    }
    expect(seen.slice(0, 12).every((r) => r === 'allowed' || r === 'auth_too_old'), seen.join(' ')).toBe(true);
    expect(seen[12]).toBe('risk_deny');
  });
});

// A loop of `kubectl apply -n $ns` (a Secret read, then patched), one namespace a second: machine
// pace at its fourth namespace. The engineer signs in (20 s) and kubectl is retried; the loop goes
// on. The sign-in was made after the run began, so it answers the rest of the loop: before
// `machine_pace.resume_seconds`, the 20 s window emptied during the sign-in, the fourth namespace
// after it began a run the sign-in was older than, and a 12-namespace loop asked three times.
describe('a Secret rotated by a loop over the namespaces the engineer works in, with examples/stepgate.yaml', () => {
  const NSS = Array.from({ length: 12 }, (_, k) => `platform-${k}`);
  /** The loop over `nss` from 10:00; at each refusal the engineer signs in (20 s) and kubectl is retried 5 s later. */
  const rotate = async (first: Login, nss: string[]) => {
    let login = first;
    const asked: string[] = [];
    let at = T0 + 2 * H;
    for (const ns of nss) {
      for (const [method, body] of [['GET', undefined], ['PATCH', '{"data":{".dockerconfigjson":"eyJhdXRocyI6e319"}}']] as const) {
        const req = () => s.sendAt(login, at, {
          method, path: `/api/v1/namespaces/${ns}/secrets/regcred`, source: OFFICE,
          headers: { 'user-agent': KUBECTL, ...(body === undefined ? {} : { 'content-type': 'application/strategic-merge-patch+json', 'x-envoy-auth-partial-body': 'false' }) },
          ...(body === undefined ? {} : { body }),
        });
        let res = await req();
        if (reasonOf(res) !== 'allowed') {
          asked.push(`${method} ${ns}: ${reasonOf(res)} (${payload(res).risk?.context?.code ?? 'policy'})`);
          login = { ...login, authTime: Math.floor((at + 20_000) / 1000) };
          at += 25_000;
          res = await req();
          expect(reasonOf(res), `${method} ${ns} after the sign-in`).toBe('allowed');
        }
        at += 250;
      }
      at += 1_050;
    }
    return asked;
  };
  /** Signed in at 08:00; the namespaces are the engineer's: each listed within the hour after. */
  const owner = async (sub: string) => {
    const login = await morning(sub);
    for (const [k, ns] of NSS.entries()) expect(reasonOf(await send(login, T0 + 5 * 60_000 + k * 10_000, `/api/v1/namespaces/${ns}/pods`, KUBECTL))).toBe('allowed');
    return login;
  };

  it('asks once for machine pace, and the loop goes on after that sign-in to its last namespace', async () => {
    const asked = await rotate(await owner('plat-5@example.io'), NSS);
    expect(asked.filter((a) => a.includes('machine_pace'))).toHaveLength(1);
    expect(asked.length, asked.join('; ')).toBeLessThanOrEqual(2);
  });

  // The same loop over 25 namespaces the engineer never worked in (the registry's pull Secret in
  // every team's namespace, day 9): the first is asked (unfamiliar_namespace), then the run
  // (machine pace, the burst); after those sign-ins, made while the loop was running, the rest of
  // the loop's namespaces are its own, not the 6th, 11th… "namespace entered since the sign-in".
  it('over 25 namespaces outside the working set, the sign-ins made during the loop cover the rest of it', async () => {
    const asked = await rotate(await morning('plat-7@example.io'), Array.from({ length: 25 }, (_, k) => `team-${k}`));
    expect(asked.filter((a) => a.includes('unfamiliar_namespace')), asked.join('; ')).toHaveLength(1);
    expect(asked.length, asked.join('; ')).toBeLessThanOrEqual(3);
  });

  // The namespace count still holds for what begins after the sign-in: malware on the laptop that
  // waits for the engineer to sign in, then reads a Secret in one namespace after another at a
  // person's pace (no machine-pace run to be part of), is asked at the sixth.
  it("after a fresh sign-in, a person-paced walk through new namespaces is still asked at the sixth", async () => {
    const login = await morning('plat-8@example.io');
    const fresh: Login = { ...login, authTime: Math.floor((T0 + 3 * H) / 1000) };
    const seen: string[] = [];
    for (let k = 0; k < 7; k++) {
      const res = await s.sendAt(fresh, T0 + 3 * H + 30_000 + k * 40_000, { method: 'GET', path: `/api/v1/namespaces/team-${k}/secrets/db`, source: OFFICE, headers: { 'user-agent': KUBECTL } });
      seen.push(reasonOf(res) ?? '');
    }
    expect(seen.slice(0, 5)).toEqual(['allowed', 'allowed', 'allowed', 'allowed', 'allowed']);
    expect(seen[5]).toBe('auth_too_old');
  });

  it('a loop resumed more than 5 minutes after its answered run is a run of its own, asked again', async () => {
    const login = await owner('plat-6@example.io');
    const get = (l: Login, at: number, ns: string) => s.sendAt(l, at, { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/regcred`, source: OFFICE, headers: { 'user-agent': KUBECTL } });
    const at = T0 + 2 * H;
    for (let k = 0; k < 3; k++) expect(reasonOf(await get(login, at + k * 1000, NSS[k]!))).toBe('allowed');
    expect(reasonOf(await get(login, at + 3000, NSS[3]!))).toBe('auth_too_old');
    const signedIn: Login = { ...login, authTime: Math.floor((at + 23_000) / 1000) };
    expect(reasonOf(await get(signedIn, at + 28_000, NSS[3]!))).toBe('allowed');
    // Six minutes later: the fourth object is machine pace again, and the sign-in is older than it.
    const later = at + 28_000 + 6 * 60_000;
    for (let k = 4; k < 7; k++) expect(reasonOf(await get(signedIn, later + (k - 4) * 1000, NSS[k]!))).toBe('allowed');
    const res = await get(signedIn, later + 3000, NSS[7]!);
    expect(reasonOf(res)).toBe('auth_too_old');
    expect(payload(res).risk?.context?.code).toBe('machine_pace');
  });
});
