import { describe, expect, it } from 'vitest';
import { everydayWriter, externalName, serviceEntry, virtualService, type Write } from '../support/attack-writes.js';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, REFUSED, rules } from '../support/built-server.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';

/**
 * Attacks on what session 39 added (issue 12, redteam40a), black-box against the built server with
 * the example policy as it ships. Each row is an attack; the rows that held are kept so the corpus
 * grows (attack-session38-surfaces.test.ts has session 39's own rows).
 */

const server = builtServerForFile('session39');
const subjects = freshSubjects(() => server().issuer, 'session39');
const { tokenOf } = subjects;
const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';
const { jsonPatch: JSON_PATCH, strategic: SMP } = CONTENT_TYPES;

/** Sent with a two-factor sign-in an hour old from the office: what the everyday write carries. */
const send = everydayWriter(server, subjects);

/**
 * A JSON patch's `copy` or `move` into metadata sets a value the request does not show: the attacker
 * sets a label or annotation to what it wants in one write (an unjudged one), then copies it where a
 * guardrail reads it, or copies a whole map over the labels or annotations. redteam39c made the
 * secret-store and injector annotations read such a value as the worst it can be; the other
 * guardrails that read metadata compared it with the one dangerous value and let it pass. Each row
 * beside the same change written out: the copied form must be judged as the written one is.
 */
const CR = '/apis/rbac.authorization.k8s.io/v1/clusterroles/reporting-reader';
const NSP = '/api/v1/namespaces/payments-dev';
const POD = '/api/v1/namespaces/payments-dev/pods/api-0';
const JOB = '/apis/batch/v1/namespaces/payments-dev/jobs/nightly';
const AGGREGATE = 'rbac.authorization.k8s.io~1aggregate-to-admin';
const staged = (op: 'copy' | 'move', path: string, from = '/metadata/annotations/staged') => [{ op, from, path }];

describe('a JSON patch copying or moving a value into metadata', () => {
  const PAIRS: [code: string, written: Write, copied: Write[]][] = [
    [
      'guardrail:rbac_aggregation',
      ['an aggregation label written out', 'PATCH', CR, JSON_PATCH, [{ op: 'add', path: `/metadata/labels/${AGGREGATE}`, value: 'true' }]],
      [
        ['the aggregation label copied from an annotation', 'PATCH', CR, JSON_PATCH, staged('copy', `/metadata/labels/${AGGREGATE}`)],
        ['the aggregation label moved from another label', 'PATCH', CR, JSON_PATCH, staged('move', `/metadata/labels/${AGGREGATE}`, '/metadata/labels/staged')],
        ['the whole labels copied from the annotations', 'PATCH', CR, JSON_PATCH, staged('copy', '/metadata/labels', '/metadata/annotations')],
      ],
    ],
    [
      'guardrail:pod_security_weakened',
      ['the enforce label set to privileged', 'PATCH', NSP, JSON_PATCH, [{ op: 'replace', path: '/metadata/labels/pod-security.kubernetes.io~1enforce', value: 'privileged' }]],
      [
        ["a Namespace's whole labels copied from its annotations", 'PATCH', NSP, JSON_PATCH, staged('copy', '/metadata/labels', '/metadata/annotations')],
        ["a Namespace's whole labels moved from its annotations", 'PATCH', NSP, JSON_PATCH, staged('move', '/metadata/labels', '/metadata/annotations')],
      ],
    ],
    [
      'guardrail:seccomp_unconfined',
      ["a pod's legacy seccomp annotation set to unconfined", 'PATCH', POD, JSON_PATCH, [{ op: 'add', path: '/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod', value: 'unconfined' }]],
      [
        ["a pod's legacy seccomp annotation copied in", 'PATCH', POD, JSON_PATCH, staged('copy', '/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod')],
        ["a pod's whole annotations copied from its labels", 'PATCH', POD, JSON_PATCH, staged('copy', '/metadata/annotations', '/metadata/labels')],
      ],
    ],
    [
      'guardrail:apparmor_unconfined',
      ["a pod's AppArmor annotation set to unconfined", 'PATCH', POD, JSON_PATCH, [{ op: 'add', path: '/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1api', value: 'unconfined' }]],
      [["a pod's whole annotations moved from its labels", 'PATCH', POD, JSON_PATCH, staged('move', '/metadata/annotations', '/metadata/labels')]],
    ],
    [
      'guardrail:priority_class_reserved',
      ["a Job's Kueue priority class set to the node-critical one", 'PATCH', JOB, JSON_PATCH, [{ op: 'add', path: '/metadata/labels/kueue.x-k8s.io~1priority-class', value: 'system-node-critical' }]],
      [
        ["a Job's Kueue priority class copied in", 'PATCH', JOB, JSON_PATCH, staged('copy', '/metadata/labels/kueue.x-k8s.io~1priority-class')],
        ["a Job's whole labels copied from its annotations", 'PATCH', JOB, JSON_PATCH, staged('copy', '/metadata/labels', '/metadata/annotations')],
      ],
    ],
  ];

  for (const [code, written, copies] of PAIRS) {
    describe(code, () => {
      let asked = '';
      it(`${written[0]}: asked (the baseline)`, async () => {
        const res = await send(written);
        expect(rules(res)).toContain(code);
        asked = reason(res);
        expect(REFUSED).toContain(asked);
      });
      it.each(copies)('%s: asked the same', async (...write) => {
        const res = await send(write);
        expect(rules(res)).toContain(code);
        expect(reason(res), rules(res)).toBe(asked);
      });
    });
  }

  it('a copy over the whole metadata (a pod template\'s, owner references and all) is unreadable', async () => {
    const res = await send(['', 'PATCH', '/apis/apps/v1/namespaces/payments-dev/deployments/api', JSON_PATCH, staged('copy', '/metadata', '/spec/template/metadata')]);
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(REFUSED).toContain(reason(res));
  });

  it('a copy between labels no guardrail reads: the everyday sign-in', async () => {
    const res = await send(['', 'PATCH', POD, JSON_PATCH, staged('copy', '/metadata/labels/team', '/metadata/labels/staged')]);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * secret_store_production_path's template reader (session 39), read the way an attacker who read it
 * would: the template in delimiters the request does not show (a patch setting the template alone,
 * over a stored object whose `agent-template-left-delim-<name>` an earlier write set; a delimiter a
 * JSON patch copies in) read nothing in `{{ }}` and fetched production's path; a template from a
 * file in the agent container (`agent-inject-template-file-<name>`, mounted from a ConfigMap the
 * gateway never judges), the agent's whole configuration from a ConfigMap (`agent-configmap`), and
 * a post-render command naming a production path were not read at all. A test namespace's write with
 * a two-factor sign-in an hour old: allowed by the shipped policy, a production path asks a sign-in
 * within 15 minutes (elevated).
 */
const NS = 'benefits-test';
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/benefits-api`;
const VAULT = 'vault.hashicorp.com/';
const annotated = (a: Record<string, string>) => ({ spec: { template: { metadata: { annotations: { [`${VAULT}agent-inject`]: 'true', [`${VAULT}role`]: 'benefits-api', ...a } } } } });
const template = (t: string) => ({ [`${VAULT}agent-inject-template-db`]: t });
const CODE = 'guardrail:secret_store_production_path';

describe('secret_store_production_path: what the template reader could not see', () => {
  it.each<Write>([
    ['a template in delimiters the patch does not show', 'PATCH', DEPLOY, SMP, annotated(template('[[ with secret "secret/data/tax-prod/db" ]][[ .Data.data.password ]][[ end ]]'))],
    ['the same with the dash a Go escape', 'PATCH', DEPLOY, SMP, annotated(template('[[ with secret "secret/data/tax\\x2dprod/db" ]][[ .Data.data.password ]][[ end ]]'))],
    ['a computed path in unseen delimiters, behind a decoy {{ }} action', 'PATCH', DEPLOY, SMP, annotated(template('{{ "db" }}<% with secret (printf "%s%s" "secret/data/tax-pr" "od/db") %><% .Data.data.password %><% end %>'))],
    [
      "a pod's left delimiter copied in by a JSON patch",
      'PATCH',
      `/api/v1/namespaces/${NS}/pods/benefits-api-0`,
      JSON_PATCH,
      [{ op: 'copy', from: '/metadata/annotations/staged', path: `/metadata/annotations/vault.hashicorp.com~1agent-template-left-delim-db` }, { op: 'add', path: '/metadata/annotations/vault.hashicorp.com~1agent-inject-template-db', value: '[[ with secret "secret/data/tax-prod/db" ]]x[[ end ]]' }],
    ],
    ['a template from a file in the agent container', 'PATCH', DEPLOY, SMP, annotated({ [`${VAULT}agent-inject-template-file-db`]: '/vault/custom/db.tmpl', [`${VAULT}agent-extra-secret`]: 'db-template' })],
    ["the agent's configuration from a ConfigMap", 'PATCH', DEPLOY, SMP, annotated({ [`${VAULT}agent-configmap`]: 'benefits-agent' })],
    ['a post-render command reading a production path', 'PATCH', DEPLOY, SMP, annotated({ [`${VAULT}agent-inject-command-db`]: 'sh -c "vault kv get -field=password secret/tax-prod/db > /vault/secrets/extra"' })],
  ])('%s: asked a recent sign-in', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain(CODE);
    expect(reason(res), rules(res)).toBe('auth_too_old');
  });

  it.each<Write>([
    ["a patch of the namespace's own template, delimiters unseen", 'PATCH', DEPLOY, SMP, annotated(template('{{- with secret "secret/data/benefits-test/db" -}}postgres://{{ .Data.data.username }}:{{ .Data.data.password }}@db:5432/app{{- end }}'))],
    ['the same rendering a client-secret line and a secret.yaml name', 'PATCH', DEPLOY, SMP, annotated(template('{{ with secret "secret/data/benefits-test/oauth" }}client-secret: {{ .Data.data.secret }} # from secret.yaml{{ end }}'))],
    ['its own template in delimiters the patch shows', 'PATCH', DEPLOY, SMP, annotated({ ...template('[[ with secret "secret/data/benefits-test/db" ]]x[[ end ]]'), [`${VAULT}agent-template-left-delim-db`]: '[[', [`${VAULT}agent-template-right-delim-db`]: ']]' })],
    ['a post-render command that reloads the app', 'PATCH', DEPLOY, SMP, annotated({ [`${VAULT}agent-inject-command-db`]: 'kill -HUP $(pidof app)' })],
  ])('%s: the everyday sign-in', async (...write) => {
    const res = await send(write);
    expect(rules(res)).not.toContain(CODE);
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/**
 * gated_host_route by address (session 39 read an Endpoints' decimal spellings): a route to a name
 * that resolves to the API server's address by its spelling alone. CoreDNS answers any
 * `a-b-c-d.<namespace>.pod.<domain>` with a.b.c.d (`pods insecure`, kubeadm's default Corefile), and
 * public wildcard DNS (nip.io, sslip.io) answers `10.96.0.1.nip.io`, `api-10-96-0-1.sslip.io` and
 * the hex `0a600001.nip.io` alike: an ExternalName, a VirtualService destination or a ServiceEntry
 * endpoint naming one reached 10.96.0.1 with the caller's token, and was allowed to the everyday
 * sign-in.
 */
describe('gated_host_route: a name spelling the API server\'s address', () => {
  it.each<Write>([
    externalName('10-96-0-1.default.pod.cluster.local'),
    externalName('0a600001.nip.io'),
    virtualService('10.96.0.1.nip.io'),
    virtualService('api-10-96-0-1.sslip.io'),
    serviceEntry('10-96-0-1.kube-system.pod.cluster.local'),
  ])('%s: refused as the address is', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:gated_host_route');
    expect(REFUSED).toContain(reason(res));
  });

  it.each<Write>([externalName('db.eu-1.rds.example.com'), externalName('10-31-7-9.dev.pod.cluster.local'), virtualService('api-10-96-0-2.sslip.io')])('%s: another address, the everyday sign-in', async (...write) => {
    const res = await send(write);
    expect(rules(res)).not.toContain('guardrail:gated_host_route');
    expect(reason(res), rules(res)).toBe('allowed');
  });
});

/** Rows that held: kept so the corpus grows. */
describe('held: JSON patch copy and move outside metadata, test ops', () => {
  const DEPLOY_DEV = '/apis/apps/v1/namespaces/payments-dev/deployments/api';
  it.each<Write>([
    ['automountServiceAccountToken copied over hostNetwork', 'PATCH', DEPLOY_DEV, JSON_PATCH, [{ op: 'copy', from: '/spec/template/spec/automountServiceAccountToken', path: '/spec/template/spec/hostNetwork' }]],
    ["a privileged container's securityContext copied into another", 'PATCH', DEPLOY_DEV, JSON_PATCH, [{ op: 'copy', from: '/spec/template/spec/containers/0/securityContext', path: '/spec/template/spec/containers/1/securityContext' }]],
    ["an existing volume moved into a container's volumeMounts", 'PATCH', DEPLOY_DEV, JSON_PATCH, [{ op: 'move', from: '/spec/template/spec/volumes/0', path: '/spec/template/spec/containers/0/volumeMounts/-' }]],
    ['a test op guarding a copy', 'PATCH', DEPLOY_DEV, JSON_PATCH, [{ op: 'test', path: '/spec/template/spec/hostPID', value: false }, { op: 'copy', from: '/spec/paused', path: '/spec/template/spec/hostPID' }]],
  ])('%s: unreadable, asked', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:body_unreadable');
    expect(REFUSED).toContain(reason(res));
  });
});

describe('held: Go template syntax around a production path, delimiters known', () => {
  const deployment = (t: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'benefits-api' }, ...annotated(template(t)) });
  it.each<[string, string]>([
    ['a comment before the read', '{{/* db */}}{{ with secret "secret/data/tax-prod/db" }}{{ .Data.data.password }}{{ end }}'],
    ['trim markers', '{{- with secret "secret/data/tax-prod/db" -}}{{- .Data.data.password -}}{{- end -}}'],
    ['the read inside a define, rendered by template', '{{ define "db" }}{{ with secret "secret/data/tax-prod/db" }}{{ .Data.data.password }}{{ end }}{{ end }}{{ template "db" }}'],
    ['inside a block', '{{ block "db" . }}{{ with secret "secret/data/tax-prod/db" }}{{ .Data.data.password }}{{ end }}{{ end }}'],
    ['a range over secrets with an else', '{{ range secrets "secret/metadata/tax-prod/" }}{{ . }}{{ else }}none{{ end }}'],
    ['the path from index of a literal list', '{{ with secret (index (slice "secret/data/tax-pr" 0) 0) }}x{{ end }}'],
    ['a printf with verbs', '{{ with secret (printf "%s/%s-%s/db" "secret/data" "tax" "pro\\x64") }}x{{ end }}'],
    ['pkiCert from a production mount', '{{ with pkiCert "pki-prod/issue/benefits" "common_name=benefits.svc" }}{{ .Cert }}{{ end }}'],
  ])('%s: asked a recent sign-in', async (_what, t) => {
    const res = await send(['', 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, 'application/json', deployment(t)]);
    expect(rules(res)).toContain(CODE);
    expect(reason(res), rules(res)).toBe('auth_too_old');
  });
});

/**
 * The token front (identity/token-front.ts, tokenkey39) finds a cached credential's key by a few
 * characters at its end and its length, then compares it whole. Held: a forgery with the cached
 * token's signature and length (so the same tail) is verified, and refused; the cached token itself
 * stays allowed beside it.
 */
describe('held: the token front', () => {
  const PODS = '/api/v1/namespaces/dev/pods?limit=500';
  const read = (token: string) => server().client.check(checkRequest({ host: KUBE, source: OFFICE, method: 'GET', path: PODS, token, headers: { 'user-agent': KUBECTL } }));
  /** The same length of payload with another subject: the signature, and so the tail, kept. */
  const forged = (token: string, sub: string) => {
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { sub: string; email: string };
    const swapped = { ...claims, sub: sub.padEnd(claims.sub.length, 'x').slice(0, claims.sub.length), email: claims.email };
    return `${h}.${Buffer.from(JSON.stringify(swapped)).toString('base64url')}.${sig}`;
  };

  it('a token with a cached token\'s tail and length but another payload is refused; the cached one stays allowed', async () => {
    const token = await tokenOf('aal2', 3600);
    for (let i = 0; i < 3; i++) expect(reason(await read(token)), `use ${i}`).toBe('allowed');
    const forgery = forged(token, 'admin@example.com');
    expect(forgery.length).toBe(token.length);
    expect(forgery.slice(-7)).toBe(token.slice(-7));
    for (let i = 0; i < 2; i++) expect(reason(await read(forgery)), `forgery ${i}`).toBe('token_invalid');
    expect(reason(await read(token))).toBe('allowed');
  });

  it('a token over 8,192 characters (never kept in the front) is answered as a short one, every time', async () => {
    const token = await tokenOf('aal2', 3600, { pad: 'p'.repeat(9000) });
    expect(token.length).toBeGreaterThan(8192);
    for (let i = 0; i < 3; i++) expect(reason(await read(token)), `use ${i}`).toBe('allowed');
    for (let i = 0; i < 2; i++) expect(reason(await read(forged(token, 'admin@example.com'))), `forgery ${i}`).toBe('token_invalid');
  });
});
