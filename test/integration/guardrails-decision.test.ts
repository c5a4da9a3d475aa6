import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { startService, type Service } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/log.js';
import { HMAC_SECRET, testConfigYaml } from '../support/config.js';
import { CheckClient, deniedBody, deniedHeader, reasonOf, type CheckResponse } from '../support/grpc-client.js';
import { PINNED } from '../support/guardrails.js';
import { TestIssuer } from '../support/issuer.js';
import { checkRequest } from '../support/requests.js';
import { RISK_YAML } from '../support/risk.js';

/**
 * Guardrails in the decision, through the real server: a violation in a Kubernetes write raises
 * what the request needs (or refuses it), names itself in the rules, and adds its risk weight.
 */

let issuer: TestIssuer;
let service: Service;
let client: CheckClient;
const sec = () => Math.floor(Date.now() / 1000);

const GUARDRAILS = `
guardrails:
  allowed_registries: [registry.example.com]
  protected_namespaces: ["prod*"]
  effects:
    privileged_container: {require: aal3, max_age: 300, risk: 20}
  namespaces:
    - match: [kube-system]
      effects:
        privileged_container: {deny: true}
`;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const yaml = testConfigYaml(issuer.url, `${RISK_YAML}${GUARDRAILS}`);
  service = await startService(parseConfig(yaml, 'guard.yaml'), { TEST_HMAC_SECRET: HMAC_SECRET }, createLogger('silent'));
  client = new CheckClient(service.grpc.port);
});

afterAll(async () => {
  client?.close();
  await service?.stop();
  await issuer?.close();
});

const pod = (privileged: boolean) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug' },
    spec: { containers: [{ name: 'c', image: PINNED, securityContext: { privileged, runAsNonRoot: true } }] },
  });

const create = async (ns: string, body: string | undefined, token: string): Promise<CheckResponse> =>
  client.check(
    checkRequest({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/pods`,
      token,
      source: '10.0.0.5',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.7' },
      ...(body === undefined ? {} : { body }),
    }),
  );

const payload = (res: CheckResponse) => {
  const b = deniedBody(res);
  return (b.kind === 'Status' ? b.stepgate : b) as { required?: { level?: string; max_age?: number }; risk?: { reasons: { code: string; weight: number }[] } };
};

describe('guardrails in the decision', () => {
  it('a compliant pod needs only what the policy asks', async () => {
    const token = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec() });
    expect((await create('prod-eu', pod(false), token)).status.code).toBe(0);
  });

  it('a privileged pod in prod needs aal3 within 5 minutes, and says which guardrail asked', async () => {
    const token = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec() });
    const res = await create('prod-eu', pod(true), token);
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(deniedHeader(res, 'www-authenticate')).toMatch(/acr_values="urn:stepgate:aal3", max_age=300/);
    expect(payload(res).required).toEqual({ level: 'aal3', max_age: 300 });
    expect(res.dynamic_metadata!.fields.rules!.stringValue).toContain('guardrail:privileged_container');
    // The step-up message kubectl prints says which guardrail asked, in words.
    expect(String(deniedBody(res).message)).toContain('stepgate: step-up needed for create pods in namespace prod-eu: sign in at level aal3, within the last 5 min; your sign-in is level aal2 (acr_insufficient). Rule prod-writes. Guardrail: privileged container (privileged_container). ');
    // Its risk weight is part of the score, as its own reason.
    expect(payload(res).risk!.reasons).toContainEqual({ code: 'guardrail', weight: 20 });
    // With aal3 it goes through.
    const aal3 = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal3', amr: ['hwk'], auth_time: sec() });
    expect((await create('prod-eu', pod(true), aal3)).status.code).toBe(0);
  });

  it('a privileged pod in kube-system is refused, whatever the proof', async () => {
    const aal3 = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal3', amr: ['hwk'], auth_time: sec() });
    const res = await create('kube-system', pod(true), aal3);
    expect(reasonOf(res)).toBe('policy_deny');
    expect(JSON.stringify(deniedBody(res))).toContain('privileged_container');
    // kubectl prints the Status message: it names the guardrail in words.
    expect(String(deniedBody(res).message)).toContain('privileged container (privileged_container)');
  });

  it('kubectl run --image=nginx in default asks for no hardware key: the defaults are proportionate (issue 16)', async () => {
    const nginx = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
    const aal1 = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal1', amr: ['pwd'], auth_time: sec() });
    const res = await create('default', nginx, aal1);
    // docker.io is not an allowed registry here (elevated: the level below the strongest);
    // the :latest tag only adds risk.
    expect(reasonOf(res)).toBe('acr_insufficient');
    expect(payload(res).required).toEqual({ level: 'aal2', max_age: 900 });
    const body = deniedBody(res);
    expect(String(body.message)).toContain('Guardrail: image from a registry that is not allowed (image_registry_not_allowed). ');
    expect((body.stepgate as { guardrails: unknown }).guardrails).toEqual([
      { code: 'image_registry_not_allowed', title: 'image from a registry that is not allowed' },
      { code: 'image_latest_tag', title: 'image uses the latest tag' },
    ]);
    const aal2 = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec() });
    expect((await create('default', nginx, aal2)).status.code).toBe(0);
  });

  it('a write whose body was not sent gets the conservative effect, and the challenge says so before sign-in', async () => {
    const token = await issuer.token({ sub: 'ann@example.com', acr: 'urn:stepgate:aal2', amr: ['mfa'], auth_time: sec() });
    const res = await create('prod-eu', undefined, token);
    expect(reasonOf(res)).toBe('acr_insufficient');
    // No body at all: the gateway sends none (body_missing), which without guardrails.missing_body
    // takes the unreadable_body effect, the strongest level.
    expect(res.dynamic_metadata!.fields.rules!.stringValue).toContain('guardrail:body_missing');
    expect(deniedHeader(res, 'www-authenticate')).toMatch(/acr_values="urn:stepgate:aal3[^"]*", max_age=300/);
    // Without a token, the sign-in challenge already asks for the level the change will need.
    const anonymous = await client.check(checkRequest({ method: 'POST', path: '/api/v1/namespaces/prod-eu/pods', headers: { 'content-type': 'application/json' }, body: pod(true) }));
    expect(reasonOf(anonymous)).toBe('token_missing');
    expect(anonymous.dynamic_metadata!.fields.rules!.stringValue).toContain('guardrail:privileged_container');
  });
});
