import { describe, expect, it } from 'vitest';
import { checkGuardrails } from '../../src/guardrails/guard.js';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { compileHostMatcher } from '../../src/core/glob.js';
import { buildAttributes } from '../../src/request/build.js';
import { parseCheckRequest } from '../../src/server/grpc/check.js';
import { checkRequest, type RequestSpec } from '../support/requests.js';
import { guardSettings } from '../support/guardrails.js';

/**
 * A write whose Check has no body at all (the gateway sends none) apart from one whose body a
 * client made unreadable: only the first may take the lighter guardrails.missing_body effect.
 */

const MISSING: GuardrailResult = { violations: [], unreadable: 'body_missing', unreadableDetail: 'none' };
const UNREADABLE: GuardrailResult = { violations: [], unreadable: 'body_unreadable', unreadableDetail: 'bad' };

describe('the missing_body effect', () => {
  it('without it, a missing body takes the unreadable_body effect, namespace overrides included (configurations written before it decide as before)', () => {
    const s = guardSettings(`
guardrails:
  unreadable_body: {require: aal3, max_age: 120}
  namespaces:
    - match: ["dev-*"]
      effects:
        unreadable_body: {require: aal1}
`);
    expect(guardrailContribution(MISSING, 'prod', s)).toEqual({ deny: false, level: 2, maxAge: 120, risk: 0, codes: ['body_missing'] });
    expect(guardrailContribution(MISSING, 'dev-a', s)).toMatchObject({ level: 0, maxAge: undefined, codes: ['body_missing'] });
    // Nothing configured at all: the strongest level within 5 minutes, like any unreadable body.
    expect(guardrailContribution(MISSING, 'x', guardSettings('guardrails: {}\n'))).toMatchObject({ level: 2, maxAge: 300 });
  });

  it('configured (top level, in effects or per namespace), it applies to missing bodies only', () => {
    const s = guardSettings(`
guardrails:
  unreadable_body: {require: aal3, max_age: 300}
  missing_body: {risk: 5}
  namespaces:
    - match: ["prod-*"]
      effects:
        missing_body: {require: aal2, max_age: 900}
`);
    expect(guardrailContribution(MISSING, 'staging', s)).toEqual({ deny: false, level: -1, maxAge: undefined, risk: 5, codes: ['body_missing'] });
    expect(guardrailContribution(MISSING, 'prod-a', s)).toMatchObject({ level: 1, maxAge: 900 });
    expect(guardrailContribution(UNREADABLE, 'staging', s)).toMatchObject({ level: 2, maxAge: 300, codes: ['body_unreadable'] });
    const off = guardSettings('guardrails:\n  effects:\n    missing_body: "off"\n');
    expect(guardrailContribution(MISSING, 'x', off).codes).toEqual([]);
    expect(guardrailContribution(UNREADABLE, 'x', off)).toMatchObject({ level: 2, maxAge: 300 });
  });

  it('mode shadow reports what it would ask without asking it', () => {
    const s = guardSettings('guardrails:\n  missing_body: {require: aal3, max_age: 300, mode: shadow}\n');
    const c = guardrailContribution(MISSING, 'x', s);
    expect(c).toMatchObject({ level: -1, codes: [] });
    expect(c.shadow).toMatchObject({ level: 2, maxAge: 300, codes: ['body_missing'], shadowed: ['body_missing'] });
  });
});

describe('which Checks without a body are missing bodies (Envoy ext_authz)', () => {
  const s = guardSettings('guardrails:\n  missing_body: {risk: 1}\n');
  const create: RequestSpec = { method: 'POST', path: '/apis/batch/v1/namespaces/ci/cronjobs', host: 'kube.test', headers: { 'content-type': 'application/json' } };
  const outcome = (spec: RequestSpec) => {
    const parsed = parseCheckRequest(checkRequest(spec), { maxHeaderBytes: 16384, maxTotalHeaderBytes: 65536 }, 1 << 20);
    if (!parsed.ok) throw new Error(parsed.detail);
    const built = buildAttributes(parsed.raw, parsed.spoofed, compileHostMatcher(['kube.test']));
    if (!built.ok) throw new Error('not built');
    return checkGuardrails(s, built.attributes)?.result.unreadable;
  };

  it('no body and no x-envoy-auth-partial-body: the gateway sends none (content-length or chunking say nothing)', () => {
    expect(outcome(create)).toBe('body_missing');
    expect(outcome({ ...create, headers: { ...create.headers, 'content-length': '812' } })).toBe('body_missing');
    expect(outcome({ ...create, headers: { ...create.headers, 'transfer-encoding': 'chunked' } })).toBe('body_missing');
    // Nothing to decompress: still the gateway's doing.
    expect(outcome({ ...create, headers: { ...create.headers, 'content-encoding': 'gzip' } })).toBe('body_missing');
  });

  it('Envoy buffered the request (its marker is there) yet the body is empty or cut: unreadable, never missing', () => {
    expect(outcome({ ...create, body: '', headers: { ...create.headers, 'x-envoy-auth-partial-body': 'false' } })).toBe('body_unreadable');
    expect(outcome({ ...create, headers: { ...create.headers, 'x-envoy-auth-partial-body': 'true' } })).toBe('body_truncated');
    expect(outcome({ ...create, body: '{"kind":', headers: { ...create.headers, 'x-envoy-auth-partial-body': 'true' } })).toBe('body_truncated');
  });

  it('an upgrade, which Envoy does not buffer although kube reads the write body after it: unreadable', () => {
    // A Namespace's finalize is a subresource, where kube may serve an upgrade, and its body is read.
    const finalize: RequestSpec = { method: 'PUT', path: '/api/v1/namespaces/ci/finalize', host: 'kube.test', headers: { 'content-type': 'application/json' } };
    expect(outcome(finalize)).toBe('body_missing');
    expect(outcome({ ...finalize, headers: { ...finalize.headers, connection: 'Upgrade', upgrade: 'websocket' } })).toBe('body_unreadable');
    // An h2c upgrade never gets this far: request/build.ts refuses it (request_invalid, h2c smuggling).
    expect(() => outcome({ ...finalize, headers: { ...finalize.headers, upgrade: 'h2c' } })).toThrow('not built');
    expect(outcome({ ...finalize, headers: { ...finalize.headers, upgrade: 'SPDY/3.1' } })).toBe('body_unreadable');
    expect(outcome({ ...finalize, method: 'CONNECT', headers: { ...finalize.headers, ':protocol': 'websocket' } })).toBe(undefined);
    // Nor does an upgrade of a path that serves none, such as a collection's create (request/kube.ts
    // upgradeNotServed: CVE-2018-1002105's tunnel).
    expect(() => outcome({ ...create, headers: { ...create.headers, connection: 'Upgrade', upgrade: 'websocket' } })).toThrow('not built');
    expect(() => outcome({ ...create, method: 'CONNECT', headers: { ...create.headers, ':protocol': 'websocket' } })).toThrow('not built');
  });

  it('a body that is there is read, whether or not Envoy marked it', () => {
    const cron = JSON.stringify({ kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } } } } });
    expect(outcome({ ...create, body: cron })).toBe(undefined);
    expect(outcome({ ...create, body: cron, headers: { ...create.headers, 'x-envoy-auth-partial-body': 'false' } })).toBe(undefined);
  });
});
