import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCache, tokenHash, type CachedToken } from '../../src/credential/cache.cjs';
import { answerFromCache, parentStart } from '../../src/credential/cached.cjs';
import { runPlugin } from '../../src/credential/plugin.js';

/**
 * The cached path (src/stepgate.cts → credential/cached.cts) is a shortcut in front of the full
 * plugin: it must answer exactly when the full path would answer from the cache without asking
 * anyone, with the same bytes and the same re-run marker, and write nothing when it declines.
 */

const NOW = 1_800_000_000;
const ISSUER = 'https://login.example.com';
const ROOT = new URL('../../', import.meta.url).pathname;

function token(level: string, id: string, extra: Partial<CachedToken> = {}): CachedToken {
  return { issuer: ISSUER, client_id: 'kubectl', level, id_token: id, refresh_token: 'refresh-secret', expires_at: NOW + 600, obtained_at: NOW, ...extra };
}

/** Every file of a cache directory with its content. */
function snapshot(home: string): Record<string, string> {
  const d = join(home, 'stepgate');
  let names: string[];
  try {
    names = readdirSync(d);
  } catch {
    return {};
  }
  return Object.fromEntries(names.sort().map((n) => [n, readFileSync(join(d, n), 'utf8')]));
}

describe('cache file names', () => {
  it('so cache files and re-run markers keep their names and token hashes', () => {
    const t = 'eyJhbGciOiJSUzI1NiJ9.e30.sig';
    expect(tokenHash(t)).toBe(createHash('sha256').update(t, 'utf8').digest('base64url').slice(0, 32));
    const home = mkdtempSync(join(tmpdir(), 'sg-cached-'));
    new TokenCache(join(home, 'stepgate')).put(token('', t));
    const key = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 32);
    expect(Object.keys(snapshot(home))).toEqual([`fast-${key(`${ISSUER}\0kubectl`)}.txt`, `token-${key(`${ISSUER}\0kubectl\0`)}.json`]);
  });
});

describe('the cached path against the full plugin', () => {
  let server: ReturnType<typeof createServer>;
  let asked = 0;
  let url = '';

  beforeAll(async () => {
    // stepgate's challenge endpoint, as the full path asks it on a re-run: "nothing to step up to".
    server = createServer((_req, res) => {
      asked++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"challenge":null}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const args = () => ['--issuer', ISSUER, '--client-id=kubectl', '--acr', 'aal2=urn:example:aal2', `--stepgate=${url}`];
  const env = (home: string, extra: NodeJS.ProcessEnv = {}) => ({ XDG_CACHE_HOME: home, PATH: '', ...extra });

  async function full(home: string, a: string[], ppid: number, e: NodeJS.ProcessEnv = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const before = asked;
    const code = await runPlugin('credential', a, { env: env(home, e), stdout: (s) => out.push(s), stderr: (s) => err.push(s), ppid, now: () => NOW });
    return { code, out: out.join(''), err: err.join('\n'), asked: asked > before };
  }

  /**
   * Random caches (always with a live everyday token, so the full path never has to sign in),
   * random re-run markers for this or another process: the cached path answers iff the full path
   * answers without asking stepgate, and then with the same output and the same files.
   */
  it('answers exactly when the full path answers from the cache, identically; otherwise writes nothing (property)', async () => {
    const me = process.pid;
    const start = parentStart(me);
    const levels = ['urn:example:aal2', 'urn:example:aal3'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ level: fc.constantFrom(...levels), life: fc.integer({ min: -100, max: 900 }), age: fc.integer({ min: 0, max: 50 }) }), { maxLength: 3 }),
        fc.integer({ min: 31, max: 900 }),
        fc.option(fc.record({ which: fc.nat(3), samePid: fc.boolean(), sameStart: fc.boolean(), ago: fc.constantFrom(0, 899, 900, 5000) }), { nil: undefined }),
        fc.constantFrom(undefined, 'client.authentication.k8s.io/v1beta1', 'not json'),
        async (elevated, everydayLife, marker, execApi) => {
          const home = mkdtempSync(join(tmpdir(), 'sg-cached-'));
          const cache = new TokenCache(join(home, 'stepgate'));
          const all = [token('', 'everyday-token', { expires_at: NOW + everydayLife })];
          elevated.forEach((e, i) => all.push(token(e.level, `elevated-${i}`, { expires_at: NOW + e.life, obtained_at: NOW - e.age })));
          for (const t of all) cache.put(t);
          if (marker) {
            const t = all[marker.which % all.length]!;
            cache.markServed(ISSUER, 'kubectl', { ppid: marker.samePid ? me : me + 1, parent_start: marker.sameStart ? start : 'other', token_hash: tokenHash(t.id_token), at: NOW - marker.ago });
          }
          const e = execApi === undefined ? {} : { KUBERNETES_EXEC_INFO: execApi === 'not json' ? '{' : JSON.stringify({ apiVersion: execApi, kind: 'ExecCredential', spec: {} }) };
          const twin = mkdtempSync(join(tmpdir(), 'sg-cached-'));
          cpSync(join(home, 'stepgate'), join(twin, 'stepgate'), { recursive: true });
          const before = snapshot(home);

          const fast = answerFromCache(args(), { env: env(home, e), ppid: me, now: () => NOW });
          const slow = await full(twin, args(), me, e);
          expect(slow.code).toBe(0);
          if (fast === undefined) {
            expect(snapshot(home)).toEqual(before);
            expect(slow.asked).toBe(true);
          } else {
            expect(slow.asked).toBe(false);
            expect(fast).toBe(slow.out);
            expect(snapshot(home)).toEqual(snapshot(twin));
            if (execApi === 'client.authentication.k8s.io/v1beta1') expect(fast).toContain(`"apiVersion":"${execApi}"`);
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it('declines, writing nothing, whatever the full path would refuse or has to ask the identity provider', () => {
    const home = mkdtempSync(join(tmpdir(), 'sg-cached-'));
    const cache = new TokenCache(join(home, 'stepgate'));
    const io = { env: env(home), ppid: 1, now: () => NOW };
    // No token for this issuer and client: a sign-in.
    cache.put({ ...token('', 'other-issuer'), issuer: 'https://elsewhere.example.com' });
    cache.put({ ...token('', 'other-client'), client_id: 'other' });
    expect(answerFromCache(args(), io)).toBeUndefined();
    // Only tokens within the 30 s skew or expired: a refresh or a sign-in.
    cache.put(token('', 'expiring', { expires_at: NOW + 30 }));
    cache.put(token('urn:example:aal2', 'expired', { expires_at: NOW - 1 }));
    expect(answerFromCache(args(), io)).toBeUndefined();
    cache.put(token('', 'live'));
    const before = snapshot(home);
    // Arguments the full path rejects (it prints the usage error), and --help (it prints the usage).
    for (const bad of [
      ['--client-id=kubectl'],
      ['--issuer', ISSUER],
      [...args(), '--acr', 'noequals'],
      [...args(), '--acr', '=urn:x'],
      [...args(), '--timeout', '0'],
      [...args(), '--timeout', 'soon'],
      [...args(), '--bogus'],
      [...args(), '--help'],
      [...args(), '-h'],
      [...args(), 'positional'],
      [...args(), '--', 'x'],
      [...args(), '--device=yes'],
    ]) {
      expect(answerFromCache(bad, io), bad.join(' ')).toBeUndefined();
    }
    expect(snapshot(home)).toEqual(before);
    expect(answerFromCache(args(), io)).toContain('"token":"live"');
  });
});

describe('the stepgate binary with a cached token', () => {
  /**
   * The shipped files, compiled as tsc compiles them (one by one, CommonJS for .cts), run in a
   * folder holding nothing else: an answer proves no other file was needed, and Node's own lists
   * show what was loaded.
   */
  it('answers loading only its three CommonJS files and node:fs/path/os/util/crypto: no ES-module loader, no network or TLS', () => {
    const out = mkdtempSync(join(tmpdir(), 'sg-bin-'));
    for (const f of ['stepgate.cts', 'credential/cached.cts', 'credential/cache.cts']) {
      const js = ts.transpileModule(readFileSync(join(ROOT, 'src', f), 'utf8'), {
        fileName: f,
        compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      mkdirSync(dirname(join(out, f)), { recursive: true });
      writeFileSync(join(out, f.replace(/\.cts$/, '.cjs')), js);
    }
    const home = mkdtempSync(join(tmpdir(), 'sg-bin-home-'));
    new TokenCache(join(home, 'stepgate')).put(token('', 'cached-token', { expires_at: Math.floor(Date.now() / 1000) + 3600 }));
    const dump = (name: string) => join(home, `${name}.json`);
    writeFileSync(
      join(home, 'preload.cjs'),
      `process.on('exit', () => require('node:fs').writeFileSync(process.env.DUMP, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })));`,
    );
    const run = (argv: string[], name: string) =>
      spawnSync(process.execPath, ['--require', join(home, 'preload.cjs'), ...argv], { env: { PATH: process.env.PATH, XDG_CACHE_HOME: home, DUMP: dump(name) }, encoding: 'utf8' });
    const r = run([join(out, 'stepgate.cjs'), 'credential', `--issuer=${ISSUER}`, '--client-id=kubectl'], 'bin');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'ExecCredential', status: { token: 'cached-token' } });
    expect(run(['-e', '0'], 'baseline').status).toBe(0);

    const bin = JSON.parse(readFileSync(dump('bin'), 'utf8')) as { builtins: string[]; files: string[] };
    const baseline = new Set((JSON.parse(readFileSync(dump('baseline'), 'utf8')) as { builtins: string[] }).builtins);
    const added = bin.builtins.filter((m) => !baseline.has(m));
    expect(added.filter((m) => /esm|http|tls|net|zlib|worker|child_process/.test(m)), added.join(', ')).toEqual([]);
    expect(bin.files.filter((f) => f.startsWith(out)).map((f) => f.slice(out.length + 1)).sort()).toEqual(['credential/cache.cjs', 'credential/cached.cjs', 'stepgate.cjs']);
  });

  it('is what the fast path (the installed stepgate and kubectl-stepgate) hands over to', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.bin).toEqual({ stepgate: 'dist/credential/fast-path.sh', 'kubectl-stepgate': 'dist/credential/fast-path.sh' });
    // The build puts the script there, beside the compiled credential/ files.
    expect(pkg.scripts.build).toContain('cp src/credential/fast-path.sh dist/credential/fast-path.sh');
    const script = readFileSync(join(ROOT, 'src/credential/fast-path.sh'), 'utf8');
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(statSync(join(ROOT, 'src/credential/fast-path.sh')).mode & 0o111).toBe(0o111);
    // dist/credential/../stepgate.cjs is what tsc makes of src/stepgate.cts.
    expect(script).toContain('exec node "$here/../stepgate.cjs" "$@"');
    expect(readFileSync(join(ROOT, 'src/stepgate.cts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });
});
