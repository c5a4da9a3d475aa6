#!/usr/bin/env node
/**
 * What the credential plugin adds to a kubectl command when its token is cached (issue 13, target
 * < 50 ms): `node dist/cli.js credential …` against `node -e ''`, run alternately so that a change
 * in the machine's load hits both alike. Run `npm run build` first.
 *
 *   node bench/plugin-startup.mjs [pairs]        (default 200 pairs, after 10 warm-up pairs)
 *
 * Each command runs under `bash -c '…; times'`: a new parent process per run, as each kubectl
 * command is. Without the shell staying in between, every run would have the same parent pid and
 * the plugin would (rightly) take the second run for client-go's re-run after a 401 and ask
 * stepgate for the challenge; that is not the cached path being measured. bash's `times` also
 * gives the child's CPU time (user + system), which a busy machine disturbs less than wall time.
 *
 * The cache is a fresh $XDG_CACHE_HOME with one everyday token of a realistic size (seeded with
 * the plugin's own TokenCache), and KUBERNETES_EXEC_INFO carries a cluster with a real CA
 * certificate, as kubectl sends it with `provideClusterInfo: true`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const pairs = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'stepgate-plugin-bench-'));
const issuer = 'https://login.example.com';
const clientId = 'kubectl';

try {
  const { TokenCache, cacheDir } = await import(join(ROOT, 'dist/credential/cache.js'));
  const env = { PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, 'cache') };
  const now = Math.floor(Date.now() / 1000);
  const b64 = (n) => randomBytes(n).toString('base64url');
  // An RS256 ID token with a few claims is about 900 characters.
  const idToken = `${b64(80)}.${b64(420)}.${b64(256)}`;
  new TokenCache(cacheDir(env)).put({ issuer, client_id: clientId, level: '', id_token: idToken, refresh_token: b64(32), expires_at: now + 3600, auth_time: now, acr: 'urn:stepgate:aal1', obtained_at: now });

  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '1', '-subj', '/CN=bench CA'], { stdio: 'ignore' });
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1',
    spec: { cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': readFileSync(join(dir, 'ca.crt')).toString('base64') }, interactive: false },
  });

  const node = process.execPath;
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const commands = {
    baseline: `${q(node)} -e ''`,
    plugin: `${q(node)} ${q(join(ROOT, 'dist/cli.js'))} credential --issuer=${issuer} --client-id=${clientId} --acr=aal1=urn:stepgate:aal1 --acr=aal2=urn:stepgate:aal2`,
  };
  const seconds = (t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const once = (cmd) => {
    const t0 = process.hrtime.bigint();
    // stdout stays a pipe, as kubectl gives the plugin; `times` reports on stderr.
    const r = spawnSync('/bin/bash', ['-c', `${cmd} ; times >&2`], { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const lines = r.stderr.trim().split('\n');
    if (r.status !== 0 || lines.length !== 2) throw new Error(`${cmd} failed: ${r.stderr}`);
    // `times`: the shell's user and system time, then its children's.
    const [user, sys] = lines[1].split(' ');
    return { ms, cpu: (seconds(user) + seconds(sys)) * 1000 };
  };
  // The plugin must answer from the cache: its output is an ExecCredential with that token.
  const out = spawnSync('/bin/bash', ['-c', `${commands.plugin} ; :`], { env, encoding: 'utf8' });
  if (JSON.parse(out.stdout).status?.token !== idToken) throw new Error(`the plugin did not answer from the cache: ${out.stdout}${out.stderr}`);

  for (let i = 0; i < 10; i++) (once(commands.baseline), once(commands.plugin));
  const load = [loadavg()];
  const wall = { baseline: [], plugin: [], added: [] };
  const cpu = { baseline: [], plugin: [], added: [] };
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first, so neither always runs right after the other.
    const order = i % 2 === 0 ? ['baseline', 'plugin'] : ['plugin', 'baseline'];
    const got = {};
    for (const k of order) got[k] = once(commands[k]);
    for (const [m, into] of [['ms', wall], ['cpu', cpu]]) {
      into.baseline.push(got.baseline[m]);
      into.plugin.push(got.plugin[m]);
      into.added.push(got.plugin[m] - got.baseline[m]);
    }
  }
  load.push(loadavg());

  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
  };
  const row = (name, xs) => ({ name, median: pct(xs, 50), p10: pct(xs, 10), p90: pct(xs, 90), min: Math.min(...xs), max: Math.max(...xs) });
  const result = {
    pairs,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    loadavg_1_5_15: { before: load[0].map((x) => +x.toFixed(2)), after: load[1].map((x) => +x.toFixed(2)) },
    ...Object.fromEntries(
      [['wall_ms', wall], ['cpu_ms', cpu]].map(([name, m]) => [
        name,
        [row("node -e ''", m.baseline), row('stepgate credential (cached)', m.plugin), row('added (paired difference)', m.added)].map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(1) : v])),
        ),
      ]),
    ),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
