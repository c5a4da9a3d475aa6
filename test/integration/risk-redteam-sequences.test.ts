import { describe, expect, it } from 'vitest';
import { answering, askOf, H, HOME, KUBECTL, M, REFUSED, S, secret, sequences, signedIn, T0 } from '../support/ask-sequences.js';
import { deniedBody, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import type { Login } from '../support/workday.js';

/**
 * Red team of sequences over virtual time (issue 12), by an attacker who has read docs/risk.md:
 * every count, window and grace it publishes. Black-box through the real gRPC server running
 * examples/stepgate.yaml on the injected clock. Each row names the first sensitive action that
 * must not succeed and asserts it is refused (a step-up or a deny) at or before it.
 */

const s = exampleServiceForFile();
const { get, engineer, firstRefused, refusedBy } = sequences(s);

// The engineer's own request is asked (a Secret in a namespace they never worked in), they sign in
// and retry it. Malware on the laptop, watching the credential plugin's cache for a new token,
// starts its own loop within the 30 s that session 35's answered burst (src/risk/engine.ts
// answeredBurst) gives a run the sign-in answered. Its run was never asked; a fresh sign-in that
// answered nothing is asked at the 4th Secret at machine pace (docs/risk.md `machine_pace`).
describe('riding the sign-in that answered the engineer\'s own step-up', () => {
  /** The engineer's read at 11:00 asked, answered by a sign-in at :20 and retried at :22; then malware's loop from :25, one a second. */
  async function ride(sub: string, loop: (k: number) => string): Promise<void> {
    const login = await engineer(sub);
    const at = T0 + 3 * H;
    expect(reasonOf(await get(login, at, secret('search-prod', 'search-db')))).toBe('auth_too_old');
    const fresh = signedIn(login, at + 20 * S);
    expect(reasonOf(await get(fresh, at + 22 * S, secret('search-prod', 'search-db')))).toBe('allowed');
    await refusedBy(fresh, at, Array.from({ length: 12 }, (_, k) => [25 * S + k * S, loop(k)] as const), 3);
  }

  it('malware\'s loop over the working set\'s Secrets, begun after the engineer\'s retry, is asked by the 4th', () => ride('ride-1@example.io', (k) => secret('prod-cart', `stolen-${k}`)));

  it('malware\'s loop across namespaces never worked in, begun after the retry, is asked by the 4th', () => ride('ride-2@example.io', (k) => secret(`team${k}-prod`, 'db')));

  it('without the engineer\'s step-up, the same loop on a fresh sign-in is asked by the 4th (control)', async () => {
    const login = await engineer('ride-0@example.io');
    const at = T0 + 3 * H;
    const fresh = signedIn(login, at + 20 * S);
    expect(reasonOf(await get(fresh, at + 22 * S, '/api/v1/namespaces/prod-cart/pods'))).toBe('allowed');
    const rows = Array.from({ length: 12 }, (_, k) => [25 * S + k * S, secret('prod-cart', `stolen-${k}`)] as const);
    await refusedBy(fresh, at, rows, 3);
  });
});

// Distinct Secrets of the working set read just under machine pace (3 in 20 s), spread so that
// no 20 s holds four, to find what the two-bucket count of sensitive_objects (more than 6 in
// 120 s) lets through.
describe('threshold evasion of the distinct-objects count', () => {
  const paced = (name: string, gaps: readonly number[]) =>
    it(name, async () => {
      const login = await engineer(`pace-${name.length}-${gaps.length}@example.io`);
      const at = T0 + 3 * H;
      let t = 0;
      const rows = gaps.map((g, k) => {
        t += g;
        return [t, secret('prod-cart', `enum-${k}`)] as const;
      });
      // 7 distinct objects within 120 s is over the threshold: refused at or before the 7th.
      await refusedBy(login, at, rows, 6);
    });
  paced('one every 17 s', Array.from({ length: 30 }, () => 17 * S));
  paced('three in two seconds, then 21 s', Array.from({ length: 30 }, (_, k) => (k % 3 === 0 ? 21 * S : S)));
  paced('one every 19 s across bucket edges', Array.from({ length: 30 }, () => 19 * S));
});

const VPS = '203.0.113.50';
const PYTHON = 'python-requests/2.32.3';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const K9S = 'k9s/v0.32.5 (linux/amd64) kubernetes/$Format';

// A stolen token, used from the attacker's VPS: the docs say a new network binds to an
// authentication after its first sighting, and that only an allowed request teaches. The attacker
// tries to make the VPS familiar with many harmless requests first, then retries a refusal as
// another client.
describe('teaching stepgate the attacker\'s context', () => {
  const cases: [string, (sub: string, at: number) => Login][] = [
    ['a fresh two-factor sign-in captured a minute after it was made', (sub, at) => ({ sub, sid: `${sub}:cap`, authTime: Math.floor((at - M) / 1000), acr: 'urn:stepgate:aal2' })],
    ['a one-factor sign-in of this morning', (sub) => ({ sub, sid: `${sub}:aal1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal1' })],
    ['the victim\'s own login of this morning, refreshed hourly by the credential plugin', (sub) => ({ sub, sid: `${sub}:1`, authTime: Math.floor(T0 / 1000), acr: 'urn:stepgate:aal2' })],
  ];
  for (const [k, [what, stolen]] of cases.entries()) {
    it(`${what}: forty harmless requests from the VPS teach nothing; the Secret read after them is refused, as every client`, async () => {
      const login = await engineer(`teach-${k}@example.io`);
      const at = T0 + 2 * H;
      const token = stolen(login.sub, at);
      // The victim goes on working from home meanwhile.
      expect(reasonOf(await get(login, at - 30 * S, '/api/v1/namespaces/prod-cart/pods'))).toBe('allowed');
      const harmless = ['/api', '/apis', '/version', '/api/v1/namespaces', '/api/v1/namespaces/prod-cart/pods', '/api/v1/namespaces/prod-cart/pods/cart-api-7d9f', '/api/v1/namespaces/prod-cart/events'];
      for (let n = 0; n < 40; n++) await get(token, at + n * 15 * S, harmless[n % harmless.length]!, VPS);
      const target = secret('prod-cart', 'cart-db');
      for (const ua of [KUBECTL, PYTHON, BROWSER, K9S, '']) {
        const res = await get(token, at + 11 * M, target, VPS, ua);
        expect(REFUSED, `${ua || 'no user agent'}`).toContain(reasonOf(res));
      }
    });
  }

  it('a token relayed by a phishing proxy in the second of its sign-in is refused from the proxy\'s network', async () => {
    const login = await engineer('relay-1@example.io');
    const at = T0 + 2 * H;
    const relayed: Login = { sub: login.sub, sid: `${login.sub}:relay`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal2' };
    // 300 ms after the sign-in: its auth_time is the same whole second.
    const first = await get(relayed, at + 300, '/api/v1/namespaces/prod-cart/pods', VPS);
    const secretRead = await get(relayed, at + 2 * S, secret('prod-cart', 'cart-db'), VPS);
    expect(REFUSED, `first ${String(reasonOf(first))}`).toContain(reasonOf(secretRead));
  });
});

// The edges of unfamiliar_namespace's hour: a sign-in at most grace_seconds before a namespace's
// first sighting proves it. The attacker's token from the morning is exactly as old as the docs say.
describe('at the grace\'s edge', () => {
  it('a sign-in 3601 s before a namespace\'s first sighting is refused there; 3600 s is proof', async () => {
    const login = await engineer('edge-1@example.io');
    const at = Math.floor(T0 / 1000) * 1000 + 3601 * S;
    expect(REFUSED).toContain(reasonOf(await get(login, at, secret('ledger-prod', 'db'))));
    const login2 = await engineer('edge-2@example.io');
    expect(reasonOf(await get(login2, T0 + 3600 * S, secret('ledger-prod', 'db')))).toBe('allowed');
  });
});

// Benign reads between the Secrets do not dilute the distinct-objects counts: they count objects,
// not a share of the requests.
describe('diluted with harmless reads', () => {
  it('four new Secrets within 20 s, thirty pod and event reads between them, are machine pace at the 4th', async () => {
    const login = await engineer('dilute-1@example.io');
    const at = T0 + 3 * H;
    const rows: [number, string][] = [];
    for (let k = 0; k < 6; k++) {
      for (let j = 0; j < 5; j++) rows.push([k * 4 * S + j * 500, j % 2 === 0 ? '/api/v1/namespaces/prod-cart/pods' : '/api/v1/namespaces/prod-cart/events']);
      rows.push([k * 4 * S + 3 * S, secret('prod-cart', `dilute-${k}`)]);
    }
    const { index, reasons } = await firstRefused(login, at, rows);
    const secretsBefore = rows.slice(0, index + 1).filter(([, p]) => p.includes('/secrets/')).length;
    expect(index, reasons.join(',')).toBeGreaterThanOrEqual(0);
    expect(secretsBefore, reasons.join(',')).toBeLessThanOrEqual(4);
  });
});

// machine_pace.resume_seconds: once the engineer's own loop was answered by a sign-in, a run that
// goes over again within 5 minutes of its last request keeps the first run's start, and the
// namespaces an answered run enters are not counted against grace_namespaces; only within what the
// answered run covered (a namespace two of its objects were in, or a name it read in two
// namespaces: src/state/run-cover.ts). Malware on the laptop that starts within those minutes
// reads Secrets of its own choosing, which begin a run of their own.
describe('riding the 5 minutes after the engineer\'s answered loop', () => {
  it('malware\'s Secret reads in namespaces never worked in, two minutes after the engineer\'s answered rotation, are asked by the 4th', async () => {
    const login = await engineer('resume-1@example.io');
    const at = T0 + 3 * H;
    const rotation = (k: number) => secret(`svc${k}-prod`, 'regcred');
    expect(reasonOf(await get(login, at, rotation(0)))).toBe('auth_too_old');
    const fresh = signedIn(login, at + 20 * S);
    for (let k = 0; k < 8; k++) expect(reasonOf(await get(fresh, at + 25 * S + k * 2 * S, rotation(k))), `rotation ${k}`).toBe('allowed');
    const rows = Array.from({ length: 12 }, (_, k) => [25 * S + 16 * S + 2 * M + k * S, secret(`victim${k}-prod`, 'db')] as const);
    await refusedBy(fresh, at, rows, 3);
  });

  /**
   * The engineer's loop over prod-cart's Secrets from `at`, asked at its 4th (machine pace), answered
   * by a sign-in at 25 s and resumed (the next Secrets of prod-cart stay quiet); then malware reads a
   * Secret in each of twelve namespaces never worked in, one a second from `from`.
   */
  async function afterAnsweredLoop(who: string, from: number): Promise<void> {
    const login = await engineer(who);
    const at = T0 + 3 * H;
    const own = (k: number) => secret('prod-cart', `rotated-${k}`);
    const first = await firstRefused(login, at, Array.from({ length: 4 }, (_, k) => [k * S, own(k)] as const));
    expect(first.index, first.reasons.join(',')).toBe(3);
    const fresh = signedIn(login, at + 25 * S);
    for (let k = 3; k < 8; k++) expect(reasonOf(await get(fresh, at + 30 * S + k * S, own(k))), `own ${k}`).toBe('allowed');
    const rows = Array.from({ length: 12 }, (_, k) => [from + k * S, secret(`victim${k}-prod`, 'db')] as const);
    await refusedBy(fresh, at, rows, 3);
  }

  // The answered run was Secrets of prod-cart: malware's reads in namespaces never worked in are
  // outside it, so its 4th is a run of its own after the sign-in (before the cover it was refused
  // only at the 7th, by sensitive_objects).
  it('the same after a loop the engineer answered at machine pace', () => afterAnsweredLoop('resume-2@example.io', 40 * S + 2 * M));

  // Within 30 s of that sign-in, a crossing is also moved back to the step-up it answered (the
  // loop's count, session 35): malware's run then read all twelve Secrets unasked. The step-up was
  // asked in prod-cart of rotated-3: a crossing elsewhere and of another object is not the loop's.
  it('the same right after the loop, within 30 s of the engineer\'s sign-in for its count', () => afterAnsweredLoop('resume-3@example.io', 38 * S));
});

describe('one enumeration split across routes', () => {
  const routes: [string, (ns: string, name: string) => string][] = [
    ['kube.localhost', (ns, name) => secret(ns, name)],
    ['headlamp.localhost', (ns, name) => `/clusters/main${secret(ns, name)}`],
    ['dashboard.localhost', (ns, name) => `/api/v1/secret/${ns}/${name}`],
    ['rancher.localhost', (ns, name) => `/v1/secrets/${ns}/${name}`],
    ['backstage.localhost', (ns, name) => `/api/kubernetes/proxy${secret(ns, name)}`],
  ];
  const via = (login: Login, at: number, host: string, path: string) => s.sendAt(login, at, { method: 'GET', path, source: HOME, host, headers: { 'user-agent': KUBECTL } });

  it('distinct Secrets of the working set, one route after another at a second apart, are machine pace at the 4th', async () => {
    const login = await engineer('routes-1@example.io');
    const at = T0 + 3 * H;
    const reasons: string[] = [];
    for (let k = 0; k < 10; k++) {
      const [host, path] = routes[k % routes.length]!;
      const r = reasonOf(await via(login, at + k * S, host, path('prod-cart', `routed-${k}`))) ?? 'none';
      reasons.push(`${host}:${r}`);
      if (REFUSED.includes(r)) break;
    }
    expect(reasons.length, reasons.join(',')).toBeLessThanOrEqual(4);
    expect(REFUSED, reasons.join(',')).toContain(reasons.at(-1)!.split(':')[1]);
  });

  it('a Secret refused through kubectl (a namespace never worked in) is refused by every other route', async () => {
    const login = await engineer('routes-2@example.io');
    const at = T0 + 3 * H;
    expect(reasonOf(await get(login, at, secret('search-prod', 'search-db')))).toBe('auth_too_old');
    for (const [k, [host, path]] of routes.entries()) {
      expect(REFUSED, host).toContain(reasonOf(await via(login, at + (k + 1) * 15 * S, host, path('search-prod', 'search-db'))));
    }
  });
});

// destructive_burst refuses deletes past 12 in 300 s, even to an insider who signs in whenever
// asked. The counters are two fixed buckets (docs/risk.md, "Counters and windows"): 12 deletes at
// the end of one bucket, then the next bucket's weighted by what is left of the window.
describe('deletes at the buckets\' edge', () => {
  it('an insider signing in whenever asked is refused by the 13th production delete within 300 s', async () => {
    const login = await engineer('edge-del@example.io');
    const bucket = Math.floor((T0 + 3 * H) / (300 * S)) * 300 * S;
    const times = [...Array.from({ length: 12 }, (_, k) => bucket + 276 * S + 2 * k * S), ...Array.from({ length: 12 }, (_, j) => bucket + 300 * S + 25 * j * S)];
    const reasons: string[] = [];
    for (const [k, t] of times.entries()) {
      // Signed in a second before each delete: every freshness and context bound is met.
      const insider: Login = { ...login, sid: `${login.sub}:d${k}`, authTime: Math.floor(t / 1000) - 1 };
      const path = `/apis/apps/v1/namespaces/prod-cart/deployments/svc-${k}`;
      const r = reasonOf(await s.sendAt(insider, t, { method: 'DELETE', path, source: HOME, headers: { 'user-agent': KUBECTL } })) ?? 'none';
      reasons.push(r);
      if (r === 'risk_deny') break;
    }
    expect(reasons.at(-1), reasons.join(',')).toBe('risk_deny');
    expect(reasons.length, reasons.join(',')).toBeLessThanOrEqual(13);
  });
});

describe('distinct objects at the buckets\' edge', () => {
  it('six new Secrets late in one 120 s bucket and three early in the next (9 within 106 s, never 4 in 20 s) are refused by the 7th', async () => {
    const login = await engineer('edge-obj@example.io');
    const B = Math.floor((T0 + 3 * H) / (120 * S)) * 120 * S + 120 * S;
    const times = [-45, -44.5, -44, -22.5, -22, -21.5, 21, 41, 61, 81, 101].map((x) => B + x * S);
    await refusedBy(login, 0, times.map((t, k) => [t, secret('prod-cart', `edge-${k}`)] as const), 6);
  });
});

// A count is bound to its crossing, and a sign-in after the crossing met it: malware that crossed
// while the engineer was at the identity provider for another command, or kept its run over with
// refused reads (each one new object, so the window never empties) until the engineer next signed
// in, was that loop from every request's point of view (session 36). Closed for sign-ins that name
// the step-up they answer (session 37, src/risk/ask.ts and engine.ts boundAnswers): the plugin in the
// engineer's kubectl signs in with the nonce `<ask id>.<random>` of the ask its command got, and a
// run that sign-in did not name stays asked. A sign-in that names no ask answers as before.
describe('a run kept over until the engineer\'s next sign-in', () => {
  it('malware\'s run, crossed while the engineer is at the identity provider for their own command, is asked after the sign-in', async () => {
    const login = await engineer('during-1@example.io');
    const at = T0 + 3 * H;
    const own = await get(login, at, secret('search-prod', 'search-db'));
    expect(reasonOf(own)).toBe('auth_too_old');
    // Malware's run crosses machine pace 5-8 s later, while the engineer signs in.
    const early = await firstRefused(login, at, Array.from({ length: 4 }, (_, k) => [5 * S + k * S, secret('prod-cart', `during-${k}`)] as const));
    // The engineer's refused read is the pace window's first object: malware's third is its fourth.
    expect(early.index).toBe(2);
    // The plugin in the engineer's kubectl signs in for the ask that command got.
    const fresh = answering(login, at + 20 * S, askOf(own));
    expect(reasonOf(await get(fresh, at + 22 * S, secret('search-prod', 'search-db')))).toBe('allowed');
    const rows = Array.from({ length: 12 }, (_, k) => [25 * S + k * S, secret(`grab${k}-prod`, 'db')] as const);
    await refusedBy(fresh, at, rows, 3);
  });

  // Malware's own kubectl runs the credential plugin after its refused read: that read's ask is the
  // run's, and what stepgate lists for the plugin says what was counted (test/unit/
  // credential-ask.test.ts: the real plugin prints it before the browser opens). A sign-in for it
  // answers the run: the engineer was told what they were signing in for.
  it('malware\'s own refused read asks for the run, with what was counted; only a sign-in naming that ask answers it', async () => {
    const login = await engineer('during-3@example.io');
    const at = T0 + 3 * H;
    const run = await firstRefused(login, at, Array.from({ length: 6 }, (_, k) => [k * S, secret('prod-cart', `own-run-${k}`)] as const));
    expect(run.index).toBe(3);
    const refused = await get(login, at + 4 * S, secret('prod-cart', 'own-run-4'));
    const context = (deniedBody(refused).stepgate as { risk: { context: { ask: string; run: { ask: string; counted: string } } } }).risk.context;
    expect(context.ask).toBe(context.run.ask);
    expect(context.ask).toMatch(/^[0-9a-z]{1,9}r[A-Za-z0-9_-]{12}$/);
    expect(context.run.counted).toMatch(/^\d+ distinct sensitive objects in 20s since 11:00:03Z$/);
    // A sign-in made for another command's ask (a Secret in a namespace never worked in, asked on
    // its own account inside the run) answers that command, not the run.
    const other = askOf(await get(login, at + 6 * S, secret('search-prod', 'search-db')));
    expect(other).not.toBe(context.ask);
    expect(reasonOf(await get(answering(login, at + 16 * S, other), at + 17 * S, secret('prod-cart', 'own-run-4')))).toBe('auth_too_old');
    expect(reasonOf(await get(answering(login, at + 18 * S, context.ask), at + 19 * S, secret('prod-cart', 'own-run-6')))).toBe('allowed');
  });

  it('malware\'s run kept over with refused reads for ten minutes is asked after the engineer\'s next sign-in', async () => {
    const login = await engineer('during-2@example.io');
    const at = T0 + 3 * H;
    const keep = Array.from({ length: 120 }, (_, k) => [k * 5 * S, secret('prod-cart', `keep-${k}`)] as const);
    for (const [dt, path] of keep) await get(login, at + dt, path);
    // The engineer's own command ten minutes in (a restart in a namespace they never worked in) is
    // asked; the plugin in that kubectl signs in for the ask it got.
    const restart = { method: 'PATCH', path: '/apis/apps/v1/namespaces/search-prod/deployments/search', source: HOME, headers: { 'user-agent': KUBECTL } };
    const own = await s.sendAt(login, at + 598 * S, restart);
    expect(reasonOf(own)).toBe('auth_too_old');
    const fresh = answering(login, at + 600 * S, askOf(own));
    expect(reasonOf(await s.sendAt(fresh, at + 601 * S, restart))).toBe('allowed');
    // The run that no sign-in named is still asked, of anything the token does: the engineer's next
    // command is asked for the run, and the plugin says what was counted.
    const next = await get(fresh, at + 602 * S, '/api/v1/namespaces/prod-cart/pods');
    expect(reasonOf(next)).toBe('auth_too_old');
    expect(askOf(next)).toMatch(/^[0-9a-z]{1,9}r[A-Za-z0-9_-]{12}$/);
    const rows = Array.from({ length: 12 }, (_, k) => [605 * S + k * S, secret('prod-cart', `after-${k}`)] as const);
    await refusedBy(fresh, at, rows, 3);
  });
});
