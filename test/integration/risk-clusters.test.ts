import { describe, expect, it } from 'vitest';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * Two clusters behind one gateway (day 12's Sydney and Dublin), with `kubernetes.clusters` naming
 * which API hosts are which: the working set is kept per cluster. examples/stepgate.yaml with the
 * clusters added, on the real gRPC server and a virtual clock.
 */

const DUB = 'kubernetes.dub.fin.example';
const SYD = 'kubernetes.syd.fin.example';
const CLUSTERS = `  clusters:\n    - { name: dublin, hosts: [${DUB}] }\n    - { name: sydney, hosts: [${SYD}] }\n`;
const withClusters = (yaml: string) => {
  const out = yaml.replace('\nkubernetes:\n', `\nkubernetes:\n${CLUSTERS}`);
  if (out === yaml) throw new Error('examples/stepgate.yaml has no top-level kubernetes section');
  return out;
};
const named = exampleServiceForFile({ edit: withClusters });
const shipped = exampleServiceForFile();

const WED = Date.UTC(2027, 2, 3, 9, 0, 0);
const THU = Date.UTC(2027, 2, 4, 9, 0, 0);
const H = 3_600_000;
const HOME = '86.44.105.25';
const KUBECTL = 'kubectl/v1.32.2 (linux/amd64) kubernetes/67a30c0';

type Service = typeof named;
const signIn = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2' });
const get = (s: Service, login: Login, at: number, path: string, host: string): Promise<CheckResponse> =>
  s.sendAt(login, at, { method: 'GET', path, source: HOME, host, headers: { 'user-agent': KUBECTL } });

const WORK = ['/api/v1/namespaces/ledger-prod/pods?limit=500', '/api/v1/namespaces/ledger-prod/secrets/ledger-db-app', '/api/v1/namespaces/ledger-staging/pods?limit=500'];

/** Wednesday's and Thursday's work on `hosts` (each path on each host in turn), after each morning's sign-in; Thursday's login. */
async function twoDays(s: Service, sub: string, hosts: string[]): Promise<Login> {
  let login: Login | undefined;
  for (const day of [WED, THU]) {
    login = signIn(sub, day - 40_000);
    let t = day;
    for (const path of WORK) {
      for (const host of hosts) {
        const res = await get(s, login, (t += 20_000), path, host);
        expect(res.status.code, `${host} ${path}: ${reasonOf(res)}`).toBe(0);
      }
    }
  }
  return login!;
}

describe('kubernetes.clusters: a working set per cluster', () => {
  it("a Secret list on the cluster the engineer never used asks a sign-in made after it, naming the cluster; their own cluster's does not", async () => {
    const login = await twoDays(named, 'dub-a@fin.example', [DUB]);
    const own = await get(named, login, THU + 4 * H, '/api/v1/namespaces/ledger-prod/secrets?limit=500', DUB);
    expect(own.status.code, reasonOf(own)).toBe(0);
    const other = await get(named, login, THU + 4 * H + 60_000, '/api/v1/namespaces/ledger-prod/secrets?limit=500', SYD);
    expect(reasonOf(other)).toBe('auth_too_old');
    expect(JSON.stringify(deniedBody(other))).toContain('namespace ledger-prod of cluster sydney');
    // The sign-in it asks for is the proof: made after the namespace's first sighting there.
    const again = await get(named, signIn('dub-a@fin.example', THU + 4 * H + 120_000), THU + 4 * H + 180_000, '/api/v1/namespaces/ledger-prod/secrets?limit=500', SYD);
    expect(again.status.code, reasonOf(again)).toBe(0);
  });

  it('an engineer who works on both clusters is asked once, at the first Secret on the second cluster; then nothing on either', async () => {
    // Tuesday, a fresh server: the first sign-in covers dublin's namespaces (the grace), not a
    // cluster the engineer never worked in (session 43, day 34's customer boundary): sydney's first
    // Secret asks a sign-in made after it, once.
    const sub = 'both-a@fin.example';
    const TUE = WED - 24 * H;
    const first = signIn(sub, TUE - 40_000);
    expect(reasonOf(await get(named, first, TUE, WORK[0]!, DUB))).toBe('allowed');
    expect(reasonOf(await get(named, first, TUE + 20_000, WORK[1]!, DUB))).toBe('allowed');
    expect(reasonOf(await get(named, first, TUE + 40_000, WORK[0]!, SYD))).toBe('allowed');
    const asked = await get(named, first, TUE + 60_000, WORK[1]!, SYD);
    expect(reasonOf(asked)).toBe('auth_too_old');
    expect(JSON.stringify(deniedBody(asked))).toContain('a cluster this identity has not worked in needs a sign-in after its first sighting');
    expect(reasonOf(await get(named, signIn(sub, TUE + 90_000), TUE + 120_000, WORK[1]!, SYD))).toBe('allowed');
    const login = await twoDays(named, sub, [DUB, SYD]);
    for (const host of [DUB, SYD]) {
      const res = await get(named, login, THU + 4 * H, '/api/v1/namespaces/ledger-prod/secrets?limit=500', host);
      expect(res.status.code, `${host}: ${reasonOf(res)}`).toBe(0);
    }
  });

  it("through Backstage's proxy, the cluster its Backstage-Kubernetes-Cluster header names: a Secret list on the other cluster asks a sign-in made after it", async () => {
    // Found (session 43): Backstage's proxy has no cluster in its path, so every request through it
    // met one unnamed cluster's working set, whichever cluster the header sent it to.
    const BACKSTAGE = 'backstage.localhost';
    const through = (cluster: string) => ({ 'user-agent': KUBECTL, 'backstage-kubernetes-cluster': cluster });
    const sub = 'bs-a@fin.example';
    let login = signIn(sub, WED - 40_000);
    for (const day of [WED, THU]) {
      login = signIn(sub, day - 40_000);
      let t = day;
      for (const path of WORK) {
        const res = await named.sendAt(login, (t += 20_000), { method: 'GET', path: `/api/kubernetes/proxy${path}`, source: HOME, host: BACKSTAGE, headers: through('dublin') });
        expect(res.status.code, `${path}: ${reasonOf(res)}`).toBe(0);
      }
    }
    const SECRETS = '/api/kubernetes/proxy/api/v1/namespaces/ledger-prod/secrets?limit=500';
    const own = await named.sendAt(login, THU + 4 * H, { method: 'GET', path: SECRETS, source: HOME, host: BACKSTAGE, headers: through('dublin') });
    expect(own.status.code, reasonOf(own)).toBe(0);
    const other = await named.sendAt(login, THU + 4 * H + 60_000, { method: 'GET', path: SECRETS, source: HOME, host: BACKSTAGE, headers: through('sydney') });
    expect(reasonOf(other)).toBe('auth_too_old');
    expect(JSON.stringify(deniedBody(other))).toContain('namespace ledger-prod of cluster sydney');
  });

  it("a Backstage custom query's lists are judged on every cluster (its service locator picks them, unseen): a sign-in made for every Secret of one cluster does not list another's", async () => {
    // Found (session 44): Backstage's kubernetes-backend makes a custom query's lists on the
    // clusters its service locator picks (every one with multiTenant, the default; the one the
    // body's entity annotation names with singleTenant), none in the request, and stepgate judged
    // each on no cluster. A sign-in made for the list of dublin's every Secret then listed every
    // Secret through Backstage (sydney's too: allowed), where the same list on sydney asks a
    // sign-in of its own (cluster_secret_list).
    const BACKSTAGE = 'backstage.localhost';
    await twoDays(named, 'bs-q@fin.example', [DUB]);
    const fresh = signIn('bs-q@fin.example', THU + 4 * H - 30_000);
    const own = await get(named, fresh, THU + 4 * H, '/api/v1/secrets?limit=500', DUB);
    const direct = await get(named, fresh, THU + 4 * H + 10_000, '/api/v1/secrets?limit=500', SYD);
    const query = (login: Login, at: number) =>
      named.sendAt(login, at, {
        method: 'POST',
        path: '/api/kubernetes/resources/custom/query',
        source: HOME,
        host: BACKSTAGE,
        headers: { 'user-agent': KUBECTL, 'content-type': 'application/json', 'x-envoy-auth-partial-body': 'false' },
        body: JSON.stringify({ entityRef: 'component:default/ledger', customResources: [{ group: '', apiVersion: 'v1', plural: 'secrets' }] }),
      });
    const through = await query(fresh, THU + 4 * H + 60_000);
    expect([reasonOf(own), reasonOf(direct), reasonOf(through)]).toEqual(['allowed', 'auth_too_old', 'auth_too_old']);
    expect(JSON.stringify(deniedBody(through))).toContain('Secrets listed across all namespaces');
    // Control: the sign-in it asks for lists them (no loop between the clusters' asks).
    const again = await query(signIn('bs-q@fin.example', THU + 4 * H + 90_000), THU + 4 * H + 120_000);
    expect(reasonOf(again)).toBe('allowed');
  });

  it('without kubernetes.clusters (the example as shipped) both hosts are one cluster: the same list is the working set', async () => {
    const login = await twoDays(shipped, 'dub-b@fin.example', [DUB]);
    const other = await get(shipped, login, THU + 4 * H, '/api/v1/namespaces/ledger-prod/secrets?limit=500', SYD);
    expect(other.status.code, reasonOf(other)).toBe(0);
  });
});
