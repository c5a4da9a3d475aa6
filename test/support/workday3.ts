import { LINUX, MAC, WIN, prng, withAttacks, type DayEvent, type Login } from './workday.js';

/**
 * A third replayed day, written to test generalisation rather than to pass: built from a catalogue
 * of tasks (what a person does in one sitting: check a rollout, debug a pod, rotate a Secret, a
 * helm upgrade, `kubectl get secret a b c`) rather than from per-request draws, with people the
 * first two days do not have: two laptops each with its own sign-in, a flight from Berlin to the
 * Lisbon office at midday, a train ride on a phone hotspot, a contractor on a four-hour day, an
 * evening on-call incident, a new starter, Grafana in the browser, CI releasing to staging and a
 * nightly cluster-wide inventory job. The attacks are the classes again, built as an
 * attacker would who has read how stepgate works: a slow pace (one object every 30 s), discovery
 * calls interleaved, Secrets in alphabetical namespace order, a session replayed from another
 * device inside the office network, a deletecollection of a production namespace in one request,
 * a CI token used from outside, a stolen refresh token, travel to Lisbon in 40 minutes.
 */

export const D3_DAY0 = Date.UTC(2026, 11, 14, 0, 0, 0); // warm-up (a Monday), not scored
export const D3_DAY1 = D3_DAY0 + 86_400_000;
const H = 3_600_000;
const M = 60_000;
const S = 1000;

const KUBECTL = (v: string, os: string) => `kubectl/${v} (${os}) kubernetes/3f1d7a2`;
const HELM = 'Helm/3.16.4';
const FIREFOX = (os: string) => `Mozilla/5.0 (${os}; rv:134.0) Gecko/20100101 Firefox/134.0`;
const CHROME = (os: string, v = '132.0.6834.83') => `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v} Safari/537.36`;

/** Teams and their namespaces: the team's own, `-staging`, `prod-`. */
const TEAMS = ['ledger', 'maps', 'ml', 'edge'] as const;

type Where = 'office' | 'lisbon' | 'home' | 'train' | 'cowork';

interface Laptop {
  kubectl: string;
  browser: string;
  /** Its own login: kubectl's OIDC plugin and the browser on that laptop sign in separately from another laptop's. */
  tag: string;
}

interface Person {
  name: string;
  team: string;
  idx: number;
  /** [from hour, to hour, where, laptop index]. */
  day: [number, number, Where, number][];
  laptops: Laptop[];
  helm: boolean;
  newStarter?: boolean;
  sre?: boolean;
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  let idx = 0;
  const laptop = (mac: boolean, v: string, tag: string): Laptop => ({
    kubectl: KUBECTL(v, mac ? 'darwin/arm64' : 'linux/amd64'),
    browser: mac ? CHROME(MAC) : idx % 2 ? FIREFOX(LINUX) : CHROME(LINUX),
    tag,
  });
  for (const team of TEAMS) {
    const size = team === 'ledger' ? 4 : team === 'edge' ? 2 : 3;
    for (let j = 0; j < size; j++, idx++) {
      const mac = (idx + j) % 3 === 0;
      const a = laptop(mac, ['v1.31.6', 'v1.32.2', 'v1.33.0'][idx % 3]!, 'a');
      const start = 8 + rand() * 2;
      const len = 7 + rand() * 1.5;
      const p: Person = { name: `d3-${team}-${j}@example.net`, team, idx, day: [[start, start + len, 'office', 0]], laptops: [a], helm: idx % 3 === 1 };
      if (idx % 4 === 1) p.day = [[start, start + len, 'home', 0]];
      if (idx === 2) {
        // Two laptops: the work one in the office, a second (its own sign-in) at home after 15:00.
        p.laptops.push(laptop(!mac, 'v1.32.2', 'b'));
        p.day = [[start, 15, 'office', 0], [15.5, 19, 'home', 1]];
      }
      if (idx === 5) {
        // Flies Berlin → Lisbon: a morning in the Berlin office, the afternoon in the Lisbon office
        // (a network never used by them), same laptop, same login.
        p.day = [[7, 8.5, 'office', 0], [13.5, 18, 'lisbon', 0]];
      }
      if (idx === 7) {
        // On the train in the morning (phone hotspot behind carrier NAT), then the office.
        p.day = [[8, 9.5, 'train', 0], [10, 17.5, 'office', 0]];
      }
      if (idx === 9) p.day = [[13, 17, 'cowork', 0]]; // a contractor's four-hour afternoon
      if (idx === 11) p.newStarter = true;
      out.push(p);
    }
  }
  for (let j = 0; j < 2; j++, idx++) {
    out.push({
      name: `d3-platform-${j}@example.net`,
      team: 'platform',
      idx,
      day: [[9 + j * 2, 17 + j * 2, j === 0 ? 'office' : 'home', 0]],
      laptops: [{ kubectl: KUBECTL('v1.33.0', 'linux/amd64'), browser: CHROME(LINUX), tag: 'a' }],
      helm: true,
      sre: true,
    });
  }
  return out;
}

function addressOf(p: Person, where: Where, n: number): string {
  const i = p.idx;
  switch (where) {
    case 'office':
      return `10.20.${8 + (i % 2)}.${100 + i}`;
    case 'lisbon':
      return `2a01:1b0:7:20::${(0x100 + i).toString(16)}`;
    case 'home':
      return `81.${20 + i}.${(i * 37) % 250}.${(i * 11) % 250 + 2}`;
    case 'train':
      // A phone hotspot behind carrier NAT: the address and its /24 change every few requests.
      return `172.59.${(i * 5 + Math.floor(n / 2)) % 120}.${(n * 29) % 250 + 3}`;
    case 'cowork':
      return '185.199.40.77';
  }
}

type Req = { method: string; path: string; host?: string };

/** One sitting's worth of work: a task from the catalogue. `ns` is the team namespace chosen. */
function task(rand: () => number, p: Person, tool: 'kubectl' | 'helm' | 'browser'): Req[] {
  const t = p.team === 'platform' ? TEAMS[Math.floor(rand() * TEAMS.length)]! : p.team;
  const r0 = rand();
  const ns = r0 < 0.5 ? t : r0 < 0.8 ? `${t}-staging` : `prod-${t}`;
  const app = `${t}-${['api', 'worker', 'web'][Math.floor(rand() * 3)]}`;
  const pod = `${app}-7d9f8c6b5-${['x2k4q', 'p9m1z', 'r7t3w'][Math.floor(rand() * 3)]}`;
  if (tool === 'browser') {
    // Grafana dashboards in the browser.
    return [{ method: 'GET', host: 'grafana.localhost', path: `/d/${t}-overview` }, { method: 'GET', host: 'grafana.localhost', path: `/api/ds/query?ds=prometheus` }];
  }
  if (tool === 'helm') {
    // A helm upgrade: the release's Secrets listed, a new release Secret written, the Deployment patched.
    const env = rand() < 0.8 ? `${t}-staging` : `prod-${t}`;
    return [
      { method: 'GET', path: `/api/v1/namespaces/${env}/secrets?labelSelector=name%3D${t}%2Cowner%3Dhelm` },
      { method: 'POST', path: `/api/v1/namespaces/${env}/secrets` },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${env}/deployments/${t}-api` },
      { method: 'PUT', path: `/api/v1/namespaces/${env}/secrets/sh.helm.release.v1.${t}.v${10 + Math.floor(rand() * 20)}` },
    ];
  }
  const k = rand();
  const disco: Req[] = rand() < 0.3 ? [{ method: 'GET', path: '/api' }, { method: 'GET', path: '/apis' }] : [];
  if (k < 0.45) {
    // Check a rollout.
    return [...disco, { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments/${t}-api` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3D${app}` }];
  }
  if (k < 0.65) {
    // Read logs.
    return [...disco, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}/log?container=app&tailLines=200` }];
  }
  if (k < 0.75) {
    // Debug a pod: a shell, sometimes a port-forward to it.
    const out: Req[] = [...disco, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${pod}` }, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/exec?command=bash&stdin=true&stdout=true&tty=true` }];
    if (rand() < 0.4) out.push({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods/${pod}/portforward` });
    return out;
  }
  if (k < 0.83) {
    // `kubectl get secret a b c`: two or three Secrets, one after the other in the same second.
    const names = [`${t}-db`, `${t}-tls`, `${t}-api-token`].slice(0, 2 + Math.floor(rand() * 2));
    return names.map((n) => ({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${n}` }));
  }
  if (k < 0.9) {
    // Rotate a Secret and restart the Deployment that mounts it.
    return [
      { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/${t}-api-token` },
      { method: 'PUT', path: `/api/v1/namespaces/${ns}/secrets/${t}-api-token` },
      { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/${t}-api` },
    ];
  }
  if (k < 0.95) {
    // Delete a stuck pod, then watch it come back.
    return [{ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/${pod}` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods?watch=true&labelSelector=app%3D${app}` }];
  }
  // Scale a job down and back.
  return [{ method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/cronjobs` }, { method: 'PATCH', path: `/apis/batch/v1/namespaces/${ns}/cronjobs/${t}-nightly` }];
}

export function workday3(seed = 5): DayEvent[] {
  const rand = prng(seed * 104_729 + 17);
  const people = staff(rand);
  const events: DayEvent[] = [];
  for (const day of [D3_DAY0, D3_DAY1]) {
    const scored = day === D3_DAY1;
    for (const p of people) {
      if (p.newStarter && !scored) continue;
      // The traveller and the two-laptop engineer: the warm-up day is an ordinary office day on their first laptop.
      const blocks = !scored && (p.idx === 5 || p.idx === 2) ? [[9, 17, 'office', 0] as [number, number, Where, number]] : p.day;
      const logins = new Map<number, Login>();
      let n = 0;
      for (const [from, to, where, li] of blocks) {
        const lap = p.laptops[li]!;
        let login = logins.get(li);
        if (!login) {
          // Each laptop's first use of the day starts with its own sign-in (two factors).
          login = { sub: p.name, sid: `${p.name}:${day}:${lap.tag}`, authTime: Math.floor((day + from * H) / 1000) - 40, acr: 'urn:stepgate:aal2' };
          logins.set(li, login);
        }
        let t = day + from * H;
        const end = day + to * H;
        while (t < end) {
          const hour = (t - day) / H;
          if (hour >= 12.25 && hour < 13) {
            t = day + 13 * H;
            continue;
          }
          const r = rand();
          const tool = r < 0.12 ? 'browser' : p.helm && r < 0.2 ? 'helm' : 'kubectl';
          const ua = tool === 'browser' ? lap.browser : tool === 'helm' ? HELM : lap.kubectl;
          const reqs = task(rand, p, tool);
          // `get secret a b c` is one command: its requests come in the same second.
          const gap = reqs.every((q) => q.path.includes('/secrets/')) ? 150 : 900 + rand() * 1500;
          reqs.forEach((q, k) => events.push({ at: Math.round(t + k * gap), actor: p.name, scored, ip: addressOf(p, where, n++), ua, login: login!, ...q }));
          t += (4 + rand() * 16) * M;
        }
      }
      if (p.sre && p.idx % 2 === 1 && scored) {
        // An evening incident from home (20:40–21:05) across every team's production namespace.
        const t1 = day + 20 * H + 40 * M;
        const login: Login = { sub: p.name, sid: `${p.name}:${day}:a`, authTime: Math.floor((day + p.day[0]![0] * H) / 1000) - 40, acr: 'urn:stepgate:aal2' };
        const steps: [string, string][] = [];
        for (const team of TEAMS) steps.push(['GET', `/api/v1/namespaces/prod-${team}/pods`]);
        steps.push(['GET', '/api/v1/namespaces/prod-ledger/pods/ledger-api-7d9f8c6b5-x2k4q/log?previous=true']);
        steps.push(['GET', '/api/v1/namespaces/prod-ledger/secrets/ledger-db']);
        steps.push(['POST', '/api/v1/namespaces/prod-ledger/pods/ledger-api-7d9f8c6b5-x2k4q/exec?command=sh']);
        steps.push(['GET', '/api/v1/namespaces/prod-maps/secrets/maps-db']);
        steps.push(['POST', '/api/v1/namespaces/prod-maps/pods/maps-api-7d9f8c6b5-p9m1z/exec?command=sh']);
        steps.push(['DELETE', '/api/v1/namespaces/prod-ledger/pods/ledger-api-7d9f8c6b5-x2k4q']);
        steps.push(['DELETE', '/api/v1/namespaces/prod-maps/pods/maps-api-7d9f8c6b5-p9m1z']);
        steps.push(['GET', '/api/v1/namespaces/prod-ml/secrets/ml-db']);
        steps.push(['POST', '/api/v1/namespaces/prod-ml/pods/ml-worker-7d9f8c6b5-r7t3w/portforward']);
        steps.push(['PATCH', '/apis/apps/v1/namespaces/prod-ledger/deployments/ledger-api']);
        steps.push(['DELETE', '/api/v1/namespaces/prod-edge/pods/edge-web-7d9f8c6b5-r7t3w']);
        steps.push(['GET', '/api/v1/namespaces/prod-edge/secrets/edge-tls']);
        steps.push(['PATCH', '/apis/apps/v1/namespaces/prod-edge/deployments/edge-web']);
        steps.forEach(([method, path], k) => events.push({ at: t1 + k * 80 * S, actor: p.name, scored, ip: addressOf(p, 'home', 0), ua: p.laptops[0]!.kubectl, login, method, path }));
      }
    }
    // CI: a release job every 12 minutes (07:00–19:00), each with its own token, from the runner pool.
    for (let j = 0; j < 60; j++) {
      const t = day + 7 * H + j * 12 * M;
      const login: Login = { sub: 'ci-release@example.net', sid: `ci3:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.32.${j % 6}.${(j * 7) % 200 + 10}`;
      const team = TEAMS[j % TEAMS.length]!;
      const ua = 'Go-http-client/2.0';
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/api/v1/namespaces/${team}-staging/configmaps/${team}-release` });
      events.push({ at: t + 2 * S, actor: 'ci', scored, ip, ua, login, method: 'PATCH', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api` });
      events.push({ at: t + 9 * S, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/apis/apps/v1/namespaces/${team}-staging/deployments/${team}-api` });
    }
    // The nightly inventory job, run at noon: every pod and deployment of the cluster.
    const inv: Login = { sub: 'ci-release@example.net', sid: `ci3:${day}:inventory`, authTime: Math.floor((day + 12 * H) / 1000), acr: 'urn:stepgate:aal1' };
    ['/api/v1/pods', '/apis/apps/v1/deployments', '/api/v1/namespaces'].forEach((path, k) => events.push({ at: day + 12 * H + k * 4 * S, actor: 'ci', scored, ip: '10.32.9.9', ua: 'Go-http-client/2.0', login: inv, method: 'GET', path }));
  }
  return withAttacks(events, attacks3(people, seed));
}

function attacks3(people: Person[], seed: number): DayEvent[] {
  const out: DayEvent[] = [];
  const rand = prng(seed * 31 + 3);
  const by = (team: string, j = 0) => people.find((p) => p.name === `d3-${team}-${j}@example.net`)!;
  const morning = (p: Person, li = 0): Login => ({ sub: p.name, sid: `${p.name}:${D3_DAY1}:${p.laptops[li]!.tag}`, authTime: Math.floor((D3_DAY1 + p.day[0]![0] * H) / 1000) - 40, acr: 'urn:stepgate:aal2' });
  const at = (p: Person, hour: number) => {
    const b = p.day.find(([f, t]) => hour >= f && hour < t) ?? p.day[0]!;
    return addressOf(p, b[2], 3);
  };
  type R = [string, string, boolean];
  const add = (attack: string, t0: number, ip: string, ua: string, login: Login, reqs: R[], gapMs: number, signsIn = false) =>
    reqs.forEach(([method, path, sensitive], k) => out.push({ at: t0 + k * gapMs, actor: `attacker:${attack}`, attack, sensitive, scored: true, ip, ua, login, method, path, ...(signsIn ? { signsIn } : {}) }));
  const allNs = [...TEAMS.flatMap((t) => [t, `${t}-staging`, `prod-${t}`]), 'platform', 'monitoring', 'ingress'].sort();

  // Malware on the victim's laptop through its kubectl, pacing itself: `get ns`, then one
  // Secret list every 30 s, namespaces in alphabetical order (it does not know where the victim works).
  const maps0 = by('maps');
  add('slow malware via kubectl (30 s per namespace)', D3_DAY1 + 14 * H, at(maps0, 14), maps0.laptops[0]!.kubectl, morning(maps0),
    [['GET', '/api/v1/namespaces', false] as R, ...allNs.map((ns): R => ['GET', `/api/v1/namespaces/${ns}/secrets`, true])], 30 * S);
  // Malware that interleaves discovery with its reads and starts with the victim's own team's
  // Secrets by name, then moves on to other teams' at a person's pace.
  const ledger1 = by('ledger', 1);
  const ownFirst = ['ledger', 'ledger-staging', 'prod-ledger', 'prod-maps', 'prod-ml', 'prod-edge'];
  add('malware with discovery between reads', D3_DAY1 + 11 * H, at(ledger1, 11), ledger1.laptops[0]!.kubectl, morning(ledger1),
    ownFirst.flatMap((ns): R[] => [['GET', '/api', false], ['GET', '/apis', false], ['GET', '/openapi/v3', false], ['GET', `/api/v1/namespaces/${ns}/secrets/${ns.replace(/^prod-/, '').replace(/-staging$/, '')}-db`, true]]), 2500);
  // The victim's session replayed from another device inside the office network (a colleague's
  // compromised workstation): trusted network, another browser and OS, the victim's login.
  const ml1 = by('ml', 1);
  add('session replayed from another office device', D3_DAY1 + 15 * H, '10.20.9.201', CHROME(WIN, '131.0.6778.205'), morning(ml1),
    [['GET', '/api/v1/namespaces/ml/pods', false], ['GET', '/api/v1/namespaces/prod-ml/secrets/ml-db', true]], 4000);
  // The same from outside: a hijacked browser session from a residential proxy.
  const edge0 = by('edge');
  add('hijacked browser session', D3_DAY1 + 10.5 * H + rand() * H, '45.83.12.9', FIREFOX(WIN), morning(edge0),
    [['GET', '/api/v1/namespaces/prod-edge/secrets/edge-tls', true]], 1000);
  // One request deletes every pod of the victim's own production namespace.
  const ledger0 = by('ledger');
  add('deletecollection of a production namespace', D3_DAY1 + 16.5 * H, at(ledger0, 16.5), ledger0.laptops[0]!.kubectl, morning(ledger0),
    [['DELETE', '/api/v1/namespaces/prod-ledger/pods', true]], 1000);
  // A CI job token, leaked from a build log, used from outside the runner pool.
  add('CI token used from outside', D3_DAY1 + 13 * H, '91.203.5.14', 'python-requests/2.32.3', { sub: 'ci-release@example.net', sid: 'ci3:leak', authTime: Math.floor((D3_DAY1 + 12.9 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['GET', '/api/v1/namespaces/ledger-staging/configmaps', false], ['GET', '/api/v1/namespaces/prod-ledger/secrets/ledger-db', true]], 5000);
  // The CI identity from a runner (a poisoned pipeline) opening a shell in production.
  add('CI identity opens a shell in production', D3_DAY1 + 9 * H + 12 * M, '10.32.2.44', 'Go-http-client/2.0', { sub: 'ci-release@example.net', sid: 'ci3:poisoned', authTime: Math.floor((D3_DAY1 + 9.2 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['POST', '/api/v1/namespaces/prod-maps/pods/maps-api-7d9f8c6b5-x2k4q/exec?command=sh', true]], 1000);
  // A refresh token stolen from the victim's laptop: ID tokens minted from it keep the morning's
  // auth_time and sid, used hours later from the attacker's VPS.
  const maps2 = by('maps', 2);
  add('stolen refresh token from elsewhere', D3_DAY1 + 17 * H, '5.188.62.140', maps2.laptops[0]!.kubectl, morning(maps2),
    [['GET', '/api/v1/namespaces/maps/pods', false], ['GET', '/api/v1/namespaces/maps/secrets/maps-db', true]], 7000);
  // An aal1 session (password only, from a phishing page) used from a new IPv6 network.
  const edge1 = by('edge', 1);
  add('stolen aal1 token', D3_DAY1 + 12.6 * H, '2001:db8:77:1::5', edge1.laptops[0]!.kubectl, { sub: edge1.name, sid: 'phish-3', authTime: Math.floor((D3_DAY1 + 12.5 * H) / 1000), acr: 'urn:stepgate:aal1' },
    [['GET', '/api/v1/namespaces/edge/pods', false], ['POST', '/api/v1/namespaces/edge/pods/edge-web-7d9f8c6b5-x2k4q/exec?command=sh', true]], 3000);
  // The platform engineer's token used at the Lisbon office 40 minutes after they used it in Berlin.
  const plat0 = people.find((p) => p.name === 'd3-platform-0@example.net')!;
  add('token used in Lisbon 40 min after Berlin', D3_DAY1 + 11 * H + 40 * M, '2a01:1b0:7:31::66', plat0.laptops[0]!.kubectl, morning(plat0),
    [['GET', '/api/v1/namespaces/prod-edge/secrets/edge-tls', true]], 1000);
  // RBAC escalation from the victim's own laptop, own namespace, own token.
  const ml0 = by('ml');
  add('RBAC escalation', D3_DAY1 + 10 * H + 20 * M, at(ml0, 10.4), ml0.laptops[0]!.kubectl, morning(ml0),
    [['GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/ml/rolebindings', false], ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true]], 6000);
  // Exec fan-out at a person's pace (one pod every 25 s) through every team's production namespace, victim's laptop.
  const ledger3 = by('ledger', 3);
  const order = [...TEAMS].sort(() => rand() - 0.5);
  add('exec fan-out at a person\'s pace', D3_DAY1 + 15.5 * H, at(ledger3, 15.5), ledger3.laptops[0]!.kubectl, morning(ledger3),
    order.flatMap((team) => ['api', 'worker'].map((a): R => ['POST', `/api/v1/namespaces/prod-${team}/pods/${team}-${a}-7d9f8c6b5-x2k4q/exec?command=sh`, true])), 25 * S);
  // An insider, freshly signed in on their own laptop, deleting Deployments across production every 4 s.
  const ml2 = by('ml', 2);
  add('insider deletes production Deployments', D3_DAY1 + 16 * H, at(ml2, 16), ml2.laptops[0]!.kubectl,
    { sub: ml2.name, sid: `${ml2.name}:insider`, authTime: Math.floor((D3_DAY1 + 16 * H) / 1000) - 120, acr: 'urn:stepgate:aal2' },
    Array.from({ length: 24 }, (_, k): R => ['DELETE', `/apis/apps/v1/namespaces/prod-${TEAMS[k % 4]}/deployments/${TEAMS[k % 4]}-${['api', 'worker', 'web'][k % 3]}-${k}`, true]), 4000, true);
  return out;
}
