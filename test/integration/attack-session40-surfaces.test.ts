import { describe, expect, it } from 'vitest';
import { everydayWriter, externalName, virtualService, type Write } from '../support/attack-writes.js';
import { builtServerForFile, freshSubjects, KUBE, reason, REFUSED, rules } from '../support/built-server.js';
import { deniedBody, deniedHeader } from '../support/grpc-client.js';
import { checkRequest, CONTENT_TYPES } from '../support/requests.js';

/**
 * Attacks on what session 40 added (issue 12, redteam41a), black-box against the built server with
 * the example policy as it ships: assurance_downgrade through the gRPC Check, the host names
 * gated_host_route reads, and the patch operations that write without a value stepgate sees. The
 * rows that held are kept so the corpus grows (attack-session39-surfaces.test.ts has session 40's
 * own).
 */

const server = builtServerForFile('session40');
const subjects = freshSubjects(() => server().issuer, 'session40');
const { jsonPatch: JSON_PATCH, strategic: SMP, merge: MERGE } = CONTENT_TYPES;

/** Sent with a two-factor sign-in an hour old from the office: what the everyday write carries. */
const send = everydayWriter(server, subjects);

/**
 * gated_host_route by a name's spelling (session 39 read four dotted labels, four dashed parts of
 * one label and eight hex digits): the wildcard DNS services do not keep to labels. nip.io splits the
 * name on dots and dashes alike and takes the last four parts; sslip.io takes a dotted address after
 * or before a dash, and answers AAAA for an IPv6 address in dashes (its `--ffff-` form maps to the
 * IPv4 one). Each of these reached 10.96.0.1 with the caller's token and was allowed to the
 * everyday sign-in.
 */
describe("gated_host_route: a name spelling the API server's address across labels", () => {
  it.each<Write>([
    externalName('10-96.0-1.nip.io'),
    externalName('api-10.96.0.1.nip.io'),
    virtualService('api-10.96.0.1.sslip.io'),
    virtualService('10.96.0.1-api.sslip.io'),
    virtualService('--ffff-10.96.0.1.sslip.io'),
    // These held before: capitals, a trailing dot, traefik.me's spellings, hex in capitals.
    externalName('API-10-96-0-1.SSLIP.IO.'),
    externalName('10.96.0.1.traefik.me'),
    virtualService('10-96-0-1.traefik.me'),
    virtualService('app-0A600001.nip.io.'),
  ])('%s: refused as the address is', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:gated_host_route');
    expect(REFUSED).toContain(reason(res));
  });

  it.each<Write>([externalName('api-10.96.0.2.sslip.io'), externalName('eu-west-1.db.example.com'), virtualService('v2-api.dev.svc.cluster.local'), virtualService('cafe-beef-1.example.com')])(
    '%s: another address or none, the everyday sign-in',
    async (...write) => {
      const res = await send(write);
      expect(rules(res)).not.toContain('guardrail:gated_host_route');
      expect(reason(res), rules(res)).toBe('allowed');
    },
  );
});

/**
 * Pod Security enforcement taken off a Namespace by the patch operations that write no value:
 * a JSON patch that moves the enforce label out (to an annotation) or removes it, a merge patch's
 * null, a strategic merge patch that replaces or deletes the labels.
 */
const NSP = '/api/v1/namespaces/payments-dev';
const ENFORCE = 'pod-security.kubernetes.io/enforce';
describe('held: pod_security_weakened by writes that carry no value', () => {
  it.each<Write>([
    ['the enforce label moved out to an annotation', 'PATCH', NSP, JSON_PATCH, [{ op: 'move', from: '/metadata/labels/pod-security.kubernetes.io~1enforce', path: '/metadata/annotations/parked' }]],
    ['the enforce label removed', 'PATCH', NSP, JSON_PATCH, [{ op: 'remove', path: '/metadata/labels/pod-security.kubernetes.io~1enforce' }]],
    ['the whole labels moved out', 'PATCH', NSP, JSON_PATCH, [{ op: 'move', from: '/metadata/labels', path: '/metadata/annotations' }]],
    ['the labels replaced by an empty map', 'PATCH', NSP, JSON_PATCH, [{ op: 'replace', path: '/metadata/labels', value: {} }]],
    ['a merge patch nulling the label', 'PATCH', NSP, MERGE, { metadata: { labels: { [ENFORCE]: null } } }],
    ['a merge patch nulling the labels', 'PATCH', NSP, MERGE, { metadata: { labels: null } }],
    ['a strategic merge patch replacing the labels', 'PATCH', NSP, SMP, { metadata: { labels: { $patch: 'replace', team: 'payments' } } }],
    ['a strategic merge patch deleting the labels', 'PATCH', NSP, SMP, { metadata: { labels: { $patch: 'delete' } } }],
    ['a strategic merge patch retaining other keys', 'PATCH', NSP, SMP, { metadata: { $retainKeys: ['name', 'annotations'] } }],
  ])('%s: asked', async (...write) => {
    const res = await send(write);
    expect(rules(res)).toContain('guardrail:pod_security_weakened');
    expect(REFUSED).toContain(reason(res));
  });
});

/**
 * The other writes without a value stepgate sees, in a pod template: a runtime class moved out,
 * nulled by a merge or strategic merge patch; a copy from an array's `-` (no element: the API
 * server refuses it, stepgate cannot read it); a strategic merge patch's `$setElementOrder` beside
 * the container it changes.
 */
const DEPLOY = '/apis/apps/v1/namespaces/payments-dev/deployments/api';
describe('held: pod template writes that carry no value', () => {
  const ROWS: [Write, string][] = [
    [['the runtime class moved out to an annotation', 'PATCH', DEPLOY, JSON_PATCH, [{ op: 'move', from: '/spec/template/spec/runtimeClassName', path: '/metadata/annotations/parked' }]], 'guardrail:runtime_class_removed'],
    [['the runtime class nulled by a merge patch', 'PATCH', DEPLOY, MERGE, { spec: { template: { spec: { runtimeClassName: null } } } }], 'guardrail:runtime_class_removed'],
    [['the runtime class nulled by a strategic merge patch', 'PATCH', DEPLOY, SMP, { spec: { template: { spec: { runtimeClassName: null } } } }], 'guardrail:runtime_class_removed'],
    [["a container copied from the list's end (`-`)", 'PATCH', DEPLOY, JSON_PATCH, [{ op: 'copy', from: '/spec/template/spec/containers/-', path: '/spec/template/spec/initContainers/0' }]], 'guardrail:body_unreadable'],
    [['an init container moved into the containers', 'PATCH', DEPLOY, JSON_PATCH, [{ op: 'move', from: '/spec/template/spec/initContainers/0', path: '/spec/template/spec/containers/-' }]], 'guardrail:body_unreadable'],
    [['$setElementOrder beside a privileged container', 'PATCH', DEPLOY, SMP, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'api' }], containers: [{ name: 'api', securityContext: { privileged: true } }] } } } }], 'guardrail:privileged_container'],
  ];
  it.each(ROWS.map(([write, code]) => [write[0], write, code] as const))('%s: asked', async (_what, write, code) => {
    const res = await send(write);
    expect(rules(res)).toContain(code);
    expect(REFUSED).toContain(reason(res));
  });
});

/**
 * assurance_downgrade through the built server: the engineer signs in with their key at home on
 * their Mac (a newcomer's first request proves the place, and the level is recorded); then a sign-in
 * below the key, fresh, from a VPS never seen and another laptop, reads a Secret. It is asked for the
 * key (acr_values of aal3), whatever the weaker token's claims say beside it.
 */
const HOME = '84.214.99.12';
const VPS = '45.77.120.9';
const MAC = 'kubectl/v1.32.2 (darwin/arm64) kubernetes/67a30c0';
const LINUX = 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9';
const SECRET = '/api/v1/namespaces/dev/secrets/db';
const now = () => Math.floor(Date.now() / 1000);
/** The context a refusal is bound to (the Status body's `stepgate.risk.context.code`). */
const contextOf = (res: Parameters<typeof deniedBody>[0]) => (deniedBody(res).stepgate as { risk?: { context?: { code?: string } } } | undefined)?.risk?.context?.code;

async function keyEngineer(): Promise<string> {
  const sub = subjects.subject();
  const key = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal3', amr: ['hwk', 'mfa'], auth_time: now() - 20 });
  const own = await server().client.check(checkRequest({ host: KUBE, source: HOME, path: '/api/v1/namespaces/dev/pods', token: key, headers: { 'user-agent': MAC } }));
  expect(reason(own), "the engineer's own read").toBe('allowed');
  return sub;
}

describe('assurance_downgrade over gRPC: a weaker sign-in from a new network and laptop', () => {
  it.each<[string, Record<string, unknown>]>([
    ['two factors with a code (the helpdesk caller)', { acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'] }],
    ['a key held without its PIN (`amr: ["hwk"]` alone, acr aal2)', { acr: 'urn:stepgate:aal2', amr: ['hwk'] }],
    ['the key\'s acr in a list (read as no acr), a code\'s amr', { acr: ['urn:stepgate:aal3'], amr: ['pwd', 'otp', 'mfa'] }],
    ['an acr spelt nearly as the key\'s (`urn:stepgate:aal3 `), a code\'s amr', { acr: 'urn:stepgate:aal3 ', amr: ['pwd', 'otp', 'mfa'] }],
    ['the key\'s amr as a string (read as no methods), acr aal2', { acr: 'urn:stepgate:aal2', amr: 'hwk mfa' }],
  ])('%s: asked for the key', async (_what, claims) => {
    const sub = await keyEngineer();
    const token = await server().issuer.token({ sub, email: sub, auth_time: now() - 5, ...claims });
    const res = await server().client.check(checkRequest({ host: KUBE, source: VPS, path: SECRET, token, headers: { 'user-agent': LINUX } }));
    expect(reason(res)).toBe('acr_insufficient');
    expect(deniedHeader(res, 'www-authenticate')).toContain('acr_values="urn:stepgate:aal3');
    expect(contextOf(res)).toBe('assurance_downgrade');
  });

  // Session 41: the engineer's own kubectl agent, copied (kubectl's fingerprint is its OS and
  // architecture): the laptop is known by its user agent only, which proves nothing here.
  it("the engineer's own kubectl agent copied from a VPS: asked for the key all the same", async () => {
    const sub = await keyEngineer();
    const token = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: now() - 5 });
    const res = await server().client.check(checkRequest({ host: KUBE, source: VPS, path: '/api/v1/namespaces/dev/pods', token, headers: { 'user-agent': MAC } }));
    expect(reason(res)).toBe('acr_insufficient');
    expect(contextOf(res)).toBe('assurance_downgrade');
  });

  it('control: the key itself from there is asked only for a sign-in made there, not for a stronger level', async () => {
    const sub = await keyEngineer();
    const token = await server().issuer.token({ sub, email: sub, acr: 'urn:stepgate:aal3', amr: ['hwk', 'mfa'], auth_time: now() - 5 });
    const res = await server().client.check(checkRequest({ host: KUBE, source: VPS, path: SECRET, token, headers: { 'user-agent': LINUX } }));
    expect(reason(res)).toBe('auth_too_old');
    expect(contextOf(res)).not.toBe('assurance_downgrade');
  });
});
