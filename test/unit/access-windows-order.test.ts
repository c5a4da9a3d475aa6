import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { check, type Checked } from '../../src/pipeline/check.js';
import { ConsoleSessions } from '../../src/pipeline/console-sessions.js';
import { buildRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import type { RawRequest } from '../../src/request/attributes.js';
import { RequestHeaders } from '../../src/request/headers.js';
import { MemoryStateStore } from '../../src/state/memory.js';
import { StateUnavailableError, type ConsoleSessionStore } from '../../src/state/store.js';
import { HMAC_ISSUER, HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { TEST_LIMITS } from '../support/state-config.js';

/**
 * access_windows (issue 12) against what runs before the window in the Check (session 49,
 * windows49): an identity outside its window is answered access_window_closed, whatever else the
 * request carries, and leaves nothing behind. Before: an OpenShift console cookie was bound to
 * the closed account first (a binding recorded for an identity the gateway refuses, and a store
 * outage answered 503 state_unavailable instead of the window's 403), and a stale revocation
 * mirror or a revocation answered in the window's place ("sign in again", which no sign-in cures).
 */

const UNTIL = Date.parse('2027-05-07T00:00:00Z');
const WINDOW = `access_windows:
  - name: freelancers
    match:
      subjects: ["*@freelance.example"]
    valid_until: "2027-05-07T00:00:00Z"
    message: the freelancers' accounts ended at midnight
`;
const CONSOLE = 'openshift-session-token=MTcwAAAAwindows49';

function runtime(over: (rt: Runtime) => Partial<Runtime> = () => ({})): { rt: Runtime; clock: { now: number } } {
  const clock = { now: UNTIL - 60_000 };
  const base = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid', WINDOW), 'stepgate.yaml'), {
    fetch: () => Promise.reject(new Error('no network in a unit test')),
    now: () => clock.now,
    env: { TEST_HMAC_SECRET: HMAC_SECRET },
  });
  return { rt: Object.freeze({ ...base, ...over(base) }) as Runtime, clock };
}

async function token(sub: string, atMs: number): Promise<string> {
  const s0 = Math.floor(atMs / 1000);
  return new SignJWT({ sub, auth_time: s0 - 10, acr: 'urn:stepgate:aal3' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(HMAC_ISSUER)
    .setAudience('kubernetes')
    .setIssuedAt(s0 - 10)
    .setExpirationTime(s0 + 86_400)
    .sign(new TextEncoder().encode(HMAC_SECRET));
}

function raw(t: string, cookie?: string): RawRequest {
  const headers: [string, string][] = [['accept', 'application/json'], ['authorization', `Bearer ${t}`]];
  if (cookie !== undefined) headers.push(['cookie', cookie]);
  return {
    method: 'GET',
    target: '/api/v1/namespaces/dev/pods',
    authority: 'kube.example.com',
    scheme: 'https',
    headers: RequestHeaders.of(headers),
    sourceAddress: '10.1.2.3',
    sourcePrincipal: '',
    contextExtensions: {},
    body: undefined,
    bodyTruncated: false,
  };
}

const run = async (rt: Runtime, r: RawRequest): Promise<Checked> => check(rt, { ok: true, raw: r, spoofed: [] });

/** The memory store's bindings, counting the calls. */
function counted(inner: ConsoleSessionStore): ConsoleSessionStore & { calls: number } {
  return {
    calls: 0,
    bind(key, subject, ttlMs, nowMs) {
      this.calls++;
      return inner.bind(key, subject, ttlMs, nowMs);
    },
  };
}

describe('an identity outside its window, with an OpenShift console cookie', () => {
  it('is refused for the window and binds no console session to the closed account', async () => {
    const memory = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const store = counted(memory.consoleSessions);
    const { rt, clock } = runtime(() => ({ consoleSessions: new ConsoleSessions({ store, fallback: undefined, onStateError: 'fail_closed', ttlMs: 86_400_000 }) }));
    clock.now = UNTIL + 60_000;
    const c = await run(rt, raw(await token('fl-1@freelance.example', clock.now), CONSOLE));
    expect(c.verdict.reason).toBe('access_window_closed');
    expect(store.calls).toBe(0);
    // The console session stays free for its owner, who signs in with their own account.
    const owner = await run(rt, raw(await token('alice@example.com', clock.now), CONSOLE));
    expect(owner.verdict.reason).toBe('allowed');
  });

  it('with the shared store down: 403 for the window, not 503 state_unavailable (a window needs no state)', async () => {
    const down: ConsoleSessionStore = { bind: () => Promise.reject(new StateUnavailableError('redis console_sessions.bind: not connected')) };
    const { rt, clock } = runtime(() => ({ consoleSessions: new ConsoleSessions({ store: down, fallback: undefined, onStateError: 'fail_closed', ttlMs: 86_400_000 }) }));
    clock.now = UNTIL + 60_000;
    const c = await run(rt, raw(await token('fl-1@freelance.example', clock.now), CONSOLE));
    expect(c.verdict.reason).toBe('access_window_closed');
    expect(c.answer.status).toBe(403);
  });

  it('inside the window the console binding is checked as before', async () => {
    const memory = new MemoryStateStore(TEST_LIMITS, { maxSubjects: 100 });
    const { rt, clock } = runtime(() => ({ consoleSessions: new ConsoleSessions({ store: memory.consoleSessions, fallback: undefined, onStateError: 'fail_closed', ttlMs: 86_400_000 }) }));
    expect((await run(rt, raw(await token('alice@example.com', clock.now), CONSOLE))).verdict.reason).toBe('allowed');
    expect((await run(rt, raw(await token('fl-1@freelance.example', clock.now), CONSOLE))).verdict.reason).toBe('credential_ambiguous');
  });
});

describe('an identity outside its window whose revocation mirror is stale, or who was revoked', () => {
  it.each([
    ['the mirror is stale (fail closed)', { reason: 'state_unavailable', detail: 'the incident mirror is 90s old' }],
    ['the subject was revoked', { reason: 'credential_revoked', detail: 'access of this subject was revoked; sign in again' }],
  ] as const)('%s: access_window_closed, as every other endpoint answers (pipeline/standing.ts)', async (_what, refusal) => {
    const { rt, clock } = runtime((base) => ({ revocations: Object.assign(Object.create(base.revocations ?? null) as object, { refuse: () => refusal }) as unknown as Runtime['revocations'] }));
    clock.now = UNTIL + 60_000;
    const c = await run(rt, raw(await token('fl-1@freelance.example', clock.now)));
    expect(c.verdict.reason).toBe('access_window_closed');
    expect(c.answer.status).toBe(403);
    // Inside the window the revocation answers, as before.
    clock.now = UNTIL - 60_000;
    expect((await run(rt, raw(await token('fl-2@freelance.example', clock.now)))).verdict.reason).toBe(refusal.reason);
  });
});

describe('the window on a live reload, in shadow mode, and as YAML spells an instant (held rows)', () => {
  const deps = (clock: { now: number }) => ({ fetch: () => Promise.reject(new Error('no network in a unit test')), now: () => clock.now, env: { TEST_HMAC_SECRET: HMAC_SECRET } });

  it('a window added by a reload holds a token cached before it (the "no window names it" memo was the old runtime\'s)', async () => {
    const clock = { now: UNTIL + 60_000 };
    const before = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid'), 'stepgate.yaml'), deps(clock));
    const req = raw(await token('fl-1@freelance.example', clock.now));
    expect((await run(before, req)).verdict.reason).toBe('allowed');
    const cached = check(before, { ok: true, raw: req, spoofed: [] }) as Checked;
    expect(cached.verdict).toMatchObject({ allow: true, tokenCached: true });
    const after = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid', WINDOW), 'stepgate.yaml'), deps(clock), before);
    // The verifier (and its cache) is carried over: the same cached identity, judged by the new windows.
    expect(after.verifier).toBe(before.verifier);
    const c = check(after, { ok: true, raw: req, spoofed: [] }) as Checked;
    expect(c.verdict).toMatchObject({ reason: 'access_window_closed', tokenCached: true });
    // And a reload that extends the window opens it again at the next Check.
    const extended = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid', WINDOW.replace('2027-05-07T00:00:00Z', '2027-05-08T00:00:00Z')), 'stepgate.yaml'), deps(clock), after);
    expect((check(extended, { ok: true, raw: req, spoofed: [] }) as Checked).verdict.reason).toBe('allowed');
  });

  it('mode: shadow enforces a closed window (like authentication), it does not log and allow', async () => {
    const clock = { now: UNTIL + 60_000 };
    const rt = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid', `mode: shadow\n${WINDOW}`), 'stepgate.yaml'), deps(clock));
    const c = await run(rt, raw(await token('fl-1@freelance.example', clock.now)));
    expect(c.verdict).toMatchObject({ allow: false, reason: 'access_window_closed' });
    expect(c.answer.status).toBe(403);
  });

  it.each([
    ['unquoted (YAML 1.1 would read a timestamp)', 'valid_until: 2027-05-07T00:00:00Z'],
    ['-00:00 (RFC 3339: UTC, local offset unknown)', 'valid_until: "2027-05-07T00:00:00-00:00"'],
    ['a fraction', 'valid_until: "2027-05-06T23:59:59.9999999Z"'],
  ])('valid_until %s: the same instant, refused at it', async (_what, line) => {
    const clock = { now: UNTIL };
    const rt = buildRuntime(parseConfig(testConfigYaml('https://idp.invalid', WINDOW.replace('valid_until: "2027-05-07T00:00:00Z"', line)), 'stepgate.yaml'), deps(clock));
    expect((await run(rt, raw(await token('fl-1@freelance.example', clock.now)))).verdict.reason).toBe('access_window_closed');
    clock.now = UNTIL - 1000;
    expect((await run(rt, raw(await token('fl-2@freelance.example', clock.now)))).verdict.reason).toBe('allowed');
  });
});
