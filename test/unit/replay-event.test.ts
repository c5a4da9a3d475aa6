import { afterEach, describe, expect, it } from 'vitest';
import { parseAuditLine, parseAuditRecords, parseTimestamp } from '../../src/replay/event.js';

/**
 * The audit log reader's own cases, on shapes taken from real exports (Elastic's Kubernetes
 * integration test logs for AKS and GKE, Panther's EKS fixtures, Falco's k8saudit captures). The
 * integration test (test/integration/replay.test.ts) checks that each shape gives the verdicts of
 * the plain log.
 */

const event = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'ad26f7bc-f1c6-4097-90f1-e0924e12f257',
  stage: 'ResponseComplete',
  requestURI: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kubelet-serving-csr-approver',
  verb: 'update',
  user: { username: 'aksService', groups: ['system:masters', 'system:authenticated'] },
  sourceIPs: ['172.31.51.172'],
  objectRef: { resource: 'leases', namespace: 'kube-system', name: 'kubelet-serving-csr-approver', apiGroup: 'coordination.k8s.io', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2025-10-07T16:19:19.643609Z',
  stageTimestamp: '2025-10-07T16:19:19.647762Z',
};
const at = (ts: string) => {
  const p = parseAuditLine(JSON.stringify({ ...event, requestReceivedTimestamp: ts }));
  return p.ok ? p.event.receivedAt : p.problem;
};

describe('audit event timestamps', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('reads RFC 3339 in any precision and offset, as the instant it names', () => {
    expect(at('2025-10-07T16:19:19.643609Z')).toBe(Date.UTC(2025, 9, 7, 16, 19, 19, 643));
    expect(at('2025-10-07T16:19:19.647880072Z')).toBe(Date.UTC(2025, 9, 7, 16, 19, 19, 647));
    expect(at('2025-10-07T16:19:19Z')).toBe(Date.UTC(2025, 9, 7, 16, 19, 19));
    expect(at('2025-10-07T18:19:19.5+02:00')).toBe(Date.UTC(2025, 9, 7, 16, 19, 19, 500));
    expect(at('2025-10-07T11:49:19-0430')).toBe(Date.UTC(2025, 9, 7, 16, 19, 19));
  });

  it('reads a SIEM table’s zoneless time as UTC, on a machine in any time zone', () => {
    // Panther's EKS rows: `2022-11-29 00:09:04.38`. Date.parse would take the machine's zone.
    process.env.TZ = 'America/New_York';
    expect(at('2022-11-29 00:09:04.38')).toBe(Date.UTC(2022, 10, 29, 0, 9, 4, 380));
    expect(at('2022-11-29T00:09:04')).toBe(Date.UTC(2022, 10, 29, 0, 9, 4));
  });

  it('refuses what is not a time of day on a real date', () => {
    for (const bad of ['2024', 'Tue Mar 26 2024 15:01:44', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '1796205600', '0099-01-01T00:00:00Z', '']) {
      expect(at(bad), bad).toBe('bad_timestamp');
    }
    expect(parseTimestamp('2016-12-31T23:59:60Z')).toBe(Date.UTC(2016, 11, 31, 23, 59, 59, 999));
  });
});

describe('exports the reader names, and what it cannot read', () => {
  it('AKS diagnostic settings: properties.log as a string or an object, and records batches', () => {
    const record = (log: unknown) => ({ category: 'kube-audit', operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read', properties: { log, stream: 'stdout' }, time: '2025-10-07T16:19:19.647880072Z' });
    for (const line of [record(JSON.stringify(event)), record(event), { records: [record(JSON.stringify(event)), record(event)] }]) {
      const parsed = parseAuditRecords(JSON.stringify(line));
      expect(parsed.length).toBeGreaterThan(0);
      for (const p of parsed) expect(p).toMatchObject({ ok: true, event: { verb: 'update', user: { username: 'aksService' } } });
    }
  });

  it('a CloudWatch Logs control message, an empty batch and a broken run of records are counted, not dropped', () => {
    const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] };
    expect(parseAuditRecords(JSON.stringify(control))).toEqual([{ ok: false, problem: 'not_an_event', detail: 'a CloudWatch Logs control message' }]);
    expect(parseAuditRecords(JSON.stringify({ records: [] }))).toEqual([{ ok: false, problem: 'not_an_event', detail: 'records: empty' }]);
    const run = JSON.stringify(event) + JSON.stringify(event);
    expect(parseAuditRecords(run).map((p) => p.ok)).toEqual([true, true]);
    for (const broken of [`${run.slice(0, -1)}`, `${JSON.stringify(event)}{"kind":`, `${JSON.stringify(event)} ${JSON.stringify(event)}`, `${JSON.stringify(event)}}{}`]) {
      expect(parseAuditRecords(broken), broken.slice(-20)).toEqual([{ ok: false, problem: 'not_json', detail: 'not a JSON value' }]);
    }
  });

  it('an event without apiVersion is read only when it is an audit event', () => {
    const { apiVersion: _a, ...untyped } = event;
    expect(parseAuditLine(JSON.stringify(untyped))).toMatchObject({ ok: true, event: { apiVersion: 'audit.k8s.io/v1' } });
    // A core/v1 Event (`kubectl get events -o json`) is not one, with or without its apiVersion.
    const core = { kind: 'Event', apiVersion: 'v1', metadata: { name: 'x' }, reason: 'Pulled', message: 'ok' };
    expect(parseAuditLine(JSON.stringify(core))).toMatchObject({ ok: false, problem: 'unknown_api_version' });
    expect(parseAuditLine(JSON.stringify({ ...core, apiVersion: undefined }))).toMatchObject({ ok: false, problem: 'unknown_api_version' });
  });

  it('GKE’s Cloud Audit Logs entries are reported as such: they have no request URI', () => {
    const gke = { protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', authenticationInfo: { principalEmail: 'system:gke-master-healthcheck' }, methodName: 'io.k8s.get', resourceName: 'readyz', serviceName: 'k8s.io' }, insertId: '1234abcd', resource: { type: 'k8s_cluster' }, timestamp: '2025-07-13T08:38:39.127266Z', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Fdata_access' };
    expect(parseAuditRecords(JSON.stringify(gke))).toEqual([{ ok: false, problem: 'not_an_event', detail: 'a Cloud Audit Logs entry of GKE (protoPayload): it has no requestURI' }]);
  });
});
