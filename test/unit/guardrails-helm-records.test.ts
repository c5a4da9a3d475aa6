import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';
import { encodeKube } from '../support/kube-protobuf.js';

/**
 * helm_release_edited: a Helm release record written by a client that is not Helm, in every verb
 * and body shape; Helm's own writes (its user agent) and other Secrets are not.
 */

const settings = guardSettings();
const NS = '/api/v1/namespaces/payments-prod';
const REC = `${NS}/secrets/sh.helm.release.v1.payments-api.v41`;
const KUBECTL = 'kubectl/v1.32.2 (linux/amd64) kubernetes/67a30c0';
const HELM = 'Helm/3.16.4';
const record = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.payments-api.v41', labels: { owner: 'helm', name: 'payments-api', status: 'superseded', version: '41' } }, type: 'helm.sh/release.v1', data: { release: 'SDRzSQ==' } };
const codes = (method: string, path: string, body: string | Uint8Array | undefined, type: string, ua: string | undefined = KUBECTL) =>
  inspect(kube(method, path), body, type, false, settings, false, ua).violations.map((v) => v.code);

describe('helm_release_edited', () => {
  it.each<[string, string, string, string | Uint8Array | undefined, string]>([
    ['kubectl replace', 'PUT', REC, JSON.stringify(record), 'application/json'],
    ['a merge patch of the manifest', 'PATCH', REC, JSON.stringify({ data: { release: 'eA==' } }), 'application/merge-patch+json'],
    ['a strategic merge patch of the status label', 'PATCH', REC, JSON.stringify({ metadata: { labels: { status: 'deployed' } } }), 'application/strategic-merge-patch+json'],
    ['a JSON patch', 'PATCH', REC, JSON.stringify([{ op: 'replace', path: '/data/release', value: 'eA==' }]), 'application/json-patch+json'],
    ['server-side apply', 'PATCH', REC, toYaml(record), 'application/apply-patch+yaml'],
    ['a body that cannot be read, by its path', 'PATCH', REC, '{"data":', 'application/merge-patch+json'],
    ['a create (JSON)', 'POST', `${NS}/secrets`, JSON.stringify(record), 'application/json'],
    ['a create (YAML)', 'POST', `${NS}/secrets`, toYaml(record), 'application/yaml'],
    ['a create (protobuf)', 'POST', `${NS}/secrets`, encodeKube({ apiVersion: 'v1', kind: 'Secret', metadata: record.metadata, type: record.type }), 'application/vnd.kubernetes.protobuf'],
    ['a create named otherwise, typed as a record', 'POST', `${NS}/secrets`, JSON.stringify({ ...record, metadata: { name: 'x' } }), 'application/json'],
    ['a ConfigMap record (HELM_DRIVER=configmap) patched', 'PATCH', `${NS}/configmaps/sh.helm.release.v1.payments-api.v41`, JSON.stringify({ data: { release: 'eA==' } }), 'application/merge-patch+json'],
  ])('%s by kubectl', (_what, method, path, body, type) => {
    expect(codes(method, path, body, type)).toContain('helm_release_edited');
  });

  // Helm's storage drivers create, update (PUT) and delete a record; a patch is never Helm's.
  it.each<[string, string, string]>([
    ['a merge patch of the manifest', JSON.stringify({ data: { release: 'eA==' } }), 'application/merge-patch+json'],
    ['a JSON patch', JSON.stringify([{ op: 'replace', path: '/data/release', value: 'eA==' }]), 'application/json-patch+json'],
    ['server-side apply', toYaml(record), 'application/apply-patch+yaml'],
  ])('%s sent with Helm\'s user agent', (_what, body, type) => {
    expect(codes('PATCH', REC, body, type, HELM)).toContain('helm_release_edited');
  });

  it('by a client that sends no user agent', () => {
    expect(codes('PUT', REC, JSON.stringify(record), 'application/json', undefined)).toContain('helm_release_edited');
  });

  it.each<[string, string, string, string | undefined, string, string?]>([
    ["Helm's own replace", 'PUT', REC, JSON.stringify(record), 'application/json', HELM],
    ["Helm's own create", 'POST', `${NS}/secrets`, JSON.stringify({ ...record, metadata: { ...record.metadata, name: 'sh.helm.release.v1.payments-api.v42' } }), 'application/json', HELM],
    ["Helm's create with no body sent", 'POST', `${NS}/secrets`, undefined, 'application/json', HELM],
    ['an ordinary Secret', 'PUT', `${NS}/secrets/payments-db-app`, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'payments-db-app' }, data: { password: 'eA==' } }), 'application/json'],
    ['an ordinary ConfigMap', 'PATCH', `${NS}/configmaps/payments-api`, JSON.stringify({ data: { a: 'b' } }), 'application/merge-patch+json'],
    // Helm's history pruning and a stuck release's record removed by hand: bookkeeping, not a manifest.
    ['a delete', 'DELETE', REC, undefined, 'application/json'],
  ])('control: %s', (_what, method, path, body, type, ua) => {
    expect(codes(method, path, body, type, ua ?? KUBECTL)).not.toContain('helm_release_edited');
  });
});
