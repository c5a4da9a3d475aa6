import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { revoke } from '../../src/admin/actions.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient } from './grpc-client.js';
import { inProcessCheck } from './in-process-check.js';
import { TestIssuer } from './issuer.js';
import { checkRequest, type RequestSpec } from './requests.js';
import type { AdminStep, Login, TokenMinter } from './workday.js';

const K8S = 'https://kubernetes.default.svc.cluster.local';

/**
 * examples/stepgate.yaml as shipped, with the test issuer (on its free port) in place of the demo
 * IdP's address (with a generous JWKS fetch timeout), the cluster's service-account issuer's keys
 * served by the same test issuer (so a replayed day can send automation's tokens), the gRPC listener on a free loopback port instead of :9191, and no metrics
 * listener (the default :9464 is a fixed port: two replays at once, or a stepgate already running
 * on this machine, would collide on it).
 */
export function exampleYaml(issuerUrl: string): string {
  // STEPGATE_EXAMPLE_YAML: another copy of the example (an earlier commit's, for a before/after
  // comparison in bench/day-matrix.ts) without changing the working tree under a running suite.
  return readFileSync(process.env.STEPGATE_EXAMPLE_YAML ?? new URL('../../examples/stepgate.yaml', import.meta.url), 'utf8')
    // A generous fetch timeout: the first JWKS fetch can meet this process (which also serves the
    // issuer) busy, and a timed-out fetch refuses every token for 30 s (jwks_unavailable).
    .replace('issuer: http://127.0.0.1:9000', `issuer: ${issuerUrl}\n    fetch_timeout_ms: 20000`)
    // The cluster's service-account issuer (automation), its keys held by the same test issuer.
    .replace(`jwks_uri: ${K8S}/openid/v1/jwks`, `jwks_uri: ${issuerUrl}/jwks\n    fetch_timeout_ms: 20000`)
    .replace('grpc_listen: 0.0.0.0:9191', 'grpc_listen: 127.0.0.1:0')
    .concat('\ntelemetry:\n  metrics_listen: "off"\n');
}

/**
 * examples/stepgate.yaml as shipped, served by the real gRPC server on a virtual clock, with the
 * test issuer in place of the demo IdP. `withoutRisk` drops the risk section: the policy alone;
 * `edit` changes the YAML text (a key the deployment adds, such as kubernetes.clusters);
 * `transport: 'in-process'` sends through the server's Check handler without HTTP/2
 * (in-process-check.ts; the replayed days, where the framing was most of the cost).
 */
export async function exampleService(
  opts: { withoutRisk?: boolean; edit?: (yaml: string) => string; transport?: 'grpc' | 'in-process'; env?: Readonly<Record<string, string>>; issuer?: TestIssuer } = {},
) {
  // A given issuer is the caller's to close (sharedIssuerForFile): its keys are what a new one's
  // would be to this server, which has never fetched them. Each server is still new.
  const issuer = opts.issuer ?? (await TestIssuer.start());
  let yaml = exampleYaml(issuer.url);
  if (opts.withoutRisk) yaml = yaml.replace('\nrisk:\n', '\nrisk:\n  enabled: false\n');
  if (opts.edit !== undefined) yaml = opts.edit(yaml);
  let clock = Date.UTC(2026, 11, 1);
  const service: Service = await startService(parsedExample(yaml), { ...opts.env }, createLogger('silent'), { now: () => clock });
  const client = new CheckClient(service.grpc.port);
  const tokens = new Map<string, string>();
  const minter: TokenMinter = {
    // kubectl's credential plugin refreshes the ID token hourly; auth_time and sid stay those of the sign-in.
    async token(l: Login, nowMs: number) {
      const hour = Math.floor(nowMs / 3_600_000);
      const key = `${l.sub}|${l.sid}|${l.authTime}|${l.acr}|${l.claims ? JSON.stringify(l.claims) : ''}|${l.identity ? JSON.stringify(l.identity) : ''}|${hour}`;
      let t = tokens.get(key);
      if (!t) {
        // Issued at the hour's refresh, or at the sign-in itself when that came later in the hour: an
        // IdP never dates a token before the sign-in it reports, and stepgate reads an auth_time more
        // than 300 s after iat as iat + 300 s (core/auth-time.ts).
        const iat = Math.max(hour * 3600, typeof l.authTime === 'number' ? l.authTime : 0);
        if (l.serviceAccount) {
          // A projected service-account token as the kubelet refreshes it (an hour's validity).
          const [, , ns, name] = l.sub.split(':');
          t = await issuer.token({ iss: K8S, aud: [K8S], sub: l.sub, iat, nbf: iat, exp: iat + 3607, 'kubernetes.io': { namespace: ns, serviceaccount: { name } }, auth_time: undefined, acr: undefined, amr: undefined, email: undefined });
          tokens.set(key, t);
          return t;
        }
        const amr = l.acr === 'urn:stepgate:aal3' ? ['hwk', 'mfa'] : l.acr === 'urn:stepgate:aal2' ? ['pwd', 'otp', 'mfa'] : ['pwd'];
        t = await issuer.token({ sub: l.sub, email: l.sub, sid: l.sid, acr: l.acr, amr, auth_time: l.authTime, iat, exp: iat + 7200, ...l.claims, ...l.identity });
        tokens.set(key, t);
      }
      return t;
    },
  };
  const check = opts.transport === 'in-process' ? inProcessCheck(service) : (req: unknown) => client.check(req);
  const send = (spec: RequestSpec) => check(checkRequest({ host: 'kube.localhost', ...spec }));
  return {
    minter,
    setClock: (ms: number) => {
      clock = ms;
    },
    send,
    /** One request of `login`'s holder at virtual time `at`, with the token it holds then. */
    async sendAt(login: Login, at: number, spec: Omit<RequestSpec, 'token'>) {
      clock = at;
      return send({ ...spec, token: await minter.token(login, at) });
    },
    /** A revocation as `stepgate revoke` makes it (needs a site with `incident`), at the service's clock. */
    runAdmin: async (step: AdminStep): Promise<void> => {
      await revoke(service.runtime, step.revoke, step.reason, { via: 'admin', issuer: issuer.url, subject: 'd-oncall' });
    },
    async close() {
      client.close();
      await service.stop();
      if (opts.issuer === undefined) await issuer.close();
    },
  };
}

export type ExampleService = Awaited<ReturnType<typeof exampleService>>;

/**
 * The example's YAML parsed once per text. A replayed day starts a new server per seed, warm and
 * cold (some 280 in the suite), and parsing the same text again took ~110 ms of CPU each
 * (measured 2026-12-07). parseConfig returns a deep-frozen Config, so servers can share one: none
 * can change what another reads. Only texts that one issuer's URL makes equal meet here (the
 * replays of one file, sharedIssuerForFile), so a few entries are enough.
 */
const parsed = new Map<string, Config>();
function parsedExample(yaml: string): Config {
  let config = parsed.get(yaml);
  if (config === undefined) {
    config = parseConfig(yaml, 'examples/stepgate.yaml');
    if (parsed.size >= 8) parsed.delete(parsed.keys().next().value!);
    parsed.set(yaml, config);
  }
  return config;
}

/**
 * One test issuer for the servers a file starts one after another (the replayed days: a server per
 * seed, warm and cold), started before the file's tests and closed after them. Starting one
 * generates an RSA, an EC and an Ed25519 key, 100–250 ms of CPU each time (measured 2026-12-07);
 * and with one issuer the example's text is the same for each server, so it is parsed once
 * (parsedExample). The servers never change the issuer (no key rotation, no outage: a day's IdP
 * outage is the replay's, workday.ts idpDown), so each sees what a new issuer would give it.
 */
export function sharedIssuerForFile(): () => TestIssuer {
  let issuer: TestIssuer | undefined;
  beforeAll(async () => {
    issuer = await TestIssuer.start();
  });
  afterAll(async () => {
    await issuer?.close();
  });
  return () => {
    if (issuer === undefined) throw new Error('the shared issuer is started in beforeAll');
    return issuer;
  };
}

/**
 * The example server for the tests of one file: started before them, closed after them. What it
 * returns stands for the server (its methods reach the one started), so a test file reads as if it
 * held the server itself.
 */
export function exampleServiceForFile(opts: Parameters<typeof exampleService>[0] = {}): Omit<ExampleService, 'close'> {
  let s: ExampleService | undefined;
  beforeAll(async () => {
    s = await exampleService(opts);
  });
  afterAll(async () => {
    await s?.close();
  });
  const started = () => {
    if (s === undefined) throw new Error('the example server is started in beforeAll');
    return s;
  };
  return {
    get minter() {
      return started().minter;
    },
    setClock: (ms) => started().setClock(ms),
    send: (spec) => started().send(spec),
    sendAt: (login, at, spec) => started().sendAt(login, at, spec),
    runAdmin: (step) => started().runAdmin(step),
  };
}
