import { describe, expect, it } from 'vitest';
import { SessionCodec } from '../../src/cookies/session.js';
import { parseKeyList } from '../../src/cookies/keys.js';
import { AMR, builtServerWithSessions, freshSubjects, KUBE, officeRound, reason, REFUSED, rules, type Level } from '../support/built-server.js';

/**
 * Session 44's audit of headers sent twice (joined44), against the built server over real gRPC with
 * the example policy and its step-up session on. Envoy's CheckRequest `headers` map joins a
 * repeated header with ',' (cookies included), while an upstream (Go's net/http, Node, nginx) may
 * read each line. Every header stepgate reads was checked for a reading that differs from the
 * upstream's; the rows below pin what each does when it arrives joined.
 */

const { server, keys: KEYS } = builtServerWithSessions('session44j');
const subjects = freshSubjects(() => server().issuer, 'session44j');
const { send, signedIn } = officeRound(server, subjects);
const codec = new SessionCodec({ cookie_name: 'stepgate_session', lifetime_seconds: 3600, keys_env: 'SG_SESSION_KEYS' }, parseKeyList(KEYS, 'SG_SESSION_KEYS'));

const CONSOLE = 'console.localhost';
const PAGE = { host: CONSOLE, path: '/k8s/ns/dev/pods' };

/** stepgate's session cookie (`stepgate_session=…`) for a fresh engineer signed in at `level` `age` seconds ago. */
async function session(level: Level = 'aal2', age = 60): Promise<string> {
  const sub = subjects.subject();
  const authTime = subjects.now() - age;
  const sealed = await codec.create({ iss: server().issuer.url, sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: authTime, extra: {} }, Date.now());
  return `stepgate_session=${sealed!.value}`;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

describe('found: two stepgate sessions on two Cookie lines', () => {
  it("another engineer's session on a second Cookie line (joined with ','): credential_ambiguous, as two on one line are", async () => {
    const mine = await session();
    const theirs = await session('aal1', 1800);
    const page = await send(undefined, { ...PAGE, headers: { cookie: mine } });
    expect(reason(page), rules(page)).toBe('allowed');
    // Before: read as one session `<mine>,stepgate_session=<theirs>`, which failed to open
    // (session_invalid): the duplicate check never saw the second session.
    const res = await send(undefined, { ...PAGE, headers: { cookie: `${mine},${theirs}` } });
    expect(reason(res), rules(res)).toBe('credential_ambiguous');
  });
});

describe("already safe: a credential header sent twice is refused, never read as one of its lines", () => {
  it('Authorization on two lines ("Bearer A,Bearer B"): token_malformed', async () => {
    const a = await signedIn('aal2', 60);
    const b = await subjects.tokenOf('aal1', 36_000);
    const res = await send(undefined, { host: KUBE, path: '/api/v1/namespaces/dev/pods', headers: { authorization: `Bearer ${a},Bearer ${b}` } });
    expect(reason(res), rules(res)).toBe('token_malformed');
  });

  it('two WebSocket bearer subprotocols on two Sec-WebSocket-Protocol lines (kube splits every line on ","): token_malformed', async () => {
    const a = await subjects.tokenOf('aal2', 60);
    const b = await subjects.tokenOf('aal1', 36_000);
    const res = await send(undefined, {
      host: KUBE,
      path: '/api/v1/namespaces/dev/pods/web-0/exec?command=sh&stdin=true&stdout=true&tty=true',
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-protocol': `base64url.bearer.authorization.k8s.io.${b64(a)}, v5.channel.k8s.io,base64url.bearer.authorization.k8s.io.${b64(b)}` },
    });
    expect(reason(res), rules(res)).toBe('token_malformed');
  });
});

describe("already safe: Impersonate-* sent twice (kube runs as the first Impersonate-User line and every group line)", () => {
  it.each([
    ['Impersonate-User on two lines, system:admin first', { 'impersonate-user': 'system:admin,bob' }],
    ['Impersonate-Group on two lines, system:masters second', { 'impersonate-user': 'bob', 'impersonate-group': 'dev,system:masters' }],
  ])('%s: refused by the impersonation guardrail', async (_what, h) => {
    const token = await subjects.tokenOf('aal2', 3 * 3600);
    const res = await send(token, { host: KUBE, path: '/api/v1/namespaces/prod-eu/secrets/db', headers: h });
    expect(REFUSED, rules(res)).toContain(reason(res));
    expect(rules(res).split(',')).toContain('guardrail:impersonation_privileged');
  });
});

describe('controls: what kubectl and a browser send stays allowed', () => {
  it("kubectl's read with one Authorization", async () => {
    await signedIn('aal1', 600);
  });

  it('a browser page with the session among other cookies', async () => {
    const mine = await session();
    const res = await send(undefined, { ...PAGE, headers: { cookie: `lang=en; ${mine}; theme=dark` } });
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it("the session on one Cookie line and the application's cookies on another: the session is read as its line holds it", async () => {
    const mine = await session();
    const res = await send(undefined, { ...PAGE, headers: { cookie: `${mine},lang=en; theme=dark` } });
    expect(reason(res), rules(res)).toBe('allowed');
  });
});
