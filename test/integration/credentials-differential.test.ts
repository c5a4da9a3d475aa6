import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { CheckClient, okHeader, reasonOf } from '../support/grpc-client.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { exampleYaml } from '../support/workday-service.js';

/**
 * Which credential kube-apiserver authenticates, against which one stepgate judged, through the real
 * gRPC server with examples/stepgate.yaml (risk off: the policy alone). A two-factor token S and a
 * one-factor token W of another subject are spelled into Authorization and Sec-WebSocket-Protocol in
 * every way the two readers could disagree on (scheme case, blanks, tabs, a second token after a
 * space or a comma, padding, the subprotocol prefix in other forms, split headers, with and without
 * the WebSocket upgrade). A Secret read needs two factors, so an allow is only right when kube, too,
 * runs the request as S (or as nobody). `kube()` is k8s.io/apiserver's order: the bearertoken
 * authenticator (first Authorization header, TrimSpace, SplitN(" ", 3), case-insensitive scheme,
 * empty token skipped), and when it does not authenticate, the websocket protocol authenticator
 * (WebSocket requests only; elements trimmed; exactly one token element; RawURLEncoding; another
 * subprotocol beside it).
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
let S = '';
let W = '';

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const yaml = exampleYaml(issuer.url).replace('\nrisk:\n', '\nrisk:\n  enabled: false\n');
  service = await startService(parseConfig(yaml, 'examples/stepgate.yaml'), {}, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
  const now = Math.floor(Date.now() / 1000);
  S = await issuer.token({ sub: 'strong@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: now - 60 });
  W = await issuer.token({ sub: 'weak@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: now - 60 });
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const PROTO = 'base64url.bearer.authorization.k8s.io.';

/** The subject kube-apiserver would run the request as: 'S', 'W' or 'none'. */
function kube(authorization: string | undefined, protocols: readonly string[], upgrade: boolean): 'S' | 'W' | 'none' {
  const valid = (t: string) => (t === S ? 'S' : t === W ? 'W' : undefined);
  const auth = (authorization ?? '').trim();
  if (auth !== '') {
    const parts = splitN(auth, ' ', 3);
    if (parts.length >= 2 && parts[0]!.toLowerCase() === 'bearer' && parts[1] !== '') {
      const who = valid(parts[1]!);
      if (who) return who;
    }
  }
  if (!upgrade) return 'none';
  let token = '';
  let seen = false;
  let others = 0;
  for (const header of protocols) {
    for (const element of header.split(',')) {
      const p = element.trim();
      if (!p.startsWith(PROTO)) {
        others++;
        continue;
      }
      if (seen) return 'none';
      seen = true;
      const encoded = p.slice(PROTO.length);
      if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) return 'none';
      token = Buffer.from(encoded, 'base64url').toString('utf8');
    }
  }
  if (token === '' || others === 0) return 'none';
  return valid(token) ?? 'none';
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

const spell = (t: string) => t.replaceAll('<S>', S).replaceAll('<W>', W).replaceAll('<s>', Buffer.from(S).toString('base64url')).replaceAll('<w>', Buffer.from(W).toString('base64url'));

const token = fc.constantFrom('<S>', '<S>', '<S>', '<W>', '<S>==', ' <S>', '<S>,<W>', '<S> <W>', '<W> <S>', 'x', '');
const authorization = fc.option(
  fc.tuple(fc.constantFrom('Bearer', 'Bearer', 'bearer', 'BEARER', 'Basic', ''), fc.constantFrom(' ', ' ', '  ', '\t', ''), token, fc.constantFrom('', '', '', ' ', ' x', ',', ', Bearer <W>', ' <W>')),
  { nil: undefined },
);
const element = fc.constantFrom('v5.channel.k8s.io', 'v5.channel.k8s.io', `${PROTO}<s>`, `${PROTO}<w>`, '', ' ', ` ${PROTO}<w>`, `${PROTO}<s>=`, `\u00a0${PROTO}<w>`, PROTO, PROTO.slice(0, -1), `${PROTO.toUpperCase()}<w>`);
const protocols = fc.oneof(fc.constant([] as string[][]), fc.array(fc.array(element, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }));

describe('Authorization and the WebSocket bearer subprotocol, as kube-apiserver reads them', () => {
  it('a two-factor Secret read is allowed only when kube runs it as the two-factor token\'s subject too', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(authorization, protocols, fc.boolean(), async (a, ws, upgrade) => {
        const auth = a === undefined ? undefined : spell(a.join('')).trim();
        const values = ws.map((h) => spell(h.join(',')));
        // A watch, where kube serves the upgrade (a list's is refused: request/kube.ts upgradeNotServed).
        const req = checkRequest({ host: 'kube.localhost', path: '/api/v1/namespaces/dev/secrets?watch=1', raw: true });
        const list = (req.attributes.request.http as unknown as { header_map: { headers: { key: string; raw_value: Buffer }[] } }).header_map.headers;
        if (auth !== undefined) list.push({ key: 'authorization', raw_value: Buffer.from(auth) });
        // Each value its own header: kube reads every Sec-WebSocket-Protocol header, stepgate their join.
        for (const v of values) list.push({ key: 'sec-websocket-protocol', raw_value: Buffer.from(v) });
        if (upgrade) list.push({ key: 'connection', raw_value: Buffer.from('Upgrade') }, { key: 'upgrade', raw_value: Buffer.from('websocket') });
        const res = await client.check(req);
        const reason = reasonOf(res)!;
        seen.set(reason, (seen.get(reason) ?? 0) + 1);
        if (reason === 'allowed') {
          expect(okHeader(res, 'x-stepgate-subject')).toBe('strong@example.com');
          expect(kube(auth, values, upgrade), JSON.stringify({ a, ws, upgrade })).not.toBe('W');
        }
      }),
      { numRuns: 600 },
    );
    // The table exercises both sides: allows to check, and the refusals that keep them right.
    expect(seen.get('allowed') ?? 0).toBeGreaterThan(10);
    expect(seen.get('token_malformed') ?? 0).toBeGreaterThan(10);
  }, 120_000);
});
