import { describe, expect, it } from 'vitest';
import { reasonOf, riskContextOf as contextOf } from '../support/grpc-client.js';
import { exampleServiceForFile } from '../support/workday-service.js';
import { findingRequests, rules, signIn, type Step } from '../support/findings.js';
import type { Login } from '../support/workday.js';
import { ACK, adminRole, API, CLAIM, deleteInstance, ESO, INVOICES, KUBECTL, LISBON_HOTEL, LISBON_PROXY, movedClaim, OFFICE, openKey, openSg, otherTeamsSecret, policyDoc, PROD, publicBucket, PY_CLIENT, RDS_INSTANCE, repointedStore, SECRET, SITE, STAGING, VPS } from '../support/workday48.js';

/**
 * What the forty-eighth replayed day (test/support/workday48.ts, docs/risk.md "Day 48") found,
 * through the real gRPC server running the site's copy of the example (`SITE`: ACK's KMS group in
 * cloud-identity-objects, the platform's claims in prod-durable-deletes) on a virtual clock: a
 * platform team that runs its cloud infrastructure as Kubernetes resources. Each test is one
 * person's routine, then the finding. The open ones are `it.fails`, with a one-line why.
 */

const [THU, FRI] = [20, 21].map((d) => Date.UTC(2028, 0, d, 9, 0, 0)) as [number, number];
const [H, M] = [3_600_000, 60_000];
const LINUX_KUBECTL = KUBECTL('linux/amd64');
const MAC_KUBECTL = KUBECTL('darwin/arm64');
const MERGE = 'application/merge-patch+json';
const key = (sub: string, at: number): Login => ({ sub, sid: `${sub}:${at}`, authTime: Math.floor(at / 1000), acr: 'urn:stepgate:aal3' });

/** A product engineer's day: pods, logs, claims, ACK buckets and ExternalSecrets of the team's production namespace, a claim's resize. */
const teamWork = (team: string): Step[] => [
  ['GET', `/api/v1/namespaces/${PROD(team)}/pods?limit=500`],
  ['GET', `/api/v1/namespaces/${PROD(team)}/pods/${team}-api-6x1dq/log?tailLines=500`],
  ['GET', `/apis/platform.haulwise.io/v1alpha1/namespaces/${PROD(team)}/postgresinstances`],
  ['GET', ACK('s3', PROD(team), 'buckets')],
  ['GET', ESO(PROD(team), 'externalsecrets')],
  ['PATCH', CLAIM(PROD(team), 'postgresinstances', `${team}-db`), JSON.stringify({ spec: { parameters: { storageGB: 320 } } }), MERGE],
];
/** A platform engineer's reads: composites, managed instances, buckets, Compositions, the provider's log. */
const platWork: Step[] = [
  ['GET', '/apis/platform.haulwise.io/v1alpha1/xpostgresinstances?limit=500'],
  ['GET', '/apis/rds.aws.upbound.io/v1beta1/instances?limit=500'],
  ['GET', '/apis/s3.services.k8s.aws/v1alpha1/buckets?limit=500'],
  ['GET', '/apis/apiextensions.crossplane.io/v1/compositions?limit=500'],
  ['GET', `/api/v1/namespaces/${PROD('billing')}/events?limit=500`],
];

describe('a platform team that runs its cloud infrastructure as Kubernetes resources', () => {
  const s = exampleServiceForFile({ edit: SITE });
  const { send, routine } = findingRequests(s, { host: API, source: OFFICE, ua: MAC_KUBECTL, firstDay: THU, secondDay: FRI });
  /** The first request from a network never proven for `sub` is asked (new_network); the sign-in made then. */
  const arrive = async (sub: string, at: number, source: string, mk: (sub: string, at: number) => Login, ua = MAC_KUBECTL): Promise<Login> => {
    expect(contextOf(await send(mk(sub, at - H), at, 'GET', '/api/v1/namespaces?limit=500', { source, ua }))).toBe('new_network');
    return mk(sub, at + 30_000);
  };

  // Held (request 1 both ways): billing-1's token from a VPS with the Python client (new_network),
  // and since day 48 cloud_resource_exposed at the bucket's policy from any context: a '*'
  // principal and the public access block lifted ask a hardware key within 5 minutes.
  it("a stolen token's public bucket policy is asked, by the network and by the guardrail", async () => {
    const sub = 'd48f-billing-1@haulwise.example';
    await routine(signIn(sub, THU - 40_000), THU, teamWork('billing'), {});
    const login = await arrive(sub, FRI - 2 * H, '91.64.201.48', signIn);
    await routine(login, FRI - 2 * H + 30_000, teamWork('billing').slice(0, 3), { source: '91.64.201.48' });
    const res = await send(login, FRI + 4.2 * H, 'PATCH', ACK('s3', PROD('billing'), 'buckets', INVOICES), { body: publicBucket, contentType: MERGE, source: VPS, ua: PY_CLIENT });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
    expect(rules(res)).toContain('guardrail:cloud_resource_exposed');
    // The same patch from billing-1's own laptop and hotel, on the sign-in of the hour: the guardrail alone.
    const own = await send(signIn(sub, FRI + 4.1 * H), FRI + 4.2 * H, 'PATCH', ACK('s3', PROD('billing'), 'buckets', INVOICES), { body: publicBucket, contentType: MERGE, source: '91.64.201.48' });
    expect(reasonOf(own), rules(own)).toBe('acr_insufficient');
    expect(rules(own)).toContain('guardrail:cloud_resource_exposed');
    expect(reasonOf(await send(signIn(sub, FRI + 4.3 * H), FRI + 4.31 * H, 'GET', SECRET(PROD('billing'), 'orders-db-conn'), { source: VPS, ua: PY_CLIENT }))).not.toBe('allowed');
  });

  // Closed by cloud_resource_exposed (was allowed in the role's own namespace): malware on plat-1's
  // laptop eight minutes after the IRSA ticket's hardware-key sign-in, which meets
  // cloud-identity-objects' 15 minutes. AdministratorAccess and an allow-all statement are the
  // guardrail's (a hardware key within 5 minutes); the KMS key opened to '*' too.
  it("malware riding the IRSA ticket's hardware-key sign-in is asked at AdministratorAccess and a key opened to '*'", async () => {
    const sub = 'd48f-plat-1@haulwise.example';
    await routine(key(sub, THU - 40_000), THU, platWork, { ua: LINUX_KUBECTL });
    await routine(key(sub, FRI - 40_000), FRI, platWork, { ua: LINUX_KUBECTL });
    const ticket = key(sub, FRI + 1.5 * H);
    const irsa = JSON.stringify({ spec: { policies: ['arn:aws:iam::210987654321:policy/haulwise-assets-read'] } });
    expect(reasonOf(await send(ticket, FRI + 1.5 * H + 30_000, 'PATCH', ACK('iam', PROD('tracking'), 'roles', 'tracking-api-irsa'), { body: irsa, contentType: MERGE, ua: LINUX_KUBECTL }))).toBe('allowed');
    const admin = await send(ticket, FRI + 1.5 * H + 8 * M, 'PATCH', ACK('iam', PROD('tracking'), 'roles', 'tracking-api-irsa'), { body: adminRole, contentType: MERGE, ua: LINUX_KUBECTL });
    expect(reasonOf(admin), rules(admin)).toBe('auth_too_old');
    expect(rules(admin)).toContain('guardrail:cloud_resource_exposed');
    const kms = await send(ticket, FRI + 1.5 * H + 9 * M, 'PATCH', ACK('kms', PROD('billing'), 'keys', 'billing-data'), { body: openKey, contentType: MERGE, ua: LINUX_KUBECTL });
    expect(rules(kms)).toContain('guardrail:cloud_resource_exposed');
  });

  // Open: the same ride, trusting an outside AWS account without any admin policy: the role keeps
  // its permissions and another account may assume it. cloud-identity-objects' 15 minutes are met
  // by the ticket's sign-in; no setting lists the site's own AWS accounts, so nothing reads the
  // trust policy's principal as foreign.
  it.fails("malware adding an outside account to an IRSA role's trust policy on the ticket's sign-in", async () => {
    const sub = 'd48f-plat-1b@haulwise.example';
    await routine(key(sub, THU - 40_000), THU, platWork, { ua: LINUX_KUBECTL });
    const ticket = key(sub, FRI + 1.5 * H);
    await routine(ticket, FRI + 1.5 * H, platWork.slice(0, 1), { ua: LINUX_KUBECTL });
    const irsa = JSON.stringify({ spec: { policies: ['arn:aws:iam::210987654321:policy/haulwise-assets-read'] } });
    expect(reasonOf(await send(ticket, FRI + 1.5 * H + 40_000, 'PATCH', ACK('iam', PROD('tracking'), 'roles', 'tracking-api-irsa'), { body: irsa, contentType: MERGE, ua: LINUX_KUBECTL }))).toBe('allowed');
    const trust = JSON.stringify({ spec: { assumeRolePolicyDocument: policyDoc([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' }]) } });
    const res = await send(ticket, FRI + 1.5 * H + 8 * M, 'PATCH', ACK('iam', PROD('tracking'), 'roles', 'tracking-api-irsa'), { body: trust, contentType: MERGE, ua: LINUX_KUBECTL });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Closed by cloud_resource_exposed (was allowed, every seed both ways: tracking-1's own laptop,
  // office and claim, the morning's sign-in meets prod-writes' 8 hours): tracking-db's security
  // group opened to 0.0.0.0/0 on 5432 needs a hardware key within 5 minutes.
  it("malware on an engineer's laptop opening the database's security group to 0.0.0.0/0 is asked", async () => {
    const sub = 'd48f-tracking-1@haulwise.example';
    await routine(signIn(sub, THU - 40_000), THU, teamWork('tracking'), {});
    const login = signIn(sub, FRI - 40_000);
    await routine(login, FRI, teamWork('tracking'), {});
    const res = await send(login, FRI + 2.1 * H, 'PATCH', ACK('ec2', PROD('tracking'), 'securitygroups', 'tracking-db-sg'), { body: openSg, contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('acr_insufficient');
    expect(rules(res)).toContain('guardrail:cloud_resource_exposed');
  });

  // Open (request 2 of the row, after the security group is asked): the same malware moves the
  // claim to the dev Composition that makes a publicly accessible, unencrypted instance. A claim is
  // the site's own kind (platform.haulwise.io): what its compositionRef makes, stepgate does not see.
  it.fails("the same malware moving the production claim to another Composition", async () => {
    const sub = 'd48f-tracking-1b@haulwise.example';
    await routine(signIn(sub, THU - 40_000), THU, teamWork('tracking'), {});
    const login = signIn(sub, FRI - 40_000);
    await routine(login, FRI, teamWork('tracking'), {});
    const res = await send(login, FRI + 2.1 * H, 'PATCH', CLAIM(PROD('tracking'), 'postgresinstances', 'tracking-db'), { body: movedClaim, contentType: MERGE });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Held (request 1 both ways): plat-2's kubelogin refresh token from a Lisbon residential proxy:
  // the morning's sign-in and plat-2's kubectl, another address (new_network); the ClusterSecretStore
  // is cluster-add-on-objects' (refused at the high band the first ask left).
  it("a copied kubelogin cache from another Lisbon address is asked at an ExternalSecret and the ClusterSecretStore", async () => {
    const sub = 'd48f-plat-2@haulwise.example';
    await routine(key(sub, THU - 40_000), THU, platWork, {});
    const login = await arrive(sub, FRI - H, LISBON_HOTEL, key);
    await routine(login, FRI - H + 30_000, platWork, { source: LISBON_HOTEL });
    const es = await send(login, FRI + 7.3 * H, 'POST', ESO(PROD('routing'), 'externalsecrets'), { body: otherTeamsSecret, source: LISBON_PROXY });
    expect(reasonOf(es), rules(es)).toBe('auth_too_old');
    expect(contextOf(es)).toBe('new_network');
    const store = await send(login, FRI + 7.3 * H + 30_000, 'PATCH', '/apis/external-secrets.io/v1/clustersecretstores/aws-secrets-manager', { body: repointedStore, contentType: MERGE, source: LISBON_PROXY });
    // The first request's ask raised the band: cluster-add-on-objects refuses at high.
    expect(reasonOf(store), rules(store)).toBe('risk_deny');
    expect(rules(store)).toContain('cluster-add-on-objects');
  });

  // Open (not a replayed row): an ExternalSecret in routing's own production namespace reading
  // billing's Stripe key through the one ClusterSecretStore, from routing-1's laptop within 15
  // minutes of a sign-in: secret-sync-objects' two factors are met, and the path names no
  // environment secret_store_production_path reads (production to production). Which team owns
  // which Secrets Manager path is the store's matter (a SecretStore per namespace, or the
  // ClusterSecretStore's `conditions`); stepgate has no list of it.
  it.fails("an ExternalSecret reading another team's secret from the engineer's own laptop and fresh sign-in", async () => {
    const sub = 'd48f-routing-1@haulwise.example';
    await routine(signIn(sub, THU - 40_000), THU, teamWork('routing'), {});
    const login = signIn(sub, FRI + 3 * H);
    await routine(login, FRI + 3 * H, teamWork('routing'), {});
    const res = await send(login, FRI + 3 * H + 10 * M, 'POST', ESO(PROD('routing'), 'externalsecrets'), { body: otherTeamsSecret });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Closed by cloud_resource_exposed (was allowed, every seed both ways): malware on the on-call's
  // laptop at 02:44, nine minutes after the hardware-key sign-in the night's pause asked for, sets
  // the managed RDS Instance to be deleted with no final snapshot: a patch taking deletion
  // protection away, a hardware key within 5 minutes.
  it("the on-call's malware taking the orders database's deletion protection away is asked", async () => {
    const sub = 'd48f-plat-3@haulwise.example';
    await routine(key(sub, THU - 40_000), THU, platWork, { ua: LINUX_KUBECTL });
    const night = FRI - 9 * H + 2.2 * H;
    const paged = await arrive(sub, night, '77.172.40.9', key, LINUX_KUBECTL);
    await routine(paged, night + 30_000, platWork, { ua: LINUX_KUBECTL, source: '77.172.40.9' });
    const pause = key(sub, night + 22 * M);
    expect(reasonOf(await send(pause, night + 22 * M + 20_000, 'PATCH', RDS_INSTANCE('orders-db-7k2qx-4hd9m'), { body: JSON.stringify({ metadata: { annotations: { 'crossplane.io/paused': 'true' } } }), contentType: MERGE, ua: LINUX_KUBECTL, source: '77.172.40.9' }))).toBe('allowed');
    const res = await send(pause, night + 31 * M, 'PATCH', RDS_INSTANCE('orders-db-7k2qx-4hd9m'), { body: deleteInstance, contentType: MERGE, ua: LINUX_KUBECTL, source: '77.172.40.9' });
    expect(reasonOf(res), rules(res)).toBe('auth_too_old');
    expect(rules(res)).toContain('guardrail:cloud_resource_exposed');
  });

  // Open: the same malware deleting the claim outright. Crossplane's default deletionPolicy is
  // Delete, so a managed resource created without `Orphan` needs no patch first: the delete of
  // the claim deletes the RDS instance. prod-durable-deletes (the site's claims) asks two factors
  // within 15 minutes, which the on-call's 02:34 sign-in meets. The fix is the platform's
  // (deletionPolicy: Orphan and RDS deletion protection on production's managed resources).
  it.fails("the on-call's malware deleting the production database claim nine minutes after the night's sign-in", async () => {
    const sub = 'd48f-plat-3b@haulwise.example';
    await routine(key(sub, THU - 40_000), THU, platWork, { ua: LINUX_KUBECTL });
    const night = FRI - 9 * H + 2.2 * H;
    await routine(await arrive(sub, night, '77.172.40.9', key, LINUX_KUBECTL), night + 30_000, platWork, { ua: LINUX_KUBECTL, source: '77.172.40.9' });
    const pause = key(sub, night + 22 * M);
    const res = await send(pause, night + 31 * M, 'DELETE', CLAIM(PROD('billing'), 'postgresinstances', 'orders-db'), { ua: LINUX_KUBECTL, source: '77.172.40.9' });
    expect(reasonOf(res), rules(res)).not.toBe('allowed');
  });

  // Routine (every seed): a claim's storage raised in staging, and Backstage's scaffolder creating
  // a dev namespace and its claims, ask nothing of the guardrail (a site's own claims are not read).
  it("a staging claim's resize passes", async () => {
    const sub = 'd48f-billing-2@haulwise.example';
    await routine(signIn(sub, THU - 40_000), THU, teamWork('billing'), {});
    const login = signIn(sub, FRI - 40_000);
    const res = await send(login, FRI + H, 'PATCH', CLAIM(STAGING('billing'), 'postgresinstances', 'billing-db'), { body: JSON.stringify({ spec: { parameters: { storageGB: 40 } } }), contentType: MERGE });
    expect(reasonOf(res), rules(res)).toBe('allowed');
  });
});
