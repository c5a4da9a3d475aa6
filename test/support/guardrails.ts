import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { compileAssurance } from '../../src/core/assurance.js';
import { compileGuardrails, type GuardrailSettings } from '../../src/guardrails/settings.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { kubeRequestInfo, type KubeRequestInfo } from '../../src/request/kube.js';

/** An issuer, three levels and a Kubernetes host: what a unit test's policy or guardrails stand on. */
export const KUBE_TEST_BASE = `
issuers: [{issuer: "https://idp.test", jwks_uri: "https://idp.test/jwks", audiences: [k]}]
assurance:
  levels:
    - {name: aal1, acr: [a1]}
    - {name: aal2, acr: [a2]}
    - {name: aal3, acr: [a3]}
kubernetes: {hosts: [kube.test]}
`;

export const GUARD_BASE = `${KUBE_TEST_BASE}policy:
  default: {require: aal1}
`;

export const DEFAULT_GUARDRAILS = `
guardrails:
  allowed_registries: [registry.example.com, "ghcr.io/example"]
  protected_namespaces: ["prod*"]
  dangerous_cluster_roles: [admin]
`;

export function guardConfig(section = DEFAULT_GUARDRAILS): Config {
  return parseConfig(`${GUARD_BASE}${section}`, 'guard.yaml');
}

export function guardSettings(section = DEFAULT_GUARDRAILS): GuardrailSettings {
  const cfg = guardConfig(section);
  return compileGuardrails(cfg.guardrails, compileAssurance(cfg.assurance.levels), false, [], undefined, cfg.risk?.signals.unfamiliar_namespace.environments)!;
}

export function kube(method: string, path: string): KubeRequestInfo {
  return kubeRequestInfo(method, path, '', () => undefined);
}

export const PINNED = `registry.example.com/app@sha256:${'a'.repeat(64)}`;

/** Every leaf of an object as a JSON patch `add`, the way a client would set each field. */
export function toJsonPatch(obj: unknown, prefix = ''): { op: string; path: string; value: unknown }[] {
  if (obj !== null && typeof obj === 'object' && Object.keys(obj).length > 0) {
    return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) =>
      toJsonPatch(v, `${prefix}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`),
    );
  }
  return [{ op: 'add', path: prefix, value: obj }];
}

export const toYaml = (o: unknown) => stringify(o);

/**
 * A result without `scheduled_job_changed`, for the tests of other families that patch a CronJob's
 * pod spec: such a patch also changes what the job runs (guardrails-scheduled-jobs.test.ts).
 */
export function withoutScheduleChange(kind: string, method: string, r: GuardrailResult): GuardrailResult {
  return kind === 'CronJob' && method === 'PATCH' ? { ...r, violations: r.violations.filter((v) => v.code !== 'scheduled_job_changed') } : r;
}
