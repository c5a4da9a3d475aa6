import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CheckClient, reasonOf, type CheckResponse } from './grpc-client.js';
import { TestIssuer } from './issuer.js';
import { checkRequest, type RequestSpec } from './requests.js';
import { exampleYaml } from './workday-service.js';

/**
 * The build `npm start` serves (`node dist/cli.js serve` with examples/stepgate.yaml, the test
 * issuer in place of the demo IdP), started once per test file on free ports, for the black-box
 * attack files (attack-corpus, attack-catalog): what is judged is the process that ships, spoken to
 * by a real grpc-js client and over the HTTP ext_authz listener.
 */
export interface BuiltServer {
  issuer: TestIssuer;
  client: CheckClient;
  /** The HTTP ext_authz listener's base URL. */
  authz: string;
  /**
   * The step-up listener's base URL (/.stepgate/: the browser flow, the admin API, the Shared
   * Signals receiver, the challenge endpoint), when `env` turns STEPGATE_HTTP_LISTEN on.
   */
  stepup: string | undefined;
  child: ChildProcess;
  /** Every line the server wrote on stderr. */
  stderr: string[];
  /** Every line it wrote on stdout (its JSON log records). */
  stdout: string[];
  /** The configuration file it serves: rewrite it and send SIGHUP to reload. */
  configFile: string;
  close(): Promise<void>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * `site` turns the example into a site's copy (for a key whose value is the site's own, such as its
 * registries); `env` adds to the server's environment (the variables a site's copy names).
 */
export async function startBuiltServer(prefix: string, site?: (yaml: string) => string, env: Record<string, string> = {}): Promise<BuiltServer> {
  // Its prestart compiles only a stale or missing dist/ (a fresh checkout in CI), and is otherwise a no-op.
  const prestart = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
  if (prestart.status !== 0 || !existsSync(join(ROOT, 'dist/cli.js'))) throw new Error(`the build failed: ${prestart.stderr}${prestart.stdout}`);
  const dir = mkdtempSync(join(tmpdir(), `stepgate-${prefix}-`));
  const issuer = await TestIssuer.start();
  const config = join(dir, 'stepgate.yaml');
  writeFileSync(config, site ? site(exampleYaml(issuer.url)) : exampleYaml(issuer.url));
  const stderr: string[] = [];
  const stdout: string[] = [];
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'serve', '--config', config], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, STEPGATE_AUTHZ_HTTP_LISTEN: '127.0.0.1:0', STEPGATE_HTTP_LISTEN: 'off', STEPGATE_METRICS_LISTEN: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const wantStepup = env.STEPGATE_HTTP_LISTEN !== undefined && env.STEPGATE_HTTP_LISTEN !== 'off';
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    const found: Record<string, number> = {};
    const timer = setTimeout(() => reject(new Error(`no listening lines; stderr: ${stderr.join('\n')}`)), 50_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      try {
        const rec = JSON.parse(line) as { event?: string; transport?: string; port?: number };
        if (rec.event === 'listening' && rec.transport && rec.port) found[rec.transport] = rec.port;
      } catch {
        return;
      }
      if (found.grpc && found['http-authz'] && (!wantStepup || found['http-stepup'])) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void once(child, 'exit').then(([code]) => reject(new Error(`stepgate exited (${String(code)}); stderr: ${stderr.join('\n')}`)));
  });
  const client = new CheckClient(ports.grpc!);
  return {
    issuer,
    client,
    authz: `http://127.0.0.1:${ports['http-authz']}`,
    stepup: ports['http-stepup'] === undefined ? undefined : `http://127.0.0.1:${ports['http-stepup']}`,
    child,
    stderr,
    stdout,
    configFile: config,
    async close() {
      client.close();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await issuer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The built server for the test file that calls this (at its top level): started before its
 * tests, closed after them; `server()` is it once started.
 */
export function builtServerForFile(prefix: string, site?: (yaml: string) => string, env?: Record<string, string>): () => BuiltServer {
  let server: BuiltServer | undefined;
  beforeAll(async () => {
    server = await startBuiltServer(prefix, site, env);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });
  return () => server!;
}

const ISSUER_LINE = /issuer: (http:\/\/127\.0\.0\.1:\d+)\n/;

/**
 * builtServerForFile with stepgate's own step-up session turned on (an OIDC client at the test
 * issuer, a fresh session key): for rows about the session cookie beside other credentials.
 * `keys` is the key list, so a test can seal sessions of its own with the same key.
 */
export function builtServerWithSessions(prefix: string): { server: () => BuiltServer; keys: string } {
  const keys = `k1:${randomBytes(32).toString('base64url')}`;
  const server = builtServerForFile(
    prefix,
    (yaml) => {
      const issuer = ISSUER_LINE.exec(yaml)![1]!;
      return yaml.replace(
        'stepup:\n',
        `stepup:\n  oidc: { issuer: ${issuer}, client_id: stepgate, client_secret_env: SG_CLIENT_SECRET, redirect_uri: http://auth.localhost:8080/.stepgate/callback, allow_insecure_http: true }\n  session: { keys_env: SG_SESSION_KEYS }\n`,
      );
    },
    { SG_CLIENT_SECRET: `${prefix}-client-secret`, SG_SESSION_KEYS: keys },
  );
  return { server, keys };
}

export type Level = 'aal1' | 'aal2' | 'aal3';
export const AMR: Record<Level, string[]> = { aal1: ['pwd'], aal2: ['pwd', 'otp', 'mfa'], aal3: ['hwk', 'mfa'] };

/**
 * Tokens of fresh subjects: each entry is sent by a subject never seen before, so that its answer
 * is the policy's and not the denial-rate signal's after the entries before it.
 */
export function freshSubjects(issuer: () => TestIssuer, prefix: string) {
  let n = 0;
  const now = () => Math.floor(Date.now() / 1000);
  return {
    now,
    /** The next subject's name. */
    subject: () => `${prefix}-${++n}@example.com`,
    /** A token of a fresh subject at `level`, signed in `age` seconds ago, with claims overridden. */
    tokenOf: async (level: Level, age: number, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> => {
      const sub = `${prefix}-${++n}@example.com`;
      return issuer().token({ sub, email: sub, acr: `urn:stepgate:${level}`, amr: AMR[level], auth_time: now() - age, ...claims }, { header });
    },
  };
}

/** Every answer names a specific reason; none is a crash or an internal error. */
export function reason(res: CheckResponse): string {
  const r = reasonOf(res);
  expect(r, 'a reason code in dynamic_metadata').toBeTypeOf('string');
  expect(r).not.toBe('internal_error');
  return r!;
}

/** The rules (and `guardrail:<code>`s) the decision names. */
export const rules = (res: CheckResponse) => res.dynamic_metadata?.fields.rules?.stringValue ?? '';

/** Addresses the black-box files send from, as the example policy sees them. */
export const KUBE = 'kube.localhost';
/** The Berlin office (risk.locations), inside trusted_networks. */
export const OFFICE = '10.20.4.17';
export const ELSEWHERE = '198.51.100.23';
/** In the example's trusted_networks (10.0.0.0/8), outside the Berlin office's 10.20.0.0/16. */
export const INSIDE = '10.31.7.9';

/** The clients the surface rounds send as: kubectl on the API host, Chrome on a dashboard's. */
const ROUND_KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
const ROUND_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * A black-box round's two senders, from the office. `signedIn`: a fresh subject's token at
 * `level`, signed in `age` seconds ago, whose own kubectl first read the dev pods from the office
 * (so the office is known to it): the everyday sign-in is one factor ten minutes old, which the
 * default allows and the `secrets` and `pod-shell` rules do not. `send`: a request from the office,
 * with kubectl's user agent on the API host and Chrome's elsewhere unless the spec sets one.
 */
export function officeRound(server: () => BuiltServer, subjects: ReturnType<typeof freshSubjects>) {
  return {
    signedIn: async (level: Level = 'aal1', age = 600): Promise<string> => {
      const token = await subjects.tokenOf(level, age);
      const own = await server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods', token, headers: { 'user-agent': ROUND_KUBECTL } }));
      expect(reason(own), "the subject's own read").toBe('allowed');
      return token;
    },
    send: (token: string | undefined, spec: RequestSpec): Promise<CheckResponse> =>
      server().client.check(checkRequest({ source: OFFICE, token, ...spec, headers: { 'user-agent': spec.host === KUBE ? ROUND_KUBECTL : ROUND_CHROME, ...spec.headers } })),
  };
}

/**
 * The victim's token in the states an attacker holds it: a stolen one-factor token from elsewhere
 * or from inside the company network, fresh two factors from elsewhere, malware on the laptop.
 * `victim`: the victim's own kubectl used the sign-in from the office first (a routine read).
 */
export type TokenState = 'stolen' | 'inside' | 'remote' | 'laptop';
export const TOKEN_STATES: Readonly<Record<TokenState, { level: Level; age: number; source: string; victim?: boolean }>> = {
  stolen: { level: 'aal1', age: 36_000, source: ELSEWHERE },
  inside: { level: 'aal1', age: 36_000, source: INSIDE },
  remote: { level: 'aal2', age: 60, source: ELSEWHERE, victim: true },
  laptop: { level: 'aal2', age: 60, source: OFFICE, victim: true },
};

/**
 * The victim's token as the escalation corpora (attack-escalation-graph, attack-mesh-bypass) hold it:
 * TOKEN_STATES' stolen, remote and laptop, and `everyday`, one factor ten minutes old from the office
 * after the victim's own read (what a rule must ask more than, where the guardrails say so).
 */
export type EscalationState = 'stolen' | 'remote' | 'everyday' | 'laptop';
export const ESCALATION_STATES: Readonly<Record<EscalationState, { level: Level; age: number; source: string; victim?: boolean }>> = {
  stolen: TOKEN_STATES.stolen,
  remote: TOKEN_STATES.remote,
  everyday: { level: 'aal1', age: 600, source: OFFICE, victim: true },
  laptop: TOKEN_STATES.laptop,
};
/** The answers that refuse a request (a step-up or a deny). */
export const REFUSED = ['acr_insufficient', 'auth_too_old', 'risk_deny', 'policy_deny'];

/** A request as kubectl sends it; the body as the object it serialises. */
export type KubectlRequest = Pick<RequestSpec, 'method' | 'path' | 'headers'> & { body?: unknown };

/** Sends a request with kubectl's user agent and a fresh subject's token in `state` (after the victim's own read, where the state says). */
export function kubectlSender(server: () => BuiltServer, subjects: ReturnType<typeof freshSubjects>) {
  const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
  return async (req: KubectlRequest, state: EscalationState): Promise<CheckResponse> => {
    const s = ESCALATION_STATES[state];
    const token = await subjects.tokenOf(s.level, s.age);
    if (s.victim) {
      const own = await server().client.check(checkRequest({ host: KUBE, source: OFFICE, path: '/api/v1/namespaces/dev/pods?limit=500', token, headers: { 'user-agent': KUBECTL } }));
      expect(reason(own), "the victim's own request").toBe('allowed');
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers = { 'user-agent': KUBECTL, ...(body !== undefined ? { 'x-envoy-auth-partial-body': 'false' } : {}), ...req.headers };
    return server().client.check(checkRequest({ host: KUBE, source: s.source, method: req.method, path: req.path, token, headers, body }));
  };
}

/** A row of the escalation corpora: a request, the rule that answers it, and the states it refuses. */
export interface EscalationRow {
  what: string;
  req: KubectlRequest;
  /** The rule or `guardrail:<code>` the answer names. */
  by: string;
  /** The states refused (every state's answer names `by`); the others are allowed. */
  refused: EscalationState[];
}

/** One test per row: every state's answer is a refusal naming `by` where listed, `allowed` elsewhere. */
export function checkEscalationRows(send: ReturnType<typeof kubectlSender>, rows: readonly EscalationRow[]): void {
  const states = Object.keys(ESCALATION_STATES) as EscalationState[];
  it.each(rows.map((r) => [r.what, r] as const))('%s', async (_what, r) => {
    for (const state of states) {
      const res = await send(r.req, state);
      const where = `${r.what} (${state}) [${rules(res)}]`;
      if (r.refused.includes(state)) {
        expect.soft(REFUSED, where).toContain(reason(res));
        expect.soft(rules(res).split(','), where).toContain(r.by);
      } else expect.soft(reason(res), where).toBe('allowed');
    }
  });
}
