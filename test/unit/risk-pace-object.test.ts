import { describe, expect, it } from 'vitest';
import type { Requirement } from '../../src/policy/policy.js';
import { kubeRequestInfo } from '../../src/request/kube.js';
import { isHelmRevisionDelete, isObjectRead, sensitiveObject } from '../../src/risk/context-bound.js';

/** What the distinct-objects and pace counters count, and which deletes the burst counts. */
const SENSITIVE: Requirement = Object.freeze({ deny: false, denyMessage: undefined, level: 1, maxAge: 28_800, rules: ['secrets'], sensitivity: 30 });
const kube = (method: string, path: string) => kubeRequestInfo(method, path, '', () => undefined)!;

describe('sensitive objects as counted', () => {
  it.each([
    ['GET', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web.v11', '|secrets|web|sh.helm.release.v1.web'],
    ['PUT', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web.v7', '|secrets|web|sh.helm.release.v1.web'],
    ['DELETE', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web-api.v1', '|secrets|web|sh.helm.release.v1.web-api'],
    // Not a revision: kept whole.
    ['GET', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web.v', '|secrets|web|sh.helm.release.v1.web.v'],
    ['GET', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web.v1a', '|secrets|web|sh.helm.release.v1.web.v1a'],
    ['GET', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.v3', '|secrets|web|sh.helm.release.v1.v3'],
    ['GET', '/api/v1/namespaces/web/secrets/web-db.v2', '|secrets|web|web-db.v2'],
    ['GET', '/api/v1/namespaces/web/configmaps/sh.helm.release.v1.web.v3', '|configmaps|web|sh.helm.release.v1.web.v3'],
    ['GET', '/api/v1/namespaces/web/secrets', '|secrets|web|*'],
  ])('%s %s is %s', (method, path, object) => {
    expect(sensitiveObject(kube(method, path), SENSITIVE)).toBe(object);
  });

  it.each([
    ['GET', '/api/v1/namespaces/web/secrets/db', true],
    ['GET', '/api/v1/namespaces/web/secrets?fieldSelector=metadata.name%3Ddb', true],
    ['GET', '/api/v1/namespaces/web/secrets?fieldSelector=metadata.name%3Ddb&watch=true', true],
    // What counts every time: a whole namespace, writes, deletes, shells, logs, proxies.
    ['GET', '/api/v1/namespaces/web/secrets', false],
    ['PUT', '/api/v1/namespaces/web/secrets/db', false],
    ['PATCH', '/api/v1/namespaces/web/secrets/db', false],
    ['DELETE', '/api/v1/namespaces/web/secrets/db', false],
    ['GET', '/api/v1/namespaces/web/pods/api-0/exec', false],
    ['POST', '/api/v1/namespaces/web/pods/api-0/attach', false],
    ['GET', '/api/v1/namespaces/web/pods/api-0/log', false],
    ['GET', '/api/v1/namespaces/vault/services/vault:8200/proxy/v1/secret', false],
  ])('%s %s can be a familiar read: %s', (method, target, read) => {
    const q = target.indexOf('?');
    const k = kubeRequestInfo(method, q < 0 ? target : target.slice(0, q), q < 0 ? '' : target.slice(q + 1), () => undefined)!;
    expect(isObjectRead(k)).toBe(read);
  });

  it('only a delete of one revision of a Helm release is left out of the delete burst', () => {
    expect(isHelmRevisionDelete(kube('DELETE', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web.v3'))).toBe(true);
    expect(isHelmRevisionDelete(kube('DELETE', '/api/v1/namespaces/web/secrets/web-db'))).toBe(false);
    expect(isHelmRevisionDelete(kube('DELETE', '/api/v1/namespaces/web/secrets'))).toBe(false);
    expect(isHelmRevisionDelete(kube('DELETE', '/api/v1/namespaces/web/configmaps/sh.helm.release.v1.web.v3'))).toBe(false);
    expect(isHelmRevisionDelete(kube('GET', '/api/v1/namespaces/web/secrets/sh.helm.release.v1.web.v3'))).toBe(false);
  });
});
