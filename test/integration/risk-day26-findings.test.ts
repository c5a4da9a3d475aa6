import { describe, expect, it } from 'vitest';
import { reasonOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, type Step } from '../support/findings.js';
import { ACCESS_PLUGIN, accessRequest, API, approval, SITE, BRS_OFFICE, heldLease, irsaByHandPod, KUBECTL, LDN_OFFICE, QB_KUBECTL, ROLE, roleAnnotation, snapshotContent, volumeSnapshot } from '../support/workday26.js';

/**
 * What the twenty-sixth replayed day (test/support/workday26.ts, docs/risk.md "Day 26") found,
 * through the real gRPC server running examples/stepgate.yaml on a virtual clock: an insurer two
 * weeks after buying an insurtech, on EKS with IAM roles for service accounts, just-in-time access
 * through an in-house broker, and the merged company's engineers on the gateway. Each test is one
 * person's two days of routine, then the finding, with their sign-in of that moment. The open one
 * is `it.fails`.
 */

const s = exampleServiceForFile();
/** The warm-up Tuesday and the scored Wednesday, 08:00 UTC. */
const [TUE, WED] = [19, 20].map((d) => Date.UTC(2027, 0, d, 8, 0, 0)) as [number, number];
const H = 3_600_000;
const UA = KUBECTL('darwin/arm64');
const MERGE = 'application/merge-patch+json';
const BROKER = '/apis/access.harbourline.example/v1alpha1/namespaces/access-requests/accessrequests';

const { send, twoDays } = findingRequests(s, { host: API, source: LDN_OFFICE(11), ua: UA, firstDay: TUE, secondDay: WED });
/** The site's copy (workday26.ts SITE, session 51): approvals of access requests are sensitive. */
const site = findingRequests(exampleServiceForFile({ edit: SITE }), { host: API, source: LDN_OFFICE(11), ua: UA, firstDay: TUE, secondDay: WED });

const claimsCalls: Step[] = [
  ['GET', '/api/v1/namespaces/claims-prod/pods?limit=500'],
  ['GET', '/api/v1/namespaces/claims-staging/secrets/claims-db'],
  ['GET', '/api/v1/namespaces/claims-staging/serviceaccounts/claims-api'],
  ['POST', '/api/v1/namespaces/claims-staging/pods/claims-api-7f9c/exec?command=sh&container=api&stdin=true&stdout=true&tty=true'],
  ['PATCH', '/apis/apps/v1/namespaces/claims-staging/deployments/claims-api?fieldManager=kubectl-rollout', JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2027-01-19T09:00:00Z' } } } } }), 'application/strategic-merge-patch+json'],
];

describe('an insurer after a merger: IRSA, volume snapshots, leader election and just-in-time access, with examples/stepgate.yaml', () => {
  // Was allowed (day 26, every seed, both ways): malware on a claims engineer's laptop annotates
  // claims-api's staging ServiceAccount with production's IAM role (whose trust policy admits any
  // ServiceAccount of the cluster), then restarts the Deployment. A ServiceAccount patch and a
  // restart in one's own staging namespace are everyday writes. cloud_workload_identity reads the
  // annotation: a hardware key within 5 minutes.
  it("a staging ServiceAccount annotated with production's IAM role asks a hardware key; removing an annotation does not", async () => {
    const login = await twoDays('d26f-claims@harbourline.example', claimsCalls);
    const sa = '/api/v1/namespaces/claims-staging/serviceaccounts/claims-api?fieldManager=kubectl-annotate';
    const res = await send(login, WED + 6.33 * H, 'PATCH', sa, { body: roleAnnotation(ROLE('claims-api-prod')), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:cloud_workload_identity');
    const off = await send(login, WED + 6.34 * H, 'PATCH', sa, { body: JSON.stringify({ metadata: { annotations: { 'eks.amazonaws.com/role-arn': null } } }), contentType: MERGE });
    expect(reasonOf(off), rules(off)).toBe('allowed');
  });

  // Was allowed (day 26, every seed, both ways): the same role without the annotation, from a
  // merged company's engineer's laptop (their Quillbridge account, their office): a dev pod that
  // projects its own token for sts.amazonaws.com, production's role in AWS_ROLE_ARN. A pod create
  // in one's dev namespace asks the working day's two factors (pod-creates), which the morning's
  // sign-in meets.
  it("a dev pod with its own sts.amazonaws.com token and production's role asks a hardware key", async () => {
    const qb = findingRequests(s, { host: API, source: BRS_OFFICE(7), ua: QB_KUBECTL('linux/amd64'), firstDay: TUE, secondDay: WED });
    const login = await qb.twoDays('d26f-qb@quillbridge.example', [['GET', '/api/v1/namespaces/qb-pricing-dev/pods?limit=500'], ['GET', '/api/v1/namespaces/qb-quotes-staging/secrets/quotes-db'], ['POST', '/api/v1/namespaces/qb-quotes-staging/pods/quotes-api-1/exec?command=sh&container=api&stdin=true&stdout=true&tty=true']]);
    const res = await qb.send(login, WED + 2.66 * H, 'POST', '/api/v1/namespaces/qb-pricing-dev/pods?fieldManager=kubectl-create', { body: JSON.stringify(irsaByHandPod('qb-pricing-dev', ROLE('claims-documents-prod-reader'))) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:cloud_workload_identity');
  });

  // Was stopped one request late (day 26, with the warm-up day's history: the pre-provisioned
  // VolumeSnapshotContent, cluster-add-on-objects): malware on a data engineer's laptop snapshots
  // the claims database's volume in production, where the engineer reads the database's pods and
  // claims daily. The example's volume-snapshots rule asks a hardware key within 15 minutes.
  it("a snapshot of production's database volume, and a content bound into the sandbox, ask a hardware key", async () => {
    const login = await twoDays('d26f-data@harbourline.example', [['GET', '/api/v1/namespaces/claims-prod/pods?labelSelector=app%3Dclaims-db'], ['GET', '/api/v1/namespaces/claims-prod/persistentvolumeclaims?limit=500'], ['GET', '/apis/batch/v1/namespaces/claims-etl-prod/jobs?limit=500']]);
    const snap = await send(login, WED + 7.16 * H, 'POST', '/apis/snapshot.storage.k8s.io/v1/namespaces/claims-prod/volumesnapshots?fieldManager=kubectl-create', { body: JSON.stringify(volumeSnapshot('claims-prod', 'claims-db-0-pre-maint', { persistentVolumeClaimName: 'data-claims-db-0' })) });
    expect(reasonOf(snap), rules(snap)).toBe('acr_insufficient');
    expect(rules(snap)).toContain('volume-snapshots');
    const content = await send(login, WED + 7.17 * H, 'POST', '/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents?fieldManager=kubectl-create', { body: JSON.stringify(snapshotContent('sandbox-restore-1', 'snap-0a1b2c3d4e5f60718', 'data-sandbox', 'claims-copy')) });
    expect(reasonOf(content), rules(content)).toBe('acr_insufficient');
    expect(rules(content)).toContain('volume-snapshots');
  });

  // Was allowed (day 26, every seed, both ways): malware on the platform engineer's laptop
  // replaces the access broker's leader-election Lease with a year-long hold by a holder no
  // replica has, so the broker's replicas wait and no just-in-time grant expires. The engineer
  // reads that Lease most days; nothing asked for its write. The write's year-long
  // leaseDurationSeconds is lease_held (a hardware key within 5 minutes); reading it, and Leases
  // written with an election's own duration, stay routine.
  it("the access broker's Lease held for a year by a holder that does not exist asks a hardware key; reading it does not", async () => {
    const lease = '/apis/coordination.k8s.io/v1/namespaces/access-broker/leases/access-broker-controller';
    const login = await twoDays('d26f-platform@harbourline.example', [['GET', '/api/v1/nodes'], ['GET', '/api/v1/namespaces/access-broker/pods?limit=500'], ['GET', lease]], { ua: KUBECTL('linux/amd64') });
    const read = await send(login, WED + 3.5 * H, 'GET', lease, { ua: KUBECTL('linux/amd64') });
    expect(reasonOf(read), rules(read)).toBe('allowed');
    const res = await send(login, WED + 3.51 * H, 'PUT', `${lease}?fieldManager=kubectl-replace`, { ua: KUBECTL('linux/amd64'), body: JSON.stringify(heldLease('access-broker', 'access-broker-controller', WED + 3.5 * H)) });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:lease_held');
  });

  // Open: malware on a claims engineer's laptop creates a just-in-time access request for
  // policy-admin-prod with the broker's kubectl plugin, and approves it with the same token (the
  // status subresource; the approvers' role is every engineer's). The on-call approves the
  // vendor's requests the same way every morning, so the approval's request line is routine;
  // what is wrong is who approves whose request, which the broker's objects say and stepgate does
  // not judge. The namespace's Secrets, once the grant is bound, are refused
  // (unfamiliar_namespace): the row is stopped one request late. What would close it: the broker
  // itself refusing an approval whose author (the API server's userInfo, in an admission
  // webhook) is the requester; or, at the gateway, a site rule on the broker's `status` writes
  // asking a recent hardware-key sign-in (every approval would pay it).
  it.fails('a just-in-time access request approved by the token that made it is not allowed', async () => {
    const login = await twoDays('d26f-claims-jit@harbourline.example', claimsCalls);
    const name = 'claims-jit-1';
    const created = await send(login, WED + 7.5 * H, 'POST', BROKER, { ua: ACCESS_PLUGIN('darwin/arm64'), body: JSON.stringify(accessRequest(name, 'd26f-claims-jit@harbourline.example', 'policy-admin-prod', 'support-operator', 240, 'INC-4471 follow-up')) });
    expect(reasonOf(created), rules(created)).toBe('allowed');
    const approved = await send(login, WED + 7.51 * H, 'PATCH', `${BROKER}/${name}/status`, { ua: ACCESS_PLUGIN('darwin/arm64'), body: approval('d26-oncall@harbourline.example'), contentType: MERGE });
    expect(reasonOf(approved), rules(approved)).not.toBe('allowed');
  });

  // Closed on the site copy since session 51 (workday26.ts SITE, APPROVALS_RULE): an approval (a
  // write of an AccessRequest's status) weighs as a sensitive action asking two factors within a
  // working day, so the working set's signals see it. The claims engineer never approved, nor
  // worked in access-requests: asked a sign-in made after it (unfamiliar_namespace). The on-call,
  // who approves every morning, is not asked at the second day's approval.
  it("on the site copy, the approval by the claims laptop's token is asked; the on-call's routine approval is not", async () => {
    const login = await site.twoDays('d26f-claims-jit-b@harbourline.example', claimsCalls);
    const name = 'claims-jit-2';
    const created = await site.send(login, WED + 7.5 * H, 'POST', BROKER, { ua: ACCESS_PLUGIN('darwin/arm64'), body: JSON.stringify(accessRequest(name, 'd26f-claims-jit-b@harbourline.example', 'policy-admin-prod', 'support-operator', 240, 'INC-4471 follow-up')) });
    expect(reasonOf(created), rules(created)).toBe('allowed');
    const approved = await site.send(login, WED + 7.51 * H, 'PATCH', `${BROKER}/${name}/status`, { ua: ACCESS_PLUGIN('darwin/arm64'), body: approval('d26-oncall@harbourline.example'), contentType: MERGE });
    expect(reasonOf(approved), rules(approved)).toBe('auth_too_old');
    expect(rules(approved)).toContain('access-approvals');
    // The on-call: the vendor's request read and approved from the office both mornings.
    const oncall = 'd26f-oncall-b@harbourline.example';
    const o = { source: LDN_OFFICE(22), ua: ACCESS_PLUGIN('darwin/arm64') };
    const steps = (day: string): Step[] => [
      ['GET', `${BROKER}?fieldSelector=status.state%3DPending`],
      ['GET', `${BROKER}/vendor-${day}`],
      ['PATCH', `${BROKER}/vendor-${day}/status`, approval(oncall), MERGE],
    ];
    const mine = await site.twoDays(oncall, steps('tue'), o);
    for (const [method, path, body, contentType] of steps('wed')) {
      const res = await site.send(mine, WED + 1.9 * H, method, path, { ...o, ...(body === undefined ? {} : { body, contentType }) });
      expect(reasonOf(res), rules(res)).toBe('allowed');
    }
  });
});
