import type { CheckResponse } from './grpc-client.js';
import { deniedBody, deniedHeader, reasonOf } from './grpc-client.js';
import type { RequestSpec } from './requests.js';
import { askNonce } from '../../src/core/ask-nonce.js';

/**
 * A replayed working day (issue 12): twenty engineers with their own schedules, networks, laptops
 * and browsers, CI, an on-call incident, client updates, a new starter — and nine attacks mixed in.
 * Deterministic (seeded), on a virtual clock: the runner sets the service's clock to each event's
 * time before sending it through the real gRPC server.
 *
 * Engineers react as people do: a step-up challenge makes them sign in again (two factors, 20 s
 * later) and retry once. Attackers hold a stolen credential and cannot sign in, so the first
 * refusal stops them; the table records at which request and by which signal.
 */

export const DAY0 = Date.UTC(2026, 11, 1, 0, 0, 0); // the warm-up day (history), not scored
export const DAY1 = DAY0 + 86_400_000; // the scored day
const H = 3_600_000;
const M = 60_000;

export interface Login {
  sub: string;
  sid: string;
  /** Epoch seconds. */
  authTime: number | undefined;
  acr: 'urn:stepgate:aal1' | 'urn:stepgate:aal2' | 'urn:stepgate:aal3';
  /**
   * A Kubernetes service-account token (`sub` is `system:serviceaccount:<ns>:<name>`) from the
   * cluster's issuer, which the example judges as automation: no acr, no auth_time, no sid.
   */
  serviceAccount?: true;
  /**
   * The claims as a particular identity provider sends them, in place of the test issuer's
   * acr/amr for `acr` (day 19: Entra ID's passkey sign-in, `acr: "1"`, `amr: ["fido","mfa"]`), and
   * the client the token was issued to (`azp`) when it is not kubelogin's; the `nonce` of a sign-in
   * made to answer a step-up (`<ask id>.<random>`, src/risk/ask.ts), as the credential plugin sends it;
   * the key a DPoP-bound access token is bound to (`cnf.jkt`, RFC 9449; day 37's SRE CLI); the
   * IdP groups where they are not the test issuer's `engineers` (day 37's auditors).
   */
  claims?: { acr?: string; amr?: string[]; azp?: string; nonce?: string; cnf?: { jkt: string }; groups?: string[] };
  /**
   * Who the token says issued it and names the person, where that is not the test issuer (day 32:
   * a second identity provider, its `iss`, `aud`, its own `sub` beside `oid`, `tid`,
   * `preferred_username`, `email`): kept when the engineer signs in again, as the same IdP's.
   */
  identity?: Readonly<Record<string, string>>;
  /**
   * An account with no second factor (day 37's auditors): it answers a challenge only when the
   * level asked is aal1, signing in at aal1 again; one asking more is a refusal no sign-in of theirs
   * answers (counted as forbidden, not as a challenge).
   */
  passwordOnly?: true;
}

export interface DayEvent {
  at: number;
  actor: string;
  /** Routine work (scored for friction) or an attack (scored for being stopped). */
  attack?: string;
  /** Counted as "a sensitive action" for the attack table. */
  sensitive?: boolean;
  /** An attacker who can sign in (the insider): answers challenges like an engineer; only a deny stops them. */
  signsIn?: boolean;
  /**
   * An attack with a token taken from this engineer's machine (malware, a copied token cache): it
   * holds whatever login the engineer holds at that moment, their sign-ins after a challenge included.
   */
  tokenOf?: string;
  scored: boolean;
  ip: string;
  ua: string;
  method: string;
  path: string;
  /** Host (default the Kubernetes API's); a dashboard such as Argo CD's UI otherwise. */
  host?: string;
  /** The credential used; routine engineers replace it after a step-up. */
  login: Login;
  /** Further request headers (a browser's client hints, a write's content-type). */
  headers?: Record<string, string>;
  /** A write's body, sent as a gateway with includeRequestBodyInCheck sends it. */
  body?: string;
  /** The client certificate the gateway verified (`source.principal`); none when absent. */
  principal?: string;
}

/**
 * One engineer of a replayed day as days 5–7 describe them: their service, their sittings on the
 * warm-up and the scored day ([from hour, to hour, where], in the day's own clock), their laptop's
 * OS and kubectl build. Each day adds what it needs beside these (tools, a browser, a role).
 */
export interface StaffMember<Where extends string> {
  name: string;
  idx: number;
  svc: string;
  warm: [number, number, Where][];
  scored: [number, number, Where][];
  os: string;
  kubectlOs: string;
  kubectlVersion: string;
}

export interface TokenMinter {
  token(l: Login, nowMs: number): Promise<string>;
}

/** mulberry32: small, seeded, good enough to spread a day's events. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The OS part of desktop browsers' user agents, shared by the replayed days. */
export const LINUX = 'X11; Linux x86_64';
export const MAC = 'Macintosh; Intel Mac OS X 10_15_7';
export const WIN = 'Windows NT 10.0; Win64; x64';
/** The `sec-ch-ua-platform` hint a Chromium browser sends on each of them. */
export const PLATFORM_HINT: Readonly<Record<string, string>> = { [LINUX]: '"Linux"', [MAC]: '"macOS"', [WIN]: '"Windows"' };
/** kubectl ≥ 1.30 opens exec, attach and port-forward as a WebSocket: a GET with an Upgrade. */
export const WS_UPGRADE: Readonly<Record<string, string>> = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' };

const CHROME = (major: number, patch: string, os = 'X11; Linux x86_64') =>
  `Mozilla/5.0 (${os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.${patch} Safari/537.36`;
const FIREFOX = (v: number, os = 'X11; Linux x86_64') => `Mozilla/5.0 (${os}; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`;
const KUBECTL = (v: string, os = 'linux/amd64') => `kubectl/${v} (${os}) kubernetes/6fc0a69`;

export interface Engineer {
  name: string;
  team: string;
  home: string;
  office: string;
  kubectl: string[];
  browser: string;
  /** Which places the day is spent in: [until hour, where]. */
  places: [number, 'home' | 'office' | 'cafe'][];
  start: number;
  end: number;
  newStarter?: boolean;
  onCall?: boolean;
}

function engineers(rand: () => number): Engineer[] {
  const out: Engineer[] = [];
  for (let i = 0; i < 20; i++) {
    const mac = i % 3 === 0;
    const os = mac ? 'darwin/arm64' : 'linux/amd64';
    const bos = mac ? 'Macintosh; Intel Mac OS X 10_15_7' : 'X11; Linux x86_64';
    const kv = i % 2 ? 'v1.31.4' : 'v1.32.4';
    const kubectl = [KUBECTL(kv, os)];
    // A cloud SDK's kubectl dispatcher: two user agents for the same binary on the same laptop.
    if (i === 3) kubectl.push(`kubectl.1.32/v1.32.4-dispatcher (${os}) kubernetes/6fc0a69`);
    const start = 7.5 + rand() * 2;
    const pattern = i % 7;
    const places: Engineer['places'] =
      pattern < 3 ? [[24, 'office']] : pattern < 5 ? [[24, 'home']] : pattern === 5 ? [[12.5, 'home'], [24, 'office']] : [[12, 'office'], [13.5, 'cafe'], [24, 'office']];
    out.push({
      name: `eng${String(i).padStart(2, '0')}@example.com`,
      team: `team-${i % 5}`,
      home: `100.64.${10 + i}.${20 + i}`,
      office: `10.20.${i % 4}.${30 + i}`,
      kubectl,
      browser: i % 4 === 1 ? FIREFOX(133, bos) : CHROME(131, `6778.${69 + (i % 5)}`, bos),
      places,
      start,
      end: start + 8 + rand() * 1.5,
      newStarter: i === 19,
      onCall: i === 7,
    });
  }
  return out;
}

/** The café's network and the other networks attackers use: never seen for anyone. */
const CAFE = '198.18.7.40';

function placeAt(e: Engineer, hour: number): string {
  for (const [until, where] of e.places) if (hour < until) return where === 'home' ? e.home : where === 'office' ? e.office : CAFE;
  return e.office;
}

/** A routine event: reads in the team's namespaces, with the occasional Secret, exec, restart, deploy. */
function routine(rand: () => number, e: Engineer, team: string): { method: string; path: string } {
  const r = rand();
  const ns = rand() < 0.7 ? team : rand() < 0.5 ? `${team}-staging` : `prod-${team}`;
  if (r < 0.15) return { method: 'GET', path: rand() < 0.5 ? '/api' : '/apis' };
  if (r < 0.5) return { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` };
  if (r < 0.65) return { method: 'GET', path: `/apis/apps/v1/namespaces/${ns}/deployments` };
  if (r < 0.75) return { method: 'GET', path: `/api/v1/namespaces/${ns}/events` };
  if (r < 0.85) return { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/api-${Math.floor(rand() * 3)}/log` };
  if (r < 0.88) return { method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/app-config` };
  if (r < 0.9) return { method: 'POST', path: `/api/v1/namespaces/${ns}/pods/api-0/exec` };
  if (r < 0.93) return { method: 'PATCH', path: `/apis/apps/v1/namespaces/${ns}/deployments/api` };
  if (r < 0.95) return { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/api-${Math.floor(rand() * 3)}` };
  return { method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps` };
}

/** Every event of both days, in time order. */
export function workday(seed = 12): DayEvent[] {
  const rand = prng(seed);
  const events: DayEvent[] = [];
  const staff = engineers(rand);
  for (const day of [DAY0, DAY1]) {
    const scored = day === DAY1;
    for (const e of staff) {
      if (e.newStarter && !scored) continue;
      const t0 = day + e.start * H;
      // The morning sign-in (two factors): kubectl's credential plugin and the browser share it.
      const login: Login = { sub: e.name, sid: `${e.name}:${day}`, authTime: Math.floor(t0 / 1000) - 30, acr: 'urn:stepgate:aal2' };
      let t = t0;
      const end = day + e.end * H;
      let n = 0;
      while (t < end) {
        const hour = (t - day) / H;
        if (hour > 12 && hour < 12.75 && e.places.length < 3) {
          t = day + 12.75 * H; // lunch
          continue;
        }
        const ip = placeAt(e, hour);
        // kubectl most of the time; the dashboard in the browser with the same login now and then.
        const browser = rand() < 0.15;
        let ua = browser ? e.browser : e.kubectl[n % e.kubectl.length]!;
        // Client updates during the day: a browser patch release, a kubectl upgrade.
        if (scored && hour > 13 && e.name.startsWith('eng05') && browser) ua = e.browser.replace(/6778\.\d+/, '6778.108');
        if (scored && hour > 14 && e.name.startsWith('eng06') && !browser) ua = ua.replace(/v1\.3\d\.4/, 'v1.32.5');
        const burst = 1 + Math.floor(rand() * 4);
        for (let b = 0; b < burst; b++) {
          const r = routine(rand, e, e.team);
          events.push({ at: t + b * 2000, actor: e.name, scored, ip, ua, login, ...r });
          n++;
        }
        t += (3 + rand() * 9) * M;
      }
      if (e.onCall && scored) {
        // An incident at 15:00: lists across the prod namespaces, three Secrets, two shells, pod
        // restarts and a rollback, over twelve minutes, from home (where they are meanwhile: their
        // routine work from the office stops for it).
        const t1 = day + 15 * H;
        for (let k = events.length - 1; k >= 0; k--) if (events[k]!.actor === e.name && events[k]!.at >= t1 - 5 * M && events[k]!.at <= t1 + 20 * M) events.splice(k, 1);
        const steps: [string, string][] = [
          ['GET', '/api/v1/namespaces/prod-team-2/pods'],
          ['GET', '/api/v1/namespaces/prod-team-2/events'],
          ['GET', '/api/v1/namespaces/prod-team-2/secrets/db-credentials'],
          ['GET', '/api/v1/namespaces/prod-team-3/pods'],
          ['POST', '/api/v1/namespaces/prod-team-2/pods/api-1/exec'],
          ['GET', '/api/v1/namespaces/prod-team-2/secrets/app-config'],
          ['DELETE', '/api/v1/namespaces/prod-team-2/pods/api-1'],
          ['DELETE', '/api/v1/namespaces/prod-team-2/pods/api-2'],
          ['GET', '/api/v1/namespaces/prod-ingress/pods'],
          ['POST', '/api/v1/namespaces/prod-ingress/pods/gw-0/exec'],
          ['GET', '/api/v1/namespaces/prod-ingress/secrets/tls'],
          ['DELETE', '/api/v1/namespaces/prod-ingress/pods/gw-0'],
          ['PATCH', '/apis/apps/v1/namespaces/prod-team-2/deployments/api'],
          ['GET', '/api/v1/namespaces/prod-db/pods'],
          ['GET', '/api/v1/namespaces/prod-team-4/pods'],
          ['DELETE', '/api/v1/namespaces/prod-team-2/pods/api-0'],
        ];
        steps.forEach(([method, path], k) => events.push({ at: t1 + k * 45_000, actor: e.name, scored, ip: e.home, ua: e.kubectl[0]!, login, method, path }));
      }
    }
    // CI: a job every 20 minutes from the runner pool, each with its own token, deploying to staging.
    for (let j = 0; j < 30; j++) {
      const t = day + 8 * H + j * 20 * M;
      const login: Login = { sub: 'ci-deployer@example.com', sid: `ci:${day}:${j}`, authTime: Math.floor(t / 1000), acr: 'urn:stepgate:aal1' };
      const ip = `10.30.${j % 4}.${10 + (j % 50)}`;
      const ua = 'Go-http-client/2.0';
      events.push({ at: t, actor: 'ci', scored, ip, ua, login, method: 'PATCH', path: `/apis/apps/v1/namespaces/team-${j % 5}-staging/deployments/api` });
      events.push({ at: t + 5000, actor: 'ci', scored, ip, ua, login, method: 'GET', path: `/api/v1/namespaces/team-${j % 5}-staging/pods` });
    }
  }
  return withAttacks(events, attacks(staff));
}

/**
 * Mixes the attacks in. An insider's mass delete is the engineer themself: while they do it (and
 * for the destructive window after) they are not also doing their routine work, so their
 * routine events in that span are dropped rather than scored as friction.
 */
export function withAttacks(events: DayEvent[], attacks: DayEvent[]): DayEvent[] {
  for (const a of attacks.filter((x) => x.signsIn)) {
    const own = attacks.filter((x) => x.attack === a.attack);
    const from = Math.min(...own.map((x) => x.at)) - 60_000;
    const to = Math.max(...own.map((x) => x.at)) + 10 * 60_000;
    events = events.filter((e) => e.attack !== undefined || e.login.sub !== a.login.sub || e.at < from || e.at > to);
  }
  events.push(...attacks);
  events.sort((a, b) => a.at - b.at);
  return events;
}

/** Nine attack classes on the scored day. */
function attacks(staff: Engineer[]): DayEvent[] {
  const out: DayEvent[] = [];
  const eng = (i: number) => staff[i]!;
  const morning = (e: Engineer): Login => ({ sub: e.name, sid: `${e.name}:${DAY1}`, authTime: Math.floor((DAY1 + e.start * H) / 1000) - 30, acr: 'urn:stepgate:aal2' });
  const add = (attack: string, at: number, ip: string, ua: string, login: Login, reqs: [string, string, boolean][], gapMs: number) =>
    reqs.forEach(([method, path, sensitive], k) => out.push({ at: at + k * gapMs, actor: `attacker:${attack}`, attack, sensitive, scored: true, ip, ua, login, method, path }));
  const secretsSweep = (n: number): [string, string, boolean][] =>
    Array.from({ length: n }, (_, k) => ['GET', `/api/v1/namespaces/${k % 2 ? 'prod' : 'team'}-${k}/secrets`, true]);

  // 1. A phished password: an aal1 token, from the attacker's network, with a copied kubectl agent.
  const phished: Login = { sub: eng(2).name, sid: 'phish-1', authTime: Math.floor((DAY1 + 10 * H) / 1000), acr: 'urn:stepgate:aal1' };
  add('stolen aal1 token', DAY1 + 10 * H + 5 * M, '203.0.113.66', eng(2).kubectl[0]!, phished, [['GET', '/api/v1/namespaces/team-2/pods', false], ...secretsSweep(5)], 4000);
  // 2. A fresh aal2 token captured minutes after the victim's MFA (AitM proxy), used from elsewhere.
  add('stolen fresh token from elsewhere', DAY1 + eng(4).start * H + 3 * M, '203.0.113.77', eng(4).kubectl[0]!, morning(eng(4)), [['GET', '/api/v1/namespaces/team-4/pods', false], ...secretsSweep(6)], 3000);
  // 3. The victim's browser session, replayed from another device on another network.
  add('hijacked browser session', DAY1 + 11 * H, '192.0.2.150', FIREFOX(128, 'Windows NT 10.0; Win64; x64'), morning(eng(9)), [['GET', '/api/v1/namespaces/team-4/pods', false], ['GET', '/api/v1/namespaces/prod-team-4/secrets/db-credentials', true]], 5000);
  // 4. Malware on the victim's laptop, with the kubeconfig's token, through its own HTTP client…
  add('malware enumerating Secrets (own client)', DAY1 + 11.5 * H, eng(11).office, 'python-requests/2.32.3', morning(eng(11)), secretsSweep(24), 3750);
  // …and the same through the laptop's own kubectl (same user agent, same network, same token).
  add('malware enumerating Secrets (via kubectl)', DAY1 + 14.2 * H, eng(10).home, eng(10).kubectl[0]!, morning(eng(10)), secretsSweep(24), 3750);
  // 5. Exec fan-out across twelve prod pods from the victim's laptop.
  add('exec fan-out', DAY1 + 14.5 * H, eng(12).office, eng(12).kubectl[0]!, morning(eng(12)),
    Array.from({ length: 12 }, (_, k) => ['POST', `/api/v1/namespaces/prod-team-${k % 5}/pods/api-${k}/exec`, true]), 5000);
  // 6. RBAC escalation with a stolen aal2 token: bind cluster-admin.
  add('RBAC escalation', DAY1 + 13 * H, '203.0.113.88', eng(13).kubectl[0]!, morning(eng(13)),
    [['GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', false], ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', true]], 3000);
  // 7. The CI identity (a leaked job token, from the runner pool) pushing a privileged pod into prod.
  const ci: Login = { sub: 'ci-deployer@example.com', sid: 'ci:leak', authTime: Math.floor((DAY1 + 12 * H) / 1000), acr: 'urn:stepgate:aal1' };
  add('CI identity pushes a privileged pod', DAY1 + 12 * H + M, '10.30.1.17', 'Go-http-client/2.0', ci, [['POST', '/api/v1/namespaces/prod-team-1/pods', true]], 1000);
  // 8. Slow and low from a new network: one Secret every 20 minutes.
  add('slow-and-low from a new network', DAY1 + 9.5 * H, '198.51.100.99', eng(15).kubectl[0]!, morning(eng(15)),
    Array.from({ length: 6 }, (_, k) => ['GET', `/api/v1/namespaces/team-${k}/secrets/app-config`, true]), 20 * M);
  // 9. An insider on their own laptop, freshly signed in, deleting prod workloads.
  const insider = eng(16);
  const fresh: Login = { sub: insider.name, sid: `${insider.name}:insider`, authTime: Math.floor((DAY1 + 16 * H) / 1000) - 60, acr: 'urn:stepgate:aal2' };
  add('insider mass delete', DAY1 + 16 * H, placeAt(insider, 16), insider.kubectl[0]!, fresh,
    Array.from({ length: 40 }, (_, k) => ['DELETE', `/api/v1/namespaces/prod-team-${k % 5}/pods/api-${k}`, true]), 1500);
  for (const e of out) if (e.attack === 'insider mass delete') e.signsIn = true;
  return out;
}

export interface Outcome {
  allow: boolean;
  reason: string;
  /** Context or signals that explain a refusal. */
  cause: string;
  /**
   * The level a step-up asks the sign-in for, read as clients read it: an API client from the RFC
   * 9470 header's `acr_values` (the first, most preferred), a browser from the step-up URL
   * (`sign_in_level`, else `level`). Above the level the request needs when stepgate keeps the
   * token's own.
   */
  level?: string;
  /** The step-up's ask id (`risk.context.ask`), when it was asked for a context. */
  ask?: string;
}

function outcomeOf(res: CheckResponse): Outcome {
  if (res.status.code === 0) return { allow: true, reason: 'allowed', cause: '' };
  const body = deniedBody(res);
  const payload = (body.kind === 'Status' ? body.stepgate : body) as {
    risk?: { band?: string; reasons: { code: string; weight: number }[]; context?: { code: string; ask?: string } };
    guardrails?: { code: string }[];
    required?: { level?: string };
  };
  const r = payload.risk;
  // A guardrail named in the answer is what the request's own content asked for; a rule alone is
  // "policy". The access proxy's refusals (day 28) and a closed access window (day 42) come
  // before policy and risk: their code is the cause.
  const guard = payload.guardrails?.map((g) => g.code).join('+');
  const code = reasonOf(res);
  const cause = code?.startsWith('proxy_') === true || code === 'access_window_closed'
    ? code
    : r?.context
    ? `context: ${r.context.code}`
    : r?.band
      ? `band ${r.band}: ${r.reasons.filter((c) => c.weight > 0 && c.code !== 'path_sensitive').map((c) => c.code).join('+') || 'path_sensitive'}`
      : guard
        ? `guardrail: ${guard}`
        : 'policy';
  return { allow: false, reason: reasonOf(res) ?? 'unknown', cause, level: levelOfChallenge(res) ?? levelOfRedirect(res) ?? payload.required?.level, ...(r?.context?.ask !== undefined ? { ask: r.context.ask } : {}) };
}

/** The level whose acr the RFC 9470 challenge prefers: the example's `urn:stepgate:<level>` values. */
function levelOfChallenge(res: CheckResponse): string | undefined {
  const acr = /acr_values="([^"]*)"/.exec(deniedHeader(res, 'www-authenticate') ?? '')?.[1]?.split(' ')[0];
  return acr?.startsWith('urn:stepgate:') === true ? acr.slice('urn:stepgate:'.length) : undefined;
}

/** A browser is redirected to the step-up start URL: the page asks for `sign_in_level`, else `level`. */
function levelOfRedirect(res: CheckResponse): string | undefined {
  const location = deniedHeader(res, 'location');
  if (location === undefined) return undefined;
  try {
    const q = new URL(location, 'http://x').searchParams;
    return q.get('sign_in_level') ?? q.get('level') ?? undefined;
  } catch {
    return undefined;
  }
}

const STEP_UP = new Set(['acr_insufficient', 'auth_too_old', 'auth_time_missing']);

export interface DayReport {
  attacks: {
    attack: string;
    requests: number;
    firstSensitive: number;
    /** First refusal (a challenge counts: an attacker who cannot sign in stops there). */
    stoppedAt: number | undefined;
    reason: string;
    cause: string;
    /** For an attacker who signs in: the request at which a deny stopped them for good. */
    deniedAt?: number | undefined;
    deniedBy?: string | undefined;
  }[];
  engineers: {
    name: string;
    requests: number;
    challenges: number;
    /** When each challenge was answered with (ms). */
    challengedAt: number[];
    causes: string[];
    forbidden: number;
    unresolved: number;
    first: number;
    last: number;
  }[];
  ci: { requests: number; denied: number };
  /** client-go controllers through the gateway (day 2), with why they were refused. */
  controllers: { requests: number; denied: number; causes: Record<string, number> };
  checks: number;
}

/** A revocation at `at` (ms): a subject (every credential authenticated before it) or one IdP session. */
export interface AdminStep {
  at: number;
  /** keepHistory: `stepgate revoke subject --keep-history` (a precautionary revocation). */
  revoke: { kind: 'subject'; subject: string; keepHistory?: boolean } | { kind: 'session'; session: string };
  reason: string;
}

export interface ReplayOptions {
  /** The identity provider is down in these spans [from, to) (ms): a sign-in asked for then waits until it is back. */
  idpDown?: readonly (readonly [number, number])[];
  /**
   * The site's edit of examples/stepgate.yaml (day 28: a trusted proxy hop); the replay itself
   * ignores it, the harness that starts the service applies it.
   */
  site?: (yaml: string) => string;
  /** Environment the harness starts the service with (a site's step-up client secret and cookie keys); the replay ignores it. */
  env?: Readonly<Record<string, string>>;
  /**
   * The on-call's and the identity provider's revocations (docs/incident-runbook.md: `stepgate
   * revoke`, a Shared Signals `session-revoked`), each made when the clock reaches its `at`, before
   * the requests of that moment; `runAdmin` (the harness's, on the running service) makes them.
   */
  admin?: readonly AdminStep[];
  runAdmin?: (step: AdminStep) => Promise<void>;
  /**
   * Who signs in through stepgate's credential plugin (days 29 and 30; the other days model none, so their
   * sign-ins name no ask), and how it picks the ask its sign-in names (src/credential/ask-choice.ts)
   * for the refused request `ev`: `argv` when it reads the kubectl command that ran it (Linux's
   * /proc; that command's own ask), `newest` when it cannot (macOS, Windows, or a client that is no
   * kubectl, such as an MCP server: the token's newest ask, whichever request of the token got it).
   * Undefined: a sign-in without the plugin (kubelogin), which names no ask.
   */
  plugin?: (ev: DayEvent) => 'argv' | 'newest' | undefined;
  /**
   * Called with every attack request's answer, allowed ones included (`n`: its number in the
   * attack, as `stoppedAt` counts; a retry after a sign-in keeps its number): what
   * `bench/day-matrix.ts --trace-attacks` prints to show why requests before the stop passed.
   */
  onAttack?: (a: { attack: string; n: number; retry: boolean; ev: DayEvent; outcome: Outcome }) => void;
}

/**
 * The ID token's nonce of a sign-in through the plugin for refused request `ev` (outcome `o`), or
 * none. `newest` is the ask any request with the same token got last (an agent's, or malware's,
 * as much as the engineer's own).
 */
function pluginNonce(opts: ReplayOptions, ev: DayEvent, o: Outcome, newest: string | undefined, signAt: number): { nonce: string } | undefined {
  const how = opts.plugin?.(ev);
  const ask = how === 'argv' ? o.ask : how === 'newest' ? newest ?? o.ask : undefined;
  return ask === undefined ? undefined : { nonce: askNonce(ask, `r${signAt.toString(36)}`) };
}

/** A login's token, as the challenge endpoint keys the asks it lists. */
const tokenKey = (l: Login): string => `${l.sub}|${l.sid}|${l.authTime}|${l.acr}|${l.claims?.nonce ?? ''}|${l.identity?.iss ?? ''}`;

/** When a sign-in wanted at `ms` can be made: after any outage it falls into. */
function signInAt(ms: number, opts: ReplayOptions): number {
  for (const [from, to] of opts.idpDown ?? []) if (ms >= from && ms < to) return to + 20_000;
  return ms;
}

/**
 * Replays the day: `setClock` moves the service's clock, `send` is one Check through the server.
 * Step-ups are performed by inserting the engineer's sign-in and retry 20 s later.
 */
export async function replay(
  events: DayEvent[],
  minter: TokenMinter,
  setClock: (ms: number) => void,
  send: (spec: RequestSpec) => Promise<CheckResponse>,
  opts: ReplayOptions = {},
): Promise<DayReport> {
  const queue = events.map((e) => ({ ...e, retry: false }));
  const logins = new Map<string, Login>(); // engineer → current login after a step-up
  const stopped = new Map<string, { at: number; reason: string; cause: string }>();
  /** First refusal of each attack (a challenge the insider can answer counts). */
  const challenged = new Map<string, { at: number; reason: string; cause: string }>();
  const counts = new Map<string, number>();
  const eng = new Map<string, DayReport['engineers'][number]>();
  const ci = { requests: 0, denied: 0 };
  const controllers: DayReport['controllers'] = { requests: 0, denied: 0, causes: {} };
  /** The newest ask of each token (the plugin's `newest`). */
  const newestAsk = new Map<string, string>();
  let checks = 0;
  const admin = [...(opts.admin ?? [])].sort((a, b) => a.at - b.at);
  if (admin.length > 0 && opts.runAdmin === undefined) throw new Error('replay: admin steps without runAdmin (the harness makes them on the running service)');
  while (queue.length > 0) {
    const ev = queue.shift()!;
    while (admin.length > 0 && admin[0]!.at <= ev.at) {
      const step = admin.shift()!;
      setClock(step.at);
      await opts.runAdmin!(step);
    }
    if (ev.attack && stopped.has(ev.attack)) continue;
    setClock(ev.at);
    let login = ev.login;
    const current = logins.get(ev.actor);
    // A sign-in replaces the login only from the moment it is made (20 s after the challenge).
    if ((!ev.attack || ev.signsIn) && current && current.sid.startsWith(login.sid) && (current.authTime ?? 0) * 1000 <= ev.at) login = current;
    const victim = ev.attack && ev.tokenOf !== undefined ? logins.get(ev.tokenOf) : undefined;
    if (victim && victim.sid.startsWith(login.sid) && (victim.authTime ?? 0) * 1000 <= ev.at && (victim.authTime ?? 0) >= (login.authTime ?? 0)) login = victim;
    const token = await minter.token(login, ev.at);
    // With a body, the gateway (Envoy's ext_authz with_request_body) marks it whole.
    // An empty `ua` is a client that sends no User-Agent header at all.
    const agent: Record<string, string> = ev.ua === '' ? {} : { 'user-agent': ev.ua };
    const sent = ev.body !== undefined ? { body: ev.body, headers: { ...agent, ...ev.headers, 'x-envoy-auth-partial-body': 'false' } } : { headers: { ...agent, ...ev.headers } };
    const omit = ev.ua === '' ? { omitHeaders: ['user-agent'] } : {};
    const res = await send({ method: ev.method, path: ev.path, token, source: ev.ip, ...sent, ...omit, ...(ev.host ? { host: ev.host } : {}), ...(ev.principal !== undefined ? { principal: ev.principal } : {}) });
    checks++;
    const o = outcomeOf(res);
    if (o.ask !== undefined) newestAsk.set(tokenKey(login), o.ask);
    if (ev.attack) {
      const n = ev.retry ? (counts.get(ev.attack) ?? 0) : (counts.get(ev.attack) ?? 0) + 1;
      counts.set(ev.attack, n);
      opts.onAttack?.({ attack: ev.attack, n, retry: ev.retry, ev, outcome: o });
      if (o.allow) continue;
      if (!challenged.has(ev.attack)) challenged.set(ev.attack, { at: n, reason: o.reason, cause: o.cause });
      if (ev.signsIn && STEP_UP.has(o.reason) && !ev.retry) {
        // The insider signs in again and retries, as an engineer would.
        const nonce = pluginNonce(opts, ev, o, newestAsk.get(tokenKey(login)), ev.at + 20_000);
        const signedIn: Login = { ...login, authTime: Math.floor((ev.at + 20_000) / 1000), ...(nonce ? { claims: { ...login.claims, ...nonce } } : {}) };
        logins.set(ev.actor, signedIn);
        const retry = { ...ev, at: ev.at + 25_000, retry: true, login: signedIn };
        let k = 0;
        while (k < queue.length && queue[k]!.at <= retry.at) k++;
        queue.splice(k, 0, retry);
        // Later requests of the insider come after the sign-in.
        for (const q of queue) if (q.attack === ev.attack && q.at > ev.at && q !== retry) q.at += 25_000;
        queue.sort((a, b) => a.at - b.at);
        continue;
      }
      stopped.set(ev.attack, { at: n, reason: o.reason, cause: o.cause });
      continue;
    }
    if (ev.actor === 'ci') {
      if (ev.scored) {
        ci.requests++;
        if (!o.allow) ci.denied++;
      }
      continue;
    }
    if (ev.actor.startsWith('ctrl:')) {
      if (ev.scored) {
        controllers.requests++;
        if (!o.allow) {
          controllers.denied++;
          controllers.causes[`${o.reason} (${o.cause})`] = (controllers.causes[`${o.reason} (${o.cause})`] ?? 0) + 1;
        }
      }
      continue;
    }
    if (!ev.scored && !o.allow && STEP_UP.has(o.reason) && !ev.retry) {
      // The warm-up day: engineers do their step-ups too, unscored.
    }
    let rec = eng.get(ev.actor);
    if (!rec && ev.scored) {
      rec = { name: ev.actor, requests: 0, challenges: 0, challengedAt: [], causes: [], forbidden: 0, unresolved: 0, first: ev.at, last: ev.at };
      eng.set(ev.actor, rec);
    }
    if (ev.scored && !ev.retry) {
      rec!.requests++;
      rec!.last = ev.at;
    }
    if (o.allow) continue;
    if (STEP_UP.has(o.reason) && !(login.passwordOnly === true && o.level !== 'aal1')) {
      if (ev.retry) {
        if (ev.scored) rec!.unresolved++;
        continue;
      }
      if (ev.scored) {
        rec!.challenges++;
        rec!.challengedAt.push(ev.at);
        rec!.causes.push(`${o.reason} (${o.cause}) at ${new Date(ev.at).toISOString().slice(11, 16)}`);
      }
      // Signs in again at the level the answer asks (a hardware key for aal3, two factors
      // otherwise), 20 s later (or once the identity provider is back), and retries.
      const signAt = signInAt(ev.at + 20_000, opts);
      const nonce = pluginNonce(opts, ev, o, newestAsk.get(tokenKey(login)), signAt);
      const signedIn: Login = {
        sub: login.sub,
        sid: login.sid,
        authTime: Math.floor(signAt / 1000),
        acr: o.level === 'aal3' ? 'urn:stepgate:aal3' : login.passwordOnly === true ? 'urn:stepgate:aal1' : 'urn:stepgate:aal2',
        // The IdP's groups are the account's, whatever the sign-in.
        ...(nonce || login.claims?.groups ? { claims: { ...nonce, ...(login.claims?.groups ? { groups: login.claims.groups } : {}) } } : {}),
        ...(login.identity ? { identity: login.identity } : {}),
        ...(login.passwordOnly === true ? { passwordOnly: true as const } : {}),
      };
      logins.set(ev.actor, signedIn);
      const retry = { ...ev, at: signAt + 5_000, retry: true, login: signedIn };
      // The engineer signs in before doing anything else: the rest of their burst waits for it.
      for (const q of queue) if (q.actor === ev.actor && q.at > ev.at && q.at <= retry.at) q.at = retry.at + (q.at - ev.at);
      queue.sort((a, b) => a.at - b.at);
      let k = 0;
      while (k < queue.length && queue[k]!.at <= retry.at) k++;
      queue.splice(k, 0, retry);
    } else if (ev.scored) {
      rec!.forbidden++;
      rec!.causes.push(`${o.reason} (${o.cause}) at ${new Date(ev.at).toISOString().slice(11, 16)}`);
    }
  }
  const attackNames = [...new Set(events.filter((e) => e.attack).map((e) => e.attack!))];
  return {
    attacks: attackNames.map((a) => {
      const evs = events.filter((e) => e.attack === a);
      const s = challenged.get(a);
      const d = evs[0]!.signsIn ? stopped.get(a) : undefined;
      return {
        attack: a,
        requests: evs.length,
        firstSensitive: evs.findIndex((e) => e.sensitive) + 1,
        stoppedAt: s?.at,
        reason: s?.reason ?? 'allowed',
        cause: s?.cause ?? '',
        deniedAt: d?.at,
        deniedBy: d ? `${d.reason}, ${d.cause}` : undefined,
      };
    }),
    engineers: [...eng.values()].sort((a, b) => a.name.localeCompare(b.name)),
    ci,
    controllers,
    checks,
  };
}

/** The tables docs/risk.md shows. */
export function reportTables(r: DayReport): string {
  const lines = ['| attack | requests | first sensitive action | stopped at request | by |', '|---|---|---|---|---|'];
  for (const a of r.attacks) {
    const then = a.deniedAt !== undefined ? `; signs in again and goes on: refused at request ${a.deniedAt} (${a.deniedBy})` : '';
    lines.push(`| ${a.attack} | ${a.requests} | ${a.firstSensitive} | ${a.stoppedAt ?? 'not stopped'} | ${a.reason}${a.cause ? `, ${a.cause}` : ''}${then} |`);
  }
  lines.push('', '| engineer | requests | challenges | 403s | causes |', '|---|---|---|---|---|');
  for (const e of r.engineers) lines.push(`| ${e.name} | ${e.requests} | ${e.challenges} | ${e.forbidden} | ${e.causes.join('; ') || '—'} |`);
  lines.push('', `CI: ${r.ci.requests} requests, ${r.ci.denied} denied. Checks sent: ${r.checks}.`);
  if (r.controllers.requests > 0) {
    const why = Object.entries(r.controllers.causes).map(([c, n]) => `${n} ${c}`).join(', ');
    lines.push('', `Controllers: ${r.controllers.requests} requests, ${r.controllers.denied} denied${why ? ` (${why})` : ''}.`);
  }
  return lines.join('\n');
}

/** One request of an attack: method, path, whether it is sensitive, then optionally headers, a body and a host. */
export type AttackRequest = [method: string, path: string, sensitive: boolean, headers?: Record<string, string>, body?: string, host?: string];

/**
 * Adds an attack's requests to `out`, `gapMs` apart from `t0`, from `ip` with user agent `ua` and
 * `login`'s token; with `from`, the token is taken from that engineer's machine (whatever login
 * they hold then).
 */
/**
 * The token a person's kubelogin cache holds at `t`: the login of their request last at or before
 * `t` on that day (`scored` or the warm-up), when it is under `maxAgeMs` old and was made from `ip`
 * (a request from another network was another machine's cache). Undefined otherwise: the day then
 * signs in for the step.
 */
export function cachedLogin(events: readonly DayEvent[], actor: string, scored: boolean, t: number, ip: string, maxAgeMs: number): Login | undefined {
  let e: DayEvent | undefined;
  for (const x of events) if (x.actor === actor && x.scored === scored && x.at <= t && (e === undefined || x.at > e.at)) e = x;
  return e !== undefined && t - e.at < maxAgeMs && e.ip === ip ? e.login : undefined;
}

/** The victim's request last at or before `t` on the scored day among those `match` picks (the first one when none is before), on any host. */
export function lastScoredOf(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && match(x) && (e === undefined || x.at <= t)) e = x;
  return e!;
}

/**
 * The victim's request (their login, address and client then) last at or before `t` on the scored
 * day, among those `match` picks (their kubectl's, by default); the first one when none is before.
 */
export function lastRequestOf(routine: readonly DayEvent[], actor: string, t: number, match: (e: DayEvent) => boolean = (x) => x.ua.startsWith('kubectl')): DayEvent {
  let e: DayEvent | undefined;
  for (const x of routine) if (x.actor === actor && x.scored && x.host === undefined && match(x) && (e === undefined || x.at <= t)) e = x;
  return e!;
}

/**
 * Malware on a victim's laptop: `(attack, victim, hour, requests, gap)` sends the requests from the
 * victim's address, with their kubectl and token, at `hour` after `dayStart`.
 */
export function laptopAttacker(add: ReturnType<typeof attackAdder>, routine: readonly DayEvent[], dayStart: number, match?: (e: DayEvent) => boolean) {
  return (attack: string, p: { name: string }, h: number, reqs: AttackRequest[], gapMs: number): void => {
    const t = dayStart + h * 3_600_000;
    const v = lastRequestOf(routine, p.name, t, match);
    add(attack, t, v.ip, v.ua, v.login, reqs, gapMs, p);
  };
}

/**
 * What every day's attack table starts from: the victim by short name, the adder, the hour of the
 * day (`T(9.5)` is 09:30 after `dayStart`) and a request list sent to the day's API host unless an
 * entry names its own.
 */
/** Sittings moved by up to ±9 minutes at each end, within the day: people do not start on the hour. */
export function jitteredSittings<W extends string>(rand: () => number, sittings: readonly [number, number, W][]): [number, number, W][] {
  const j = () => (rand() - 0.5) * 0.3;
  return sittings.map(([a, b, w]) => [Math.max(0, a + j()), Math.min(23.95, b + j()), w]);
}

/** A pod's name as a ReplicaSet makes it: the app, then a suffix drawn from `n`. */
export const podName = (app: string, n: number): string => `${app}-${(n * 7919).toString(36).slice(-5)}`;

/**
 * An on-call's routine in production (days 27 and 28): one of `prod`'s namespaces, its pods and
 * events or an API pod's log, now and then a `rollout restart` of `restart` ([namespace,
 * deployment]), or the nodes.
 */
export function oncallRoutine(rand: () => number, t: number, n: number, prod: readonly string[], restart: readonly [string, string]): { method: string; path: string; headers?: Record<string, string>; body?: string }[] {
  const k = rand();
  const ns = prod[Math.floor(rand() * prod.length)]!;
  if (k < 0.5) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }, { method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.7) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName('api', n)}/log?tailLines=500` }];
  if (k < 0.8) return [{ method: 'PATCH', path: `/apis/apps/v1/namespaces/${restart[0]}/deployments/${restart[1]}?fieldManager=kubectl-rollout`, headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: restartPatch(t) }];
  return [{ method: 'GET', path: '/api/v1/nodes' }];
}

/**
 * CI's staging deploys of days 28 to 30: a service account's `kubectl set image` of `deployment`
 * in `namespace` every 20 minutes from 06:00 to 18:00 of `day` (36 of them), each read back 30 s
 * later, from `ip(j)` with kubectl's agent `ua`; the image's tag a function of the seed, the run and
 * the day, so that no two runs push the same one.
 */
export function ciDeploys(events: DayEvent[], o: { day: number; scored: boolean; seed: number; sub: string; ip: (j: number) => string; host: string; namespace: string; deployment: string; image: string; ua: string }): void {
  const ci: Login = { sub: o.sub, sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
  const path = `/apis/apps/v1/namespaces/${o.namespace}/deployments/${o.deployment}`;
  for (let j = 0; j < 36; j++) {
    const t = o.day + 6 * H + j * 20 * M;
    const base = { actor: 'ci', scored: o.scored, ip: o.ip(j), ua: o.ua, login: ci, host: o.host };
    const tag = (o.seed * 7919 + j * 104729 + (o.scored ? 1 : 0)).toString(16).slice(0, 7);
    events.push({ ...base, at: t, method: 'PATCH', path: `${path}?fieldManager=kubectl-set`, headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'api', image: `${o.image}:${tag}` }] } } } }) });
    events.push({ ...base, at: t + 30_000, method: 'GET', path });
  }
}

/** `kubectl rollout restart`'s strategic-merge patch, made at `at`. */
export const restartPatch = (at: number): string => JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(at).toISOString() } } } } });

/** A timed step of someone's sitting: hour of the day, method, path, headers, body. */
export type Step = [hour: number, method: string, path: string, headers?: Record<string, string>, body?: string];

/** Each step as `base`'s request at its hour (`at(hour)`). */
export function pushSteps(out: DayEvent[], base: Omit<DayEvent, 'at' | 'method' | 'path'>, at: (h: number) => number, steps: readonly Step[]): void {
  for (const [h, method, path, headers, body] of steps) out.push({ ...base, at: at(h), method, path, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) });
}

function toHost(host: string, reqs: AttackRequest[]): AttackRequest[] {
  return reqs.map(([m, p, s, h, b, hh]) => [m, p, s, h, b, hh ?? host]);
}

export function attackKit<P extends { short: string }>(out: DayEvent[], people: readonly P[], dayStart: number, host: string) {
  return {
    by: (short: string): P => people.find((p) => p.short === short)!,
    add: attackAdder(out),
    T: (h: number): number => dayStart + h * H,
    on: (reqs: AttackRequest[]): AttackRequest[] => toHost(host, reqs),
    /** The same for a day with several API hosts. */
    to: toHost,
  };
}

export function attackAdder(out: DayEvent[]) {
  return (attack: string, t0: number, ip: string, ua: string, login: Login, reqs: readonly AttackRequest[], gapMs: number, from?: { name: string }): void => {
    reqs.forEach(([method, path, sensitive, h, body, host], k) =>
      out.push({
        at: Math.round(t0 + k * gapMs),
        actor: `attacker:${attack}`,
        attack,
        sensitive,
        scored: true,
        ip,
        ua,
        login,
        method,
        path,
        ...(from ? { tokenOf: from.name } : {}),
        ...(h ? { headers: h } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(host !== undefined ? { host } : {}),
      }),
    );
  };
}
