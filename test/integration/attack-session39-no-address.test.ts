import { describe, expect, it } from 'vitest';
import { AMR, builtServerForFile, ELSEWHERE, KUBE, reason, REFUSED, type BuiltServer } from '../support/built-server.js';
import { checkRequest } from '../support/requests.js';

/**
 * A request whose client address cannot be read (issue 12, redteam39a), black-box against the built
 * server: Envoy behind a Unix socket listener reports a pipe as the source, a CheckRequest may carry
 * no source at all or one that is not an IP, and a proxy at the trusted x-forwarded-for position may
 * write `unknown` (nginx's `$proxy_add_x_forwarded_for` without a real address, RFC 7239's
 * obfuscated forms). Each was "no network" to the risk engine, so a stolen fresh two-factor token of
 * a subject with a learned history read a Secret on them where the same token from a new public
 * address is asked a sign-in on that network (new_network). No address is a context of its own:
 * unfamiliar until a sign-in made after its first sighting proves it, then learned like a network.
 */

const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
/** The subject's usual network: public, outside trusted_networks and every named location. */
const HOME = '203.0.113.40';
const SECRET = '/api/v1/namespaces/dev/secrets/db';
const nowS = () => Math.floor(Date.now() / 1000);

type Attributes = Omit<ReturnType<typeof checkRequest>['attributes'], 'source'> & { source?: unknown };
type Where = (a: Attributes) => void;

const from =
  (address: string, xff?: string): Where =>
  (a) => {
    a.source = { address: { socket_address: { address, port_value: 51000 } } };
    if (xff !== undefined) (a.request.http.headers as Record<string, string>)['x-forwarded-for'] = xff;
  };

function subjects(server: () => BuiltServer, prefix: string) {
  let n = 0;
  const token = (sub: string, age: number, sid: string) =>
    server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: AMR.aal2, auth_time: nowS() - age, sid });
  const send = (token: string, path: string, where: Where) => {
    const req = checkRequest({ host: KUBE, path, token, headers: { 'user-agent': KUBECTL } });
    where(req.attributes as Attributes);
    return server().client.check(req);
  };
  return {
    /**
     * A subject whose own sign-in proved its home network (a day of kubectl reads there), and a
     * second fresh two-factor login of it, as an attacker holding a stolen session would present it.
     */
    async victim(home: Where): Promise<{ stolen: string }> {
      const sub = `${prefix}-${++n}@example.com`;
      const own = await token(sub, 30, `own-${n}`);
      for (const path of ['/api/v1/namespaces/dev/pods?limit=500', SECRET]) expect(reason(await send(own, path, home)), `the victim's own ${path}`).toBe('allowed');
      return { stolen: await token(sub, 60, `stolen-${n}`) };
    },
    send,
  };
}

/** Each way of having no readable address, beside the same token from a new public address. */
function rows(server: () => BuiltServer, home: Where, elsewhere: Where, none: [string, Where][]) {
  const s = subjects(server, `noaddr-${none.length}`);
  it('the same stolen token from a new public address is asked a sign-in there (the baseline)', async () => {
    const { stolen } = await s.victim(home);
    const res = await s.send(stolen, SECRET, elsewhere);
    expect(REFUSED).toContain(reason(res));
    expect(res.denied_response?.body ?? '').toContain('new network');
  });
  it.each(none)('%s: asked the same, never allowed as a known network', async (_what, where) => {
    const { stolen } = await s.victim(home);
    const res = await s.send(stolen, SECRET, where);
    expect(REFUSED).toContain(reason(res));
    // Said plainly in kubectl's Status line, never as an empty network.
    const message = (JSON.parse(res.denied_response!.body!) as { message: string }).message;
    expect(message).toContain('Requests without a client address since');
    expect(message).not.toMatch(/network( |,|$)/);
  });
  it('a site whose every request has no address learns it from the first sign-in, like a home network', async () => {
    const [, where] = none[0]!;
    // The newcomer's sign-in moments before their first request is the proof for its context
    // (docs/risk.md): here, no address. Another login of theirs then reads quietly.
    const { stolen: second } = await s.victim(where);
    expect(reason(await s.send(second, SECRET, where))).toBe('allowed');
  });
}

describe('the example policy: a source that is not an address', () => {
  const server = builtServerForFile('session39-noaddr');
  rows(server, from(HOME), from(ELSEWHERE), [
    ['a pipe source (Envoy on a Unix socket listener)', (a) => void (a.source = { address: { pipe: { path: '/run/envoy/ingress.sock' } } })],
    ['no source at all', (a) => void delete a.source],
    ['a source that is not an IP', from('envoy-ingress.internal')],
    ['an empty source address', from('')],
  ]);
});

describe('a site with xff_num_trusted_hops: 1', () => {
  const PROXY = '192.0.2.10';
  const server = builtServerForFile('session39-noaddr-xff', (y) => y.replace('xff_num_trusted_hops: 0', 'xff_num_trusted_hops: 1'));
  rows(server, from(PROXY, HOME), from(PROXY, ELSEWHERE), [
    ['the trusted hop wrote "unknown"', from(PROXY, 'unknown')],
    ['the trusted hop wrote an obfuscated node (RFC 7239 _hidden)', from(PROXY, '_hidden')],
    ['the trusted hop wrote an empty entry', from(PROXY, ' ')],
  ]);
});
