import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_HEADER, TokenCache, tokenHash, type CachedToken } from '../../src/credential/cache.cjs';
import { answerFromCache, parentStart } from '../../src/credential/cached.cjs';

/**
 * The `stepgate` command is src/credential/fast-path.sh: it answers kubectl from the file the
 * token cache precomputes, and otherwise execs Node. These tests run the script itself, with dash
 * (Debian's sh) and bash --posix, against the Node cached path (answerFromCache) on a twin cache:
 * whenever sh answers, Node answers the same bytes and leaves the same re-run marker; for the
 * caches kubectl meets (a current file, client-go's exec info) sh answers exactly when Node does.
 *
 * Time comes from a fake `date` first on PATH, and the parent is this test process (spawnSync
 * forks the shell directly), so Node is asked with ppid = process.pid. A fake `node` on PATH stands
 * for the hand-over: it prints what it was given, so a decline is visible and checkable.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'src/credential/fast-path.sh');
const NOW = 1_800_000_000;
const ISSUER = 'https://login.example.com';
const CLIENT = 'kubectl';
const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';
const SHELLS: [string, string[]][] = [
  ['/bin/sh', []],
  ['bash', ['--posix']],
];
const HANDED = 'HANDED-TO-NODE ';

let bin: string;
let pkg: string;

beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'sg-fast-'));
  bin = join(base, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'date'), `#!/bin/sh\n[ "$1" = +%s ] && echo "\${FAKE_NOW:-${NOW}}"\n`, { mode: 0o755 });
  // The hand-over: what node was given (arguments, one variable, stdin), on stdout and stderr.
  writeFileSync(
    join(bin, 'node'),
    `#!/bin/sh\nprintf '${HANDED}%s\\n' "$*"\nprintf 'env %s\\n' "\${PROBE-unset}"\nif [ -n "\${READ_STDIN-}" ]; then IFS= read -r l; printf 'stdin %s\\n' "$l"; fi\necho 'stderr kept' >&2\nexit 7\n`,
    { mode: 0o755 },
  );
  // The package as npm installs it: dist/credential/fast-path.sh, and node_modules/.bin links.
  pkg = join(base, 'node_modules', 'stepgate');
  mkdirSync(join(pkg, 'dist', 'credential'), { recursive: true });
  copyFileSync(SCRIPT, join(pkg, 'dist', 'credential', 'fast-path.sh'));
  chmodSync(join(pkg, 'dist', 'credential', 'fast-path.sh'), 0o755);
  writeFileSync(join(pkg, 'dist', 'stepgate.cjs'), '');
  mkdirSync(join(base, 'node_modules', '.bin'));
  symlinkSync('../stepgate/dist/credential/fast-path.sh', join(base, 'node_modules', '.bin', 'stepgate'));
});

function token(level: string, id: string, extra: Partial<CachedToken> = {}): CachedToken {
  return { issuer: ISSUER, client_id: CLIENT, level, id_token: id, refresh_token: 'refresh-secret', expires_at: NOW + 600, obtained_at: NOW, ...extra };
}

function files(home: string): Record<string, string> {
  const d = join(home, 'stepgate');
  let names: string[];
  try {
    names = readdirSync(d);
  } catch {
    return {};
  }
  return Object.fromEntries(names.sort().map((n) => [n, readFileSync(join(d, n), 'utf8')]));
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  handed: boolean;
}

function runSh(shell: [string, string[]], home: string, args: string[], env: NodeJS.ProcessEnv = {}, script = SCRIPT, input?: string): Run {
  const all: NodeJS.ProcessEnv = { PATH: `${bin}:/usr/bin:/bin`, XDG_CACHE_HOME: home, ...env };
  const r = spawnSync(shell[0], [...shell[1], script, ...args], {
    env: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)),
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, handed: r.stdout.startsWith(HANDED) };
}

/** The first line of a hand-over with the script path it named resolved ("a/../b" → "b"). */
function handedTo(stdout: string): string {
  const [path, ...rest] = stdout.split('\n')[0]!.slice(HANDED.length).split(' ');
  return [resolve(path!), ...rest].join(' ');
}

const args = ['credential', `--issuer=${ISSUER}`, '--client-id', CLIENT, '--acr=aal2=urn:example:aal2'];
const nodeArgs = args.slice(1);

/** client-go's encoding of KUBERNETES_EXEC_INFO (kind, apiVersion, spec). */
function execInfo(apiVersion: string, spec = '{"cluster":{"server":"https://127.0.0.1:6443","certificate-authority-data":"LS0t"},"interactive":false}'): string {
  return `{"kind":"ExecCredential","apiVersion":"${apiVersion}","spec":${spec}}`;
}

function seed(home: string, tokens: CachedToken[]): TokenCache {
  const cache = new TokenCache(join(home, 'stepgate'));
  for (const t of tokens) cache.put(t);
  return cache;
}

describe('the fast path against the Node cached path', () => {
  const levels = ['', 'urn:example:aal2', 'urn:example:aal3', 'urn:example:aal4'];
  // What kubectl sends is drawn three times as often as what it never sends: the sh/Node comparison
  // only means something on answered runs. With an even draw a run of 120 answered about 28, close
  // enough to the floor below that CI tripped on it by chance; weighted, about 55 (49–65 in ten runs).
  const execInfos = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom<[string | undefined, boolean]>(
        // [value, what kubectl sends]
        [undefined, true],
        ['', true],
        [execInfo(V1), true],
        [execInfo(V1BETA1), true],
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<[string | undefined, boolean]>(
        [execInfo(V1BETA1, '{"cluster":{"config":{"apiVersion":"x"}}}'), false],
        // Go's encoder escapes <, > and & as \u003c…: sh cannot tell such an escape from a key spelled another way.
        [execInfo(V1BETA1, '{"cluster":{"server":"https://k8s.example.com/?a=1\\u0026b=2"}}'), false],
        [execInfo('client.authentication.k8s.io/v1alpha1'), false],
        [`{"apiVersion":"${V1BETA1}","kind":"ExecCredential","spec":{}}`, false],
        [`${execInfo(V1BETA1).slice(0, 90)}`, false],
        [`${execInfo(V1BETA1)},"apiVersion":"${V1}"}`, false],
        ['not json', false],
      ),
    },
  );

  for (const shell of SHELLS) {
    it(`${shell[0]} ${shell[1].join(' ')}: same answer, same marker, or a hand-over to Node (property)`, () => {
      const me = process.pid;
      const start = parentStart(me);
      expect(start).toMatch(/^\d+$/);
      let answered = 0;
      fc.assert(
        fc.property(
          fc.uniqueArray(
            fc.record({
              level: fc.constantFrom(...levels),
              life: fc.oneof(fc.integer({ min: -100, max: 900 }), fc.constantFrom(29, 30, 31)),
              age: fc.integer({ min: 0, max: 3 }),
            }),
            { selector: (t) => t.level, maxLength: 4 },
          ),
          fc.option(
            fc.record({
              which: fc.nat(4),
              ppid: fc.constantFrom('same', 'other'),
              start: fc.constantFrom('same', 'other', ''),
              ago: fc.constantFrom(-5, 0, 899, 900, 5000),
            }),
            { nil: undefined },
          ),
          execInfos,
          (tokens, marker, [info, fromKubectl]) => {
            const all = tokens.map((t, i) => token(t.level, `token-${i}-${t.level}`, { expires_at: NOW + t.life, obtained_at: NOW - t.age }));
            const homes = [mkdtempSync(join(tmpdir(), 'sg-fast-sh-')), mkdtempSync(join(tmpdir(), 'sg-fast-node-'))];
            for (const home of homes) {
              const cache = seed(home, all);
              if (marker) {
                const t = all[marker.which];
                cache.markServed(ISSUER, CLIENT, {
                  ppid: marker.ppid === 'same' ? me : me + 100_000,
                  parent_start: marker.start === 'same' ? start : marker.start === '' ? '' : `${start}1`,
                  token_hash: t ? tokenHash(t.id_token) : 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
                  at: NOW - marker.ago,
                });
              }
            }
            const env = info === undefined ? {} : { KUBERNETES_EXEC_INFO: info };
            const before = files(homes[0]!);
            const sh = runSh(shell, homes[0]!, args, env);
            const node = answerFromCache(nodeArgs, { env: { XDG_CACHE_HOME: homes[1]!, ...env }, ppid: me, now: () => NOW });
            if (sh.handed) {
              // Declined: nothing written, and Node was given the very same arguments.
              expect(handedTo(sh.stdout)).toBe(`${join(ROOT, 'src/stepgate.cjs')} ${args.join(' ')}`);
              expect(files(homes[0]!)).toEqual(before);
              if (fromKubectl) expect(node).toBeUndefined();
            } else {
              expect(sh.status, sh.stderr).toBe(0);
              expect(sh.stderr).toBe('');
              expect(sh.stdout).toBe(node);
              expect(files(homes[0]!)).toEqual(files(homes[1]!));
              answered++;
            }
            for (const home of homes) rmSync(home, { recursive: true, force: true });
          },
        ),
        { numRuns: 120 },
      );
      // The comparison above means something only if sh does answer, often.
      expect(answered).toBeGreaterThan(20);
    }, 120_000);
  }
});

describe('the fast path', () => {
  const sh = SHELLS[0]!;

  function home(tokens: CachedToken[] = [token('', 'everyday'), token('urn:example:aal2', 'elevated', { expires_at: NOW + 300 })]): string {
    const h = mkdtempSync(join(tmpdir(), 'sg-fast-'));
    seed(h, tokens);
    return h;
  }

  it('serves the newest live elevated token, then, in the same kubectl process (client-go after a 401), hands over to Node, which asks stepgate', () => {
    const h = home([token('', 'everyday', { expires_at: NOW + 3000 }), token('urn:example:aal2', 'elevated', { expires_at: NOW + 2000 })]);
    const first = runSh(sh, h, args);
    expect(first.handed).toBe(false);
    expect(JSON.parse(first.stdout)).toEqual({ apiVersion: V1, kind: 'ExecCredential', status: { token: 'elevated', expirationTimestamp: new Date((NOW + 1970) * 1000).toISOString() } });
    const again = runSh(sh, h, args);
    expect(again.handed).toBe(true);
    // Node, for that same process, declines the cached answer too: the full path asks stepgate.
    expect(answerFromCache(nodeArgs, { env: { XDG_CACHE_HOME: h }, ppid: process.pid, now: () => NOW })).toBeUndefined();
    // A later kubectl (the marker 900 s old) is served again.
    expect(runSh(sh, h, args, { FAKE_NOW: String(NOW + 900) }).handed).toBe(false);
  });

  it('hands over with the same arguments, environment and standard streams; non-credential commands too', () => {
    const h = home();
    for (const a of [['serve', '--config', 'x y.yaml'], ['status'], ['credential', '--issuer', ISSUER], []]) {
      const r = runSh(sh, h, a, { PROBE: 'kept' }, SCRIPT, 'from stdin\n');
      expect(r.handed, a.join(' ')).toBe(true);
      expect(handedTo(r.stdout)).toBe([join(ROOT, 'src/stepgate.cjs'), ...a].join(' '));
      expect(r.stdout.split('\n').slice(1)).toEqual(['env kept', '']);
      expect(r.stderr).toBe('stderr kept\n');
      expect(r.status).toBe(7);
    }
    const r = runSh(sh, h, ['login', '--device'], { READ_STDIN: '1' }, SCRIPT, 'typed\n');
    expect(r.stdout).toContain('stdin typed\n');
  });

  it("through npm's node_modules/.bin symlink, Node is the package's dist/stepgate.cjs", () => {
    const h = home();
    const link = join(pkg, '..', '.bin', 'stepgate');
    const r = runSh(sh, h, ['status'], {}, link);
    expect(handedTo(r.stdout)).toBe(`${join(pkg, 'dist/stepgate.cjs')} status`);
    // And the symlink answers from the cache like the script itself.
    expect(runSh(sh, h, args, {}, link).stdout).toContain('"token":"elevated"');
  });

  it('declines options the Node parser reads differently or rejects, and answers the forms `stepgate kubeconfig` prints', () => {
    const h = home();
    const base = ['credential', `--issuer=${ISSUER}`, `--client-id=${CLIENT}`];
    for (const ok of [
      base,
      [...base, '--acr=aal2=urn:example:aal2', `--stepgate=https://stepgate.example.com`, '--scope=openid email', '--device'],
      ['credential', '--issuer', ISSUER, '--client-id', CLIENT, '--timeout', '60', '--browser', 'xdg-open', '--all'],
      [...base, '--issuer=https://other.example.com', `--issuer=${ISSUER}`],
    ]) {
      // A new parent for each: run through a shell that stays in between.
      const r = spawnSync('/bin/sh', ['-c', `"$@"; :`, 'sh', '/bin/sh', SCRIPT, ...ok], { env: { PATH: `${bin}:/usr/bin:/bin`, XDG_CACHE_HOME: h }, encoding: 'utf8' });
      expect(r.stdout, ok.join(' ')).toContain('"token":"elevated"');
    }
    for (const bad of [
      [...base, '--bogus'],
      [...base, '-h'],
      [...base, '--help'],
      [...base, 'positional'],
      [...base, '--'],
      [...base, '--device=yes'],
      [...base, '--acr', 'noequals'],
      [...base, '--acr', '=urn:x'],
      [...base, '--acr'],
      [...base, '--scope', '-x'],
      [...base, '--timeout', '0'],
      [...base, '--timeout', '1.5'],
      [...base, '--timeout=soon'],
      [...base, '--issuer='],
      ['credential', `--client-id=${CLIENT}`],
      ['credential', '--issuer', ISSUER],
      [...base.slice(0, 2), `--client-id=other`],
      ['--issuer', ISSUER, '--client-id', CLIENT],
    ]) {
      expect(runSh(sh, h, bad).handed, bad.join(' ')).toBe(true);
    }
  });

  it('declines a missing, stale, loosened or foreign file, and a cache directory it cannot vouch for', () => {
    const fastOf = (h: string) => join(h, 'stepgate', readdirSync(join(h, 'stepgate')).find((n) => n.startsWith('fast-'))!);
    const served = (h: string) => runSh(sh, h, args).handed === false;

    let h = home();
    expect(served(h)).toBe(true);
    rmSync(fastOf(h));
    expect(served(h)).toBe(false);

    // A token file removed by hand (Node then signs in; sh must not serve it from the file).
    h = home();
    const elevatedFile = readdirSync(join(h, 'stepgate')).find((n) => n.startsWith('token-') && readFileSync(join(h, 'stepgate', n), 'utf8').includes('"elevated"'))!;
    rmSync(join(h, 'stepgate', elevatedFile));
    expect(served(h)).toBe(false);

    // A token file written by something that did not update the file (an earlier version).
    h = home();
    writeFileSync(join(h, 'stepgate', 'token-0123.json'), '{}', { mode: 0o600 });
    expect(served(h)).toBe(false);

    // A token file rewritten in place by something that did not update the file (the file's
    // time set back stands for "written before"): sh declines, Node answers with the new token
    // and brings the file up to date, and sh answers again.
    h = home([token('', 'everyday')]);
    const everydayFile = join(h, 'stepgate', readdirSync(join(h, 'stepgate')).find((n) => n.startsWith('token-'))!);
    writeFileSync(everydayFile, JSON.stringify(token('', 'rewritten', { expires_at: NOW + 900 })));
    utimesSync(fastOf(h), new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    expect(served(h)).toBe(false);
    expect(answerFromCache(nodeArgs, { env: { XDG_CACHE_HOME: h }, ppid: process.pid + 100_000, now: () => NOW })).toContain('"token":"rewritten"');
    const viaNewParent = spawnSync('/bin/sh', ['-c', `"$@"; :`, 'sh', '/bin/sh', SCRIPT, ...args], { env: { PATH: `${bin}:/usr/bin:/bin`, XDG_CACHE_HOME: h }, encoding: 'utf8' });
    expect(viaNewParent.stdout).toContain('"token":"rewritten"');

    h = home();
    chmodSync(fastOf(h), 0o644);
    expect(served(h)).toBe(false);
    h = home();
    chmodSync(join(h, 'stepgate'), 0o755);
    expect(served(h)).toBe(false);

    // Another format version, a file cut short, lines out of order.
    for (const edit of [
      (t: string) => t.replace(FAST_HEADER, 'stepgate-fast-path 2'),
      (t: string) => t.split('\n').filter((l) => !l.startsWith('token ')).join('\n'),
      (t: string) => {
        const lines = t.trimEnd().split('\n');
        return `${[...lines.slice(0, 3), lines.at(-1), ...lines.slice(3, -1)].join('\n')}\n`;
      },
      (t: string) => t.replace(/^tokens \d+$/m, ''),
    ]) {
      h = home();
      writeFileSync(fastOf(h), edit(readFileSync(fastOf(h), 'utf8')));
      expect(served(h)).toBe(false);
    }

    // A relative XDG_CACHE_HOME without HOME (Node would ask the password database); a path
    // Node normalises and the kernel may resolve differently; HOME's cache when it is empty.
    h = home();
    expect(runSh(sh, h, args, { XDG_CACHE_HOME: 'relative' }).handed).toBe(true);
    expect(runSh(sh, h, args, { XDG_CACHE_HOME: `${h}/x/..` }).handed).toBe(true);
    expect(runSh(sh, h, args, { XDG_CACHE_HOME: undefined, HOME: h.replace(/\/[^/]*$/, '') }).handed).toBe(true);

    // A clock that does not answer in seconds.
    expect(runSh(sh, h, args, { FAKE_NOW: 'soon' }).handed).toBe(true);

    if (process.getuid?.() === 0) {
      // Owned by someone else (only root can arrange that).
      h = home();
      chownSync(fastOf(h), 65534, 65534);
      expect(served(h)).toBe(false);
    }
  });

  it('declines without /proc (Node would have no parent start time to tell a reused pid by)', () => {
    const h = home();
    // A mount namespace whose /proc is empty: the script's parent has no stat to read.
    const r = spawnSync('unshare', ['--mount', '--map-root-user', '/bin/sh', '-c', 'mount -t tmpfs none /proc && exec /bin/sh "$@"', 'sh', SCRIPT, ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, XDG_CACHE_HOME: h },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('stderr kept\n');
    expect(r.stdout.startsWith(HANDED)).toBe(true);
  });
});

describe('the file the token cache keeps for the fast path', () => {
  it('follows every change to the cache: store, refresh, remove, logout; 0600 and written by rename', () => {
    const h = mkdtempSync(join(tmpdir(), 'sg-fast-'));
    const cache = new TokenCache(join(h, 'stepgate'));
    const fast = () => Object.entries(files(h)).filter(([n]) => n.startsWith('fast-'));
    expect(fast()).toEqual([]);
    cache.put(token('', 'one'));
    expect(fast()).toHaveLength(1);
    expect(fast()[0]![1]).toContain('"token":"one"');
    cache.put(token('', 'two'));
    expect(fast()[0]![1]).toContain('"token":"two"');
    expect(fast()[0]![1]).not.toContain('"token":"one"');
    cache.put(token('urn:example:aal2', 'up', { obtained_at: NOW + 1 }));
    expect(fast()[0]![1].split('\n').filter((l) => l.startsWith('token ')).map((l) => /"token":"([^"]+)"/.exec(l)![1])).toEqual(['up', 'two']);
    for (const n of readdirSync(join(h, 'stepgate'))) expect(statSync(join(h, 'stepgate', n)).mode & 0o777, n).toBe(0o600);
    expect(readdirSync(join(h, 'stepgate')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    cache.remove(ISSUER, CLIENT, 'urn:example:aal2');
    expect(fast()[0]![1]).not.toContain('"token":"up"');
    cache.remove(ISSUER, CLIENT, '');
    expect(fast()).toEqual([]);
  });

  it('is brought up to date by the Node answer when it went stale, so the next command takes the fast path again', () => {
    const h = mkdtempSync(join(tmpdir(), 'sg-fast-'));
    seed(h, [token('', 'everyday')]);
    const d = join(h, 'stepgate');
    const name = readdirSync(d).find((n) => n.startsWith('fast-'))!;
    rmSync(join(d, name));
    expect(runSh(SHELLS[0]!, h, args).handed).toBe(true);
    expect(answerFromCache(nodeArgs, { env: { XDG_CACHE_HOME: h }, ppid: process.pid + 100_000, now: () => NOW })).toContain('"token":"everyday"');
    expect(readdirSync(d)).toContain(name);
    const r = spawnSync('/bin/sh', ['-c', `"$@"; :`, 'sh', '/bin/sh', SCRIPT, ...args], { env: { PATH: `${bin}:/usr/bin:/bin`, XDG_CACHE_HOME: h }, encoding: 'utf8' });
    expect(r.stdout).toContain('"token":"everyday"');
  });

  it('is not written for an issuer or client id that a line cannot hold', () => {
    const h = mkdtempSync(join(tmpdir(), 'sg-fast-'));
    seed(h, [{ ...token('', 'x'), issuer: 'https://a\nclient kubectl' }]);
    expect(readdirSync(join(h, 'stepgate')).filter((n) => n.startsWith('fast-'))).toEqual([]);
  });
});
