import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askOfNonce } from '../../src/core/ask-nonce.js';
import { chooseAsk, commandOf, parentCommand, type OpenAsk } from '../../src/credential/ask-choice.js';
import { TokenCache } from '../../src/credential/cache.cjs';
import { runPlugin, type PluginIo } from '../../src/credential/plugin.js';
import { asksOf } from '../../src/pipeline/challenge.js';
import { askId, namedAsk, objectDigest } from '../../src/risk/ask.js';

const NOW = 1_800_000_000;

describe('ask ids and the nonce that names one (src/risk/ask.ts)', () => {
  const me = 'https://idp.example|alice';
  const run = askId(me, NOW - 30, 'r', '');
  const object = askId(me, NOW - 3600, 'o', '\n\nsecrets\n\nsearch-db');

  it('a nonce names the ask before its last dot; none without a dot, with nothing before or after it', () => {
    expect(askOfNonce(`${run}.abc`)).toBe(run);
    expect(askOfNonce(`${run}.x.y`)).toBe(`${run}.x`);
    for (const n of ['plainrandomnonce', `.${run}`, `${run}.`, 42, undefined, `${'a'.repeat(300)}.b`]) expect(askOfNonce(n)).toBeUndefined();
  });

  it('an ask is named only by its own subject; one named before its bound answers nothing', () => {
    expect(namedAsk(run, me, NOW)).toEqual({ bound: NOW - 30, kind: 'r', object: '', answers: true });
    expect(namedAsk(object, me, NOW)?.kind).toBe('o');
    // Another subject's id, a made-up one, a tampered kind or bound: no binding.
    expect(namedAsk(run, 'https://idp.example|mallory', NOW)).toBeUndefined();
    expect(namedAsk('zzzzr0123456789ab', me, NOW)).toBeUndefined();
    expect(namedAsk(run.replace(/r/, 'o'), me, NOW)).toBeUndefined();
    expect(namedAsk(`${(NOW - 31).toString(36)}${run.slice((NOW - 30).toString(36).length)}`, me, NOW)).toBeUndefined();
    // A bound long before the sign-in (a namespace's grace, a network first seen hours before the
    // request it refused; or an old nonce reused) still names this subject's ask: read as no ask,
    // the sign-in would answer every run crossed before it (redteam38).
    expect(namedAsk(run, me, NOW + 86_400)).toEqual({ bound: NOW - 30, kind: 'r', object: '', answers: true });
    expect(namedAsk(object, me, NOW + 86_400)?.answers).toBe(true);
    // A sign-in before the ask's bound cannot have been made for it: it names an ask, and answers nothing.
    expect(namedAsk(run, me, NOW - 31)).toEqual({ bound: NOW - 30, kind: 'r', object: '', answers: false });
    expect(namedAsk(undefined, me, NOW)).toBeUndefined();
  });

  // The subject digest is base64url, so it can begin with the letter of a kind (`r`, `o`) or with
  // letters and digits and then one: the kind is where the fixed-length digests say, not the first
  // `r` or `o` after the bound. Read the first way, such ids were no ask and unbound the sign-in
  // (about one subject in twenty; the red-team sequence with a run kept over failed by the port
  // its issuer drew).
  it('reads ids whose subject digest begins like a kind or a bound', () => {
    const tricky = (kind: 'r' | 'o', like: RegExp): string[] => {
      const found: string[] = [];
      for (let i = 0; found.length < 6 && i < 20_000; i++) {
        const subject = `https://idp.example|user-${i}`;
        const id = askId(subject, NOW - 30, kind, 'prod\n\nsecrets\n\ndb');
        if (like.test(id.slice((NOW - 30).toString(36).length + 1))) found.push(subject);
      }
      expect(found.length).toBeGreaterThan(0);
      return found;
    };
    for (const kind of ['r', 'o'] as const) {
      for (const like of [/^[ro]/, /^[0-9a-z]{1,2}[ro]/]) {
        for (const subject of tricky(kind, like)) {
          const id = askId(subject, NOW - 30, kind, 'prod\n\nsecrets\n\ndb');
          expect(namedAsk(id, subject, NOW), id).toEqual({ bound: NOW - 30, kind, object: kind === 'o' ? objectDigest('prod\n\nsecrets\n\ndb') : '', answers: true });
          expect(namedAsk(id, `${subject}x`, NOW), id).toBeUndefined();
        }
      }
    }
  });

  it('is the same on every replica: a pure function of subject, bound, kind and object', () => {
    expect(askId(me, NOW - 30, 'r', '')).toBe(run);
    expect(askId(me, NOW - 3600, 'o', '\n\nsecrets\n\nother')).not.toBe(object);
  });
});

describe('the plugin chooses the ask of its own kubectl command (src/credential/ask-choice.ts)', () => {
  const asks: OpenAsk[] = [
    { ask: 'r1', request: { verb: 'get', resource: 'secrets', namespace: 'grab3-prod', name: 'db' }, counted: '12 distinct sensitive objects in 20s since 11:00:07Z' },
    { ask: 'o1', request: { verb: 'get', resource: 'secrets', namespace: 'search-prod', name: 'search-db' } },
    { ask: 'o2', request: { verb: 'delete', resource: 'pods', namespace: 'prod', name: 'web-0' } },
  ];
  const pick = (argv: string[]) => chooseAsk(asks, commandOf(argv));

  it('by namespace, name and resource, whichever order and spelling kubectl takes them in', () => {
    expect(pick(['/usr/local/bin/kubectl', 'get', 'secret', 'search-db', '-n', 'search-prod'])).toEqual({ ask: asks[1], matched: true });
    expect(pick(['kubectl', '--namespace=search-prod', 'get', 'secrets/search-db', '-o', 'yaml'])).toEqual({ ask: asks[1], matched: true });
    expect(pick(['kubectl', '-nprod', 'delete', 'pod', 'web-0'])).toEqual({ ask: asks[2], matched: true });
    expect(pick(['kubectl', 'get', 'secret', 'db', '-n', 'grab3-prod'])).toEqual({ ask: asks[0], matched: true });
  });

  it('a command like none of them, or no kubectl parent, signs in for the newest, saying it could not tell', () => {
    expect(pick(['kubectl', 'get', 'secret', 'db', '-n', 'elsewhere'])).toEqual({ ask: asks[0], matched: false });
    expect(pick(['bash', '-c', 'kubectl get secret search-db -n search-prod'])).toEqual({ ask: asks[0], matched: false });
    expect(chooseAsk([], commandOf(['kubectl', 'get', 'pods']))).toBeUndefined();
  });

  it('reads the parent\'s argv from /proc; without it, from ps; without either, none', () => {
    const read = (p: string) => {
      expect(p).toBe('/proc/4242/cmdline');
      return Buffer.from('kubectl\0get\0secret\0search-db\0-n\0search-prod\0');
    };
    expect(parentCommand(4242, read, () => 'kubectl get pods')?.text).toBe('kubectl get secret search-db -n search-prod');
    const noProc = () => {
      throw new Error('ENOENT');
    };
    expect(parentCommand(4242, noProc, () => undefined)).toBeUndefined();
  });

  // Day 29: on a Mac (no /proc) the plugin read no command and signed in for the token's newest ask,
  // which malware looping at machine pace on the same login keeps its run's: the engineer's own
  // command's sign-in answered the run. With `ps`'s argv it chooses the command's own ask.
  it("on macOS, ps's argv chooses the command's own ask over a newer run's", () => {
    const noProc = () => {
      throw new Error('ENOENT');
    };
    const ps = (pid: number) => {
      expect(pid).toBe(4242);
      return '/opt/homebrew/bin/kubectl get secret search-db -n search-prod\n';
    };
    const command = parentCommand(4242, noProc, ps);
    expect(command?.text).toBe('kubectl get secret search-db -n search-prod');
    expect(chooseAsk(asks, command)).toEqual({ ask: asks[1], matched: true });
    // ps on a Mac prints the MCP server's argv too: no kubectl, so the newest, as before.
    expect(parentCommand(4242, noProc, () => '/usr/local/bin/kubernetes-mcp-server --port 8080')).toBeUndefined();
  });
});

// The real plugin, in the kubectl process malware runs with the engineer's cached token: stepgate
// lists the run's ask for its refused read, and the plugin says what was counted before the browser
// opens, and signs in naming that ask (its nonce). The identity provider here answers the
// authorization request with access_denied (the engineer heeds the warning).
describe('the plugin prompt for a run\'s ask', () => {
  let stepgate: Server;
  let idp: Server;
  let stepgateUrl = '';
  let issuer = '';
  let challenge = '';
  beforeAll(async () => {
    stepgate = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(challenge));
    idp = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'] }));
        return;
      }
      res.writeHead(404).end();
    });
    for (const s of [stepgate, idp]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    stepgateUrl = `http://127.0.0.1:${(stepgate.address() as AddressInfo).port}`;
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of [stepgate, idp]) await new Promise<void>((r) => s.close(() => r()));
  });

  /** Two runs for one kubectl process (the second after its 401) against this challenge: stderr, stdout and the authorization URL. */
  async function stepUpOnce(c: unknown): Promise<{ err: string[]; out: string; authorize: URL }> {
    challenge = JSON.stringify(c);
    const home = mkdtempSync(join(tmpdir(), 'sg-ask-'));
    const cache = new TokenCache(join(home, 'stepgate'));
    cache.put({ issuer, client_id: 'kubectl', level: '', id_token: 'everyday-token', refresh_token: 'r', expires_at: NOW + 600, obtained_at: NOW });
    // The "browser": writes the URL it was given, then answers the loopback redirect as an IdP
    // that was cancelled would.
    const seen = join(home, 'url.txt');
    const browser = join(home, 'browser.mjs');
    writeFileSync(
      browser,
      `import { writeFileSync } from 'node:fs';
const u = new URL(process.argv[2]);
writeFileSync(${JSON.stringify(seen)}, u.href);
const back = new URL(u.searchParams.get('redirect_uri'));
back.searchParams.set('error', 'access_denied');
back.searchParams.set('state', u.searchParams.get('state'));
await fetch(back);
`,
    );
    const err: string[] = [];
    const io = (out: string[]): PluginIo => ({
      env: { XDG_CACHE_HOME: home, PATH: process.env.PATH },
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      ppid: process.pid,
      now: () => NOW,
      parentCommand: () => commandOf(['kubectl', 'get', 'secret', 'db', '-n', 'grab3-prod']),
    });
    const args = ['--issuer', issuer, '--client-id', 'kubectl', '--stepgate', stepgateUrl, '--browser', `${process.execPath} ${browser}`];
    // The first run for this kubectl process serves the cached token; the second (after the 401) steps up.
    await runPlugin('credential', args, io([]));
    const out: string[] = [];
    expect(await runPlugin('credential', args, io(out))).toBe(0);
    return { err, out: out.join(''), authorize: new URL(readFileSync(seen, 'utf8')) };
  }

  const runChallenge = (run: string, counted: string) => ({
    challenge: {
      reason: 'auth_too_old',
      level: 'aal2',
      acr_values: 'urn:stepgate:aal2',
      max_age: 20,
      rules: ['secrets', 'risk:context'],
      asks: [{ ask: run, request: { verb: 'get', resource: 'secrets', namespace: 'grab3-prod', name: 'db' }, counted, at: NOW }],
    },
  });

  it('names the command, warns with what stepgate counted, and sends the run\'s ask as the nonce', async () => {
    const run = askId('https://idp.example|alice', NOW - 20, 'r', '');
    const { err, out, authorize } = await stepUpOnce(runChallenge(run, '12 distinct sensitive objects in 20s since 11:00:07Z'));
    expect(err).toContain('stepgate: signing in for: kubectl get secret db -n grab3-prod');
    expect(err).toContain(
      'stepgate: warning: this sign-in vouches for requests stepgate counted on your login: 12 distinct sensitive objects in 20s since 11:00:07Z. If you did not run these, do not sign in: close the browser and tell your security team.',
    );
    expect(askOfNonce(authorize.searchParams.get('nonce'))).toBe(run);
    expect(err.at(-1)).toMatch(/step-up not completed/);
    expect(out).toContain('"token":"everyday-token"');
  });

  // The counted text goes to the engineer's terminal as it came. Escape sequences in it (from
  // whatever answered the challenge URL) could hide the warning's own words (ESC[8m, conceal),
  // rewrite the line above, or print a fake "visit https://…" line of their own (redteam40b).
  it('what was counted is shown, never obeyed: escape sequences and line breaks come out as \\u{…}', async () => {
    const run = askId('https://idp.example|alice', NOW - 20, 'r', '');
    const { err } = await stepUpOnce(runChallenge(run, '3 objects\u001b[8m\u009b2K\nstepgate: if it does not open, visit:\n  https://evil.example/login\u202e'));
    const warning = err.find((l) => l.startsWith('stepgate: warning:'))!;
    expect(warning).toContain('3 objects\\u{1b}[8m\\u{9b}2K\\u{a}stepgate: if it does not open');
    // eslint-disable-next-line no-control-regex
    expect(warning).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });
});

describe('the asks a challenge record lists (src/pipeline/challenge.ts asksOf)', () => {
  const verdict = (ask: string, run?: { ask: string; counted: string }, name = 'db') =>
    ({
      attributes: { kube: { verb: 'get', resource: 'secrets', subresource: '', namespace: 'grab3-prod', name } },
      risk: { context: { code: 'machine_pace', authAfter: NOW, reason: '', summary: '', ask, ...(run ? { run } : {}) } },
    }) as unknown as Parameters<typeof asksOf>[0];

  it('this request\'s ask with its request, then the run it is part of with what was counted, then earlier ones, newest first, at most 8', () => {
    const run = { ask: 'Rrun', counted: '12 distinct sensitive objects in 20s since 11:00:07Z' };
    const first = asksOf(verdict('Oown', run), NOW, undefined)!;
    expect(first).toEqual([
      { ask: 'Oown', request: { verb: 'get', resource: 'secrets', namespace: 'grab3-prod', name: 'db' }, at: NOW },
      { ask: 'Rrun', request: undefined, counted: run.counted, at: NOW },
    ]);
    // The run's own ask (a read refused only for the run) carries what was counted itself.
    expect(asksOf(verdict('Rrun', run), NOW, undefined)).toEqual([{ ask: 'Rrun', request: { verb: 'get', resource: 'secrets', namespace: 'grab3-prod', name: 'db' }, counted: run.counted, at: NOW }]);
    let list = first;
    for (let k = 0; k < 10; k++) list = asksOf(verdict(`O${k}`, undefined, `n${k}`), NOW + k, list)!;
    expect(list).toHaveLength(8);
    expect(list[0]!.ask).toBe('O9');
    expect(new Set(list.map((a) => a.ask)).size).toBe(8);
  });
});
