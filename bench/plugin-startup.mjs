#!/usr/bin/env node
/**
 * What the credential plugin adds to a kubectl command when its token is cached (issue 13, target
 * < 50 ms). Run `npm run build` first.
 *
 *   node bench/plugin-startup.mjs [pairs] [--kubectl] [--before DIR]
 *
 * Two ways the plugin can run, measured in the same rounds:
 *   fast   `stepgate credential …` as the installed command runs it: the kubeconfig entry that
 *          `stepgate kubeconfig` prints (command: stepgate), `stepgate` on PATH being a symlink to
 *          dist/credential/fast-path.sh as npm makes it. The sh script answers from the cache.
 *   node   `node dist/stepgate.cjs credential …`, the Node cached path (what the script hands over
 *          to when it declines, and what kubeconfigs naming node and the file run).
 *
 * Default (the plugin alone): both, against an empty `node -e ''` and an empty `sh -c true`, in
 * rotating order so that a change in the machine's load hits all alike (default 200 rounds, after
 * 10 warm-up rounds). The fast path is compared with sh, the Node path with node.
 *
 * --kubectl: the real thing. `kubectl get --raw /api/v1/namespaces/default/pods` against a small
 * local HTTPS server, with a kubeconfig user per variant (both with provideClusterInfo and
 * interactiveMode IfAvailable, as `stepgate kubeconfig` prints them) and one user holding the same
 * token statically. The difference is everything the plugin costs kubectl: forking it,
 * KUBERNETES_EXEC_INFO, the plugin's start-up and reading its answer.
 *
 * --before DIR: one more command in the same rounds, the Node plugin of an earlier build copied to
 * DIR (a copy of dist/ inside this repository, so its package.json and node_modules apply): DIR's
 * stepgate.cjs if it has one, else `DIR/cli.js credential`.
 *
 * Each command runs under `bash -c '…; times'`: a new parent process per run, as each kubectl
 * command is. Without the shell staying in between, every run would have the same parent pid and
 * the plugin would (rightly) take the second run for client-go's re-run after a 401 and ask
 * stepgate for the challenge; that is not the cached path being measured. bash's `times` also
 * gives the children's CPU time (user + system; kubectl's includes the plugin it waited for), which
 * a busy machine disturbs less than wall time.
 *
 * Before timing, each variant must answer from the cache, and the fast one must do so with no
 * `node` on the PATH (a hand-over to Node would fail): the figures are the sh path's own.
 *
 * The cache is a fresh $XDG_CACHE_HOME with one everyday token of a realistic size (seeded with
 * the plugin's own TokenCache, which also writes the fast path's file), and KUBERNETES_EXEC_INFO
 * (set by kubectl itself in --kubectl) carries a cluster with a real CA certificate, encoded as
 * client-go encodes it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { median, percentile, spread } from './stats.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = argv.splice(i, name === '--before' ? 2 : 1);
  return value ?? true;
};
const viaKubectl = flag('--kubectl') === true;
const before = flag('--before');
const pairs = Number(argv[0] ?? 200);
if (!Number.isInteger(pairs) || pairs < 1) throw new Error('usage: node bench/plugin-startup.mjs [pairs] [--kubectl] [--before DIR]');
const dir = mkdtempSync(join(tmpdir(), 'stepgate-plugin-bench-'));
const issuer = 'https://login.example.com';
const clientId = 'kubectl';
let server;

try {
  const { TokenCache, cacheDir } = createRequire(import.meta.url)(join(ROOT, 'dist/credential/cache.cjs'));
  const env = { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, 'cache') };
  const now = Math.floor(Date.now() / 1000);
  const b64 = (n) => randomBytes(n).toString('base64url');
  // An RS256 ID token with a few claims is about 900 characters.
  const idToken = `${b64(80)}.${b64(420)}.${b64(256)}`;
  new TokenCache(cacheDir(env)).put({ issuer, client_id: clientId, level: '', id_token: idToken, refresh_token: b64(32), expires_at: now + 3600, auth_time: now, acr: 'urn:stepgate:aal1', obtained_at: now });

  // Self-signed for 127.0.0.1: kubectl verifies the server with it as the cluster's CA.
  const crt = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const caData = readFileSync(crt).toString('base64');

  const node = process.execPath;
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const acrs = ['--acr=aal1=urn:stepgate:aal1', '--acr=aal2=urn:stepgate:aal2'];
  const pluginArgs = ['credential', `--issuer=${issuer}`, `--client-id=${clientId}`, ...acrs];
  const entry = (d) => (existsSync(join(d, 'stepgate.cjs')) ? join(d, 'stepgate.cjs') : join(d, 'cli.js'));
  const plugins = { node: entry(join(ROOT, 'dist')), ...(before ? { before: entry(resolve(before)) } : {}) };
  const commands = {};
  const names = {};
  /** The paired difference each command is reported against. */
  const refs = {};

  // `stepgate` as npm installs it: a symlink in a bin folder to the package's sh script.
  const script = join(ROOT, 'dist/credential/fast-path.sh');
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build`);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(script, join(bin, 'stepgate'));
  env.PATH = `${bin}:${dirname(node)}:${env.PATH}`;
  // The same PATH without node: the fast variant must answer with only what sh uses.
  const tools = join(dir, 'tools');
  mkdirSync(tools);
  for (const t of ['date', 'ls', 'mv', 'readlink', ...(viaKubectl ? ['kubectl'] : [])]) {
    symlinkSync(execFileSync('/bin/sh', ['-c', `command -v ${t}`], { env: { PATH: process.env.PATH }, encoding: 'utf8' }).trim(), join(tools, t));
  }

  if (viaKubectl) {
    // The API server stand-in runs in its own process: the runs below block this one.
    server = spawn(node, ['-e', `
      const s = require('node:https').createServer({ cert: require('node:fs').readFileSync(process.argv[1]), key: require('node:fs').readFileSync(process.argv[2]) }, (req, res) => {
        const ok = req.headers.authorization === 'Bearer ' + process.argv[3];
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}' : '{"kind":"Status","apiVersion":"v1","status":"Failure","code":401}');
      });
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));`, crt, key, idToken], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((ok, fail) => {
      server.stdout.once('data', (d) => ok(Number(String(d).trim())));
      server.once('exit', () => fail(new Error('the API server stand-in exited')));
    });
    const users = [`  - name: static\n    user:\n      token: ${idToken}`];
    // The entry a user gets from `stepgate kubeconfig` (run through the installed command).
    const printed = execFileSync(join(bin, 'stepgate'), ['kubeconfig', `--issuer=${issuer}`, `--client-id=${clientId}`, ...acrs, '--name=fast'], { env, encoding: 'utf8' });
    if (!/\n\s+command: stepgate\n/.test(printed)) throw new Error(`unexpected kubeconfig entry:\n${printed}`);
    users.push(printed.replace(/^users:\n/, '').trimEnd());
    for (const [name, file] of Object.entries(plugins)) {
      users.push(
        `  - name: ${name}\n    user:\n      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: ${node}\n` +
          `        args: ${JSON.stringify([file, ...pluginArgs])}\n        interactiveMode: IfAvailable\n        provideClusterInfo: true`,
      );
    }
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n  - name: bench\n    cluster:\n      server: https://127.0.0.1:${port}\n      certificate-authority-data: ${caData}\n` +
        `contexts:\n  - name: bench\n    context: { cluster: bench, user: static }\ncurrent-context: bench\nusers:\n${users.join('\n')}\n`,
    );
    const k = (user) => `kubectl --kubeconfig=${q(kubeconfig)} --user=${user} get --raw /api/v1/namespaces/default/pods`;
    commands.baseline = k('static');
    names.baseline = 'kubectl, static token';
    commands.fast = k('fast');
    names.fast = 'kubectl, stepgate kubeconfig entry (sh fast path)';
    refs.fast = 'baseline';
    for (const name of Object.keys(plugins)) {
      commands[name] = k(name);
      names[name] = name === 'before' ? `kubectl, node plugin (${before})` : 'kubectl, node dist/stepgate.cjs';
      refs[name] = 'baseline';
    }
  } else {
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1',
      spec: { cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': caData }, interactive: false },
    });
    commands.baseline = `${q(node)} -e ''`;
    names.baseline = "node -e ''";
    commands.sh = '/bin/sh -c true';
    names.sh = 'sh -c true';
    commands.fast = ['stepgate', ...pluginArgs].map(q).join(' ');
    names.fast = 'stepgate credential (sh fast path)';
    refs.fast = 'sh';
    for (const [name, file] of Object.entries(plugins)) {
      commands[name] = [node, file, ...pluginArgs].map(q).join(' ');
      names[name] = `${name === 'before' ? `${before}: ` : ''}node dist/stepgate.cjs credential (cached)`;
      refs[name] = 'baseline';
    }
  }

  const seconds = (t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const once = (cmd, e = env) => {
    const t0 = process.hrtime.bigint();
    // stdout stays a pipe, as kubectl gives the plugin; `times` reports on stderr.
    const r = spawnSync('/bin/bash', ['-c', `${cmd} ; times >&2`], { env: e, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const lines = r.stderr.trim().split('\n');
    if (r.status !== 0 || lines.length !== 2) throw new Error(`${cmd} failed: ${r.stderr}`);
    // `times`: the shell's user and system time, then its children's.
    const [user, sys] = lines[1].split(' ');
    return { ms, cpu: (seconds(user) + seconds(sys)) * 1000, stdout: r.stdout };
  };
  // Every variant must answer from the cache: the plugin prints that token, kubectl gets the list.
  for (const [name, cmd] of Object.entries(commands)) {
    const out = once(cmd, name === 'fast' ? { ...env, PATH: `${bin}:${tools}` } : env).stdout;
    const ok = viaKubectl ? JSON.parse(out).kind === 'PodList' : name === 'baseline' || name === 'sh' || JSON.parse(out).status?.token === idToken;
    if (!ok) throw new Error(`${name} did not answer from the cache: ${out}`);
  }

  const order = Object.keys(commands);
  for (let i = 0; i < 10; i++) for (const k of order) once(commands[k]);
  const load = [loadavg()];
  const wall = Object.fromEntries(order.map((k) => [k, []]));
  const cpu = Object.fromEntries(order.map((k) => [k, []]));
  for (let i = 0; i < pairs; i++) {
    // Rotate which goes first, so none always runs right after another.
    const round = order.map((_, j) => order[(i + j) % order.length]);
    const got = {};
    for (const k of round) got[k] = once(commands[k]);
    for (const k of order) {
      wall[k].push(got[k].ms);
      cpu[k].push(got[k].cpu);
    }
  }
  load.push(loadavg());

  const pct = (xs, p) => (p === 50 ? median(xs) : percentile(xs, p / 100));
  const row = (name, xs) => ({ name, median: pct(xs, 50), p10: pct(xs, 10), p25: pct(xs, 25), p75: pct(xs, 75), p90: pct(xs, 90), ...spread(xs) });
  const table = (m) => {
    const rows = order.map((k) => row(names[k], m[k]));
    for (const k of order.filter((k) => refs[k])) rows.push(row(`added by ${names[k]} over ${names[refs[k]]} (paired difference)`, m[k].map((x, i) => x - m[refs[k]][i])));
    rows.push(row('node − fast (paired difference)', m.node.map((x, i) => x - m.fast[i])));
    if (before) rows.push(row('before − node (paired difference)', m.before.map((x, i) => x - m.node[i])));
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(1) : v])));
  };
  const result = {
    mode: viaKubectl ? 'kubectl' : 'plugin alone',
    pairs,
    node: process.version,
    cpus: cpus().length,
    loadavg_1_5_15: { before: load[0].map((x) => +x.toFixed(2)), after: load[1].map((x) => +x.toFixed(2)) },
    wall_ms: table(wall),
    cpu_ms: table(cpu),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
}
