import { mkdtempSync, readdirSync, readFileSync, statSync, chmodSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, TokenCache, type CachedToken } from '../../src/credential/cache.cjs';
import { runPlugin, type PluginIo } from '../../src/credential/plugin.js';
import { statusBodyHeader } from '../../src/server/http/authz.js';

const NOW = 1_800_000_000;
const ISSUER = 'https://login.example.com';

function token(level: string, id: string, extra: Partial<CachedToken> = {}): CachedToken {
  return { issuer: ISSUER, client_id: 'kubectl', level, id_token: id, refresh_token: 'refresh-secret', expires_at: NOW + 600, obtained_at: NOW, ...extra };
}

function io(home: string, ppid: number, out: string[], err: string[]): PluginIo {
  return { env: { XDG_CACHE_HOME: home, PATH: '' }, stdout: (s) => out.push(s), stderr: (s) => err.push(s), ppid, now: () => NOW };
}

describe('token cache', () => {
  it('keeps a refresh token for the everyday level only, whatever the caller passes', () => {
    const c = new TokenCache(join(mkdtempSync(join(tmpdir(), 'sg-cache-')), 'stepgate'));
    c.put(token('', 'everyday-token'));
    c.put(token('urn:example:aal2', 'elevated-token'));
    expect(c.get(ISSUER, 'kubectl', '')?.refresh_token).toBe('refresh-secret');
    expect(c.get(ISSUER, 'kubectl', 'urn:example:aal2')?.refresh_token).toBeUndefined();
  });

  it('directory 0700 and files 0600, even when the directory existed with looser bits', () => {
    const base = mkdtempSync(join(tmpdir(), 'sg-cache-'));
    const d = join(base, 'stepgate');
    mkdirSync(d, { mode: 0o755 });
    chmodSync(d, 0o755);
    const c = new TokenCache(d);
    c.put(token('', 'x'));
    c.markServed(ISSUER, 'kubectl', { ppid: 1, parent_start: '', token_hash: 'h', at: NOW });
    expect(statSync(d).mode & 0o777).toBe(0o700);
    for (const n of readdirSync(d)) expect(statSync(join(d, n)).mode & 0o777, n).toBe(0o600);
    expect(c.looseFiles()).toEqual([]);
  });

  it('one file per issuer, client and level: none answers for another (property)', () => {
    const c = new TokenCache(join(mkdtempSync(join(tmpdir(), 'sg-cache-')), 'stepgate'));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (issuer, client, level, other) => {
        c.put({ ...token(level, `${issuer}|${client}|${level}`), issuer, client_id: client });
        expect(c.get(issuer, client, level)?.id_token).toBe(`${issuer}|${client}|${level}`);
        if (other !== level) expect(c.get(issuer, client, other)?.id_token).not.toBe(`${issuer}|${client}|${level}`);
      }),
      { numRuns: 50 },
    );
  });

  it('lives under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/a' })).toBe('/x/cache/stepgate');
    expect(cacheDir({ HOME: '/home/a' })).toBe('/home/a/.cache/stepgate');
    // A relative XDG_CACHE_HOME is invalid per the spec: ignored.
    expect(cacheDir({ XDG_CACHE_HOME: 'rel', HOME: '/home/a' })).toBe('/home/a/.cache/stepgate');
  });
});

describe('stepgate credential with a cached token', () => {
  let server: ReturnType<typeof createServer>;
  let asked: string[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{"challenge":null}' };
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function setup() {
    const home = mkdtempSync(join(tmpdir(), 'sg-plugin-'));
    const c = new TokenCache(join(home, 'stepgate'));
    c.put(token('', 'everyday-token'));
    asked = [];
    return { home, c };
  }
  const args = () => ['--issuer', ISSUER, '--client-id', 'kubectl', '--stepgate', url];

  it('prints an ExecCredential with the token and an expiry 30 s before exp; asks nobody', async () => {
    const { home } = setup();
    const out: string[] = [];
    const err: string[] = [];
    expect(await runPlugin('credential', args(), io(home, 4242, out, err))).toBe(0);
    const cred = JSON.parse(out.join('')) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
    expect(cred).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'everyday-token', expirationTimestamp: new Date((NOW + 570) * 1000).toISOString() },
    });
    expect(err).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('prefers a live elevated token, and never one about to expire', async () => {
    const { home, c } = setup();
    c.put(token('urn:example:aal2', 'elevated-token', { obtained_at: NOW + 1 }));
    c.put(token('urn:example:aal3', 'expiring-token', { obtained_at: NOW + 2, expires_at: NOW + 20 }));
    const out: string[] = [];
    await runPlugin('credential', args(), io(home, 1, out, []));
    expect(out.join('')).toContain('"token":"elevated-token"');
  });

  it('a second run for the same kubectl process asks stepgate about that token; "no challenge" keeps it', async () => {
    const { home } = setup();
    await runPlugin('credential', args(), io(home, process.pid, [], []));
    expect(asked).toEqual([]);
    const out: string[] = [];
    expect(await runPlugin('credential', args(), io(home, process.pid, out, []))).toBe(0);
    expect(asked).toEqual(['GET /.stepgate/v1/challenge Bearer everyday-token']);
    expect(out.join('')).toContain('"token":"everyday-token"');
  });

  it('a run for another kubectl process is an ordinary run: stepgate is not asked', async () => {
    const { home } = setup();
    await runPlugin('credential', args(), io(home, process.pid, [], []));
    await runPlugin('credential', args(), io(home, process.pid + 1, [], []));
    expect(asked).toEqual([]);
  });

  it('a token stepgate no longer accepts (401 from the challenge endpoint): an elevated one leaves the cache, the everyday one is offered', async () => {
    const { home, c } = setup();
    c.put(token('urn:example:aal2', 'revoked-token', { obtained_at: NOW + 1 }));
    await runPlugin('credential', args(), io(home, process.pid, [], []));
    answer = { status: 401, body: '{}' };
    const out: string[] = [];
    expect(await runPlugin('credential', args(), io(home, process.pid, out, []))).toBe(0);
    answer = { status: 200, body: '{"challenge":null}' };
    expect(out.join('')).toContain('"token":"everyday-token"');
    expect(c.list(ISSUER, 'kubectl').map((t) => t.id_token)).toEqual(['everyday-token']);
    const files = readdirSync(join(home, 'stepgate')).map((n) => readFileSync(join(home, 'stepgate', n), 'utf8'));
    expect(files.filter((f) => f.includes('revoked-token'))).toEqual([]);
  });

  it('a malformed or failing answer keeps the current token and says why on stderr', async () => {
    for (const a of [
      { status: 200, body: '{"challenge":{"reason":5}}' },
      { status: 200, body: '{"challenge":{"reason":"auth_too_old","level":"aal3","required_level":2}}' },
      // Shapes stepgate never writes, from whatever answered: text that would rewrite the
      // terminal the plugin prints it to, or a max_age no identity provider can meet.
      { status: 200, body: JSON.stringify({ challenge: { reason: 'auth_too_old\u001b[2J\u001b[H', level: 'aal2' } }) },
      { status: 200, body: JSON.stringify({ challenge: { reason: 'acr_insufficient', level: 'aal2\r\nstepgate: visit https://evil.example/' } }) },
      { status: 200, body: JSON.stringify({ challenge: { reason: 'acr_insufficient', required_level: 'aal2\u009b8m' } }) },
      { status: 200, body: JSON.stringify({ challenge: { reason: 'acr_insufficient', acr_values: 'urn:stepgate:aal2\u001b]8;;https://evil.example\u0007' } }) },
      { status: 200, body: JSON.stringify({ challenge: { reason: 'auth_too_old', max_age: -1 } }) },
      { status: 200, body: JSON.stringify({ challenge: { reason: 'auth_too_old', max_age: 1e300 } }) },
      { status: 503, body: '{}' },
      { status: 200, body: 'not json' },
    ]) {
      const { home } = setup();
      answer = a;
      await runPlugin('credential', args(), io(home, process.pid, [], []));
      const out: string[] = [];
      const err: string[] = [];
      expect(await runPlugin('credential', args(), io(home, process.pid, out, err))).toBe(0);
      expect(out.join('')).toContain('"token":"everyday-token"');
      expect(err.join('\n')).toMatch(/could not ask stepgate/);
    }
    answer = { status: 200, body: '{"challenge":null}' };
  });

  it('never sends the token over plain http to another machine: the question is not asked, the token kept', async () => {
    // The question carries the ID token, which the cluster accepts: over http to anything but
    // loopback, anyone on the path reads it (and answers with a challenge of their own).
    for (const stepgate of ['http://stepgate.invalid', 'http://198.51.100.7:8080', 'http://[2001:db8::1]/']) {
      const { home } = setup();
      const a = ['--issuer', ISSUER, '--client-id', 'kubectl', '--stepgate', stepgate];
      await runPlugin('credential', a, io(home, process.pid, [], []));
      const out: string[] = [];
      const err: string[] = [];
      expect(await runPlugin('credential', a, io(home, process.pid, out, err))).toBe(0);
      expect(out.join('')).toContain('"token":"everyday-token"');
      expect(err.join('\n')).toMatch(/could not ask stepgate why the request was refused: not sending the token over plain http to /);
    }
  });

  it('never writes a token to stderr, and status never prints one', async () => {
    const { home, c } = setup();
    c.put(token('urn:example:aal2', 'elevated-token'));
    const out: string[] = [];
    const err: string[] = [];
    await runPlugin('status', [], io(home, 1, out, err));
    const text = out.join('') + err.join('');
    expect(text).toContain('everyday');
    expect(text).toContain('urn:example:aal2');
    for (const secret of ['everyday-token', 'elevated-token', 'refresh-secret']) expect(text).not.toContain(secret);
    const files = readdirSync(join(home, 'stepgate')).map((n) => readFileSync(join(home, 'stepgate', n), 'utf8'));
    expect(files.some((f) => f.includes('elevated-token'))).toBe(true);
  });
});

describe('x-stepgate-status-body', () => {
  it('is the same JSON in one header-safe ASCII line (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (message) => {
        const body = JSON.stringify({ kind: 'Status', message });
        const h = statusBodyHeader(body);
        if (h === undefined) return;
        expect(h).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(h)).toEqual(JSON.parse(body));
      }),
      { numRuns: 60 },
    );
    // Generating arbitrary binary strings takes seconds on a loaded machine.
  }, 60_000);

  it('is left out when too long for nginx\'s header buffer, or when there is no body', () => {
    expect(statusBodyHeader(JSON.stringify({ message: 'x'.repeat(4000) }))).toBeUndefined();
    expect(statusBodyHeader('')).toBeUndefined();
  });
});
