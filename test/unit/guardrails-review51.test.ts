import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { isOpenRange } from '../../src/guardrails/rules/cloud-exposure.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * review51 (issue #12): cloud_resource_exposed and secret_source_other_namespace in the spellings
 * their first rows left out. Each `fires` row was allowed before the fix (no code at all); the
 * `quiet` rows are the routine shapes beside them, which must stay silent.
 */

const settings = guardSettings();
const MERGE = 'application/merge-patch+json';
const JP = 'application/json-patch+json';
const codes = (m: string, p: string, b: unknown, t = 'application/json') => [...new Set(inspect(kube(m, p), typeof b === 'string' ? b : JSON.stringify(b), t, false, settings).violations.map((v) => v.code))];
const pol = (s: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: s });
const ACK_BUCKET = '/apis/s3.services.k8s.aws/v1alpha1/namespaces/billing/buckets/b';
const ACK_SG = '/apis/ec2.services.k8s.aws/v1alpha1/namespaces/tracking/securitygroups/db';
const sgRanges = (ipRanges: unknown, ipv6Ranges: unknown = undefined) => ({ spec: { ingressRules: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges, ipv6Ranges }] } });
const nsg = (rule: Record<string, unknown>) => ({ kind: 'NetworkSecurityGroupsSecurityRule', metadata: { name: 's' }, spec: { access: 'Allow', direction: 'Inbound', protocol: 'Tcp', priority: 100, ...rule } });
const NSG = '/apis/network.azure.com/v1api20201101/namespaces/net/networksecuritygroupssecurityrules';
const gcpFw = (sourceRanges: string[], ports = ['22']) => ({ apiVersion: 'compute.gcp.upbound.io/v1beta1', kind: 'Firewall', metadata: { name: 'f' }, spec: { forProvider: { network: 'n', allow: [{ protocol: 'tcp', ports }], sourceRanges } } });
const X = ['cloud_resource_exposed'];
const S = ['secret_source_other_namespace'];

describe('review51: cloud_resource_exposed in other spellings', () => {
  const fires: [string, string, string, unknown, string?][] = [
    ["Upbound's Google Firewall (sourceRanges under forProvider)", 'POST', '/apis/compute.gcp.upbound.io/v1beta1/firewalls', gcpFw(['0.0.0.0/0'])],
    ["an Azure security rule's sourceAddressPrefixes list", 'POST', NSG, nsg({ sourceAddressPrefixes: ['10.0.0.0/8', '0.0.0.0/0'], destinationPortRange: '22' })],
    ['an Azure rule open on 443 and 22 (destinationPortRanges)', 'POST', NSG, nsg({ sourceAddressPrefix: 'Internet', destinationPortRanges: ['443', '22'] })],
    ["a '*' statement under an empty Condition", 'PATCH', ACK_BUCKET, { spec: { policy: pol([{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*', Condition: {} }]) } }, MERGE],
    ['a Condition operator that tests no key', 'PATCH', ACK_BUCKET, { spec: { policy: pol([{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: {} } }]) } }, MERGE],
    ['NotAction on every resource', 'PATCH', '/apis/iam.services.k8s.aws/v1alpha1/namespaces/p/policies/p', { spec: { policyDocument: pol([{ Effect: 'Allow', NotAction: 'iam:DeleteRole', Resource: '*' }]) } }, MERGE],
    ['every action on NotResource', 'PATCH', '/apis/iam.services.k8s.aws/v1alpha1/namespaces/p/policies/p', { spec: { policyDocument: pol([{ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::audit/*' }]) } }, MERGE],
    ['a policy string spelling Statement with a \\u escape', 'PATCH', ACK_BUCKET, { spec: { policy: '{"St\\u0061tement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}' } }, MERGE],
    ['the internet in two halves (0.0.0.0/1, 128.0.0.0/1)', 'PATCH', ACK_SG, sgRanges([{ cidrIP: '0.0.0.0/1' }, { cidrIP: '128.0.0.0/1' }]), MERGE],
    ['::/0 spelled 0::0/0', 'PATCH', ACK_SG, sgRanges(undefined, [{ cidrIPv6: '0::0/0' }]), MERGE],
    ["IPv6's whole global unicast (2000::/3)", 'PATCH', ACK_SG, sgRanges(undefined, [{ cidrIPv6: '2000::/3' }]), MERGE],
    ['an S3 grant to the AllUsers group (ACK grantRead)', 'PATCH', ACK_BUCKET, { spec: { grantRead: 'uri=http://acs.amazonaws.com/groups/global/AllUsers' } }, MERGE],
    ["an Upbound BucketACL grantee AuthenticatedUsers", 'POST', '/apis/s3.aws.upbound.io/v1beta1/bucketacls', { kind: 'BucketACL', metadata: { name: 'b' }, spec: { forProvider: { accessControlPolicy: [{ grant: [{ grantee: [{ type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }], permission: 'READ' }] }] } } }],
    ['the canned ACL authenticated-read (every AWS account)', 'PATCH', ACK_BUCKET, { spec: { acl: 'authenticated-read' } }, MERGE],
    ['a replace (PUT) without a final snapshot or deletion protection', 'PUT', '/apis/rds.aws.upbound.io/v1beta1/instances/db', { apiVersion: 'rds.aws.upbound.io/v1beta1', kind: 'Instance', metadata: { name: 'db' }, spec: { forProvider: { skipFinalSnapshot: true, deletionProtection: false } } }],
    ["a patch setting Crossplane's managementPolicies to '*' (Delete back on an orphaned resource)", 'PATCH', '/apis/rds.aws.upbound.io/v1beta1/instances/db', { spec: { managementPolicies: ['*'] } }, MERGE],
    ['a JSON patch adding Delete to managementPolicies', 'PATCH', '/apis/rds.aws.upbound.io/v1beta1/instances/db', [{ op: 'add', path: '/spec/managementPolicies/-', value: 'Delete' }], JP],
  ];
  for (const [what, m, p, b, t] of fires) it(`fires on ${what}`, () => expect(codes(m, p, b, t)).toEqual(X));

  const quiet: [string, string, string, unknown, string?][] = [
    ["a site's own 10.0.0.0/8 and a /16", 'PATCH', ACK_SG, sgRanges([{ cidrIP: '10.0.0.0/8' }, { cidrIP: '172.16.0.0/12' }], [{ cidrIPv6: 'fc00::/7' }]), MERGE],
    ['a Google firewall for 443 from anywhere', 'POST', '/apis/compute.gcp.upbound.io/v1beta1/firewalls', gcpFw(['0.0.0.0/0'], ['443'])],
    ['an Azure rule for 443 from the internet', 'POST', NSG, nsg({ sourceAddressPrefix: 'Internet', destinationPortRanges: ['443'] })],
    ['a statement with a real Condition', 'PATCH', ACK_BUCKET, { spec: { policy: pol([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } }]) } }, MERGE],
    ['a replace carrying the default deletionPolicy and managementPolicies back', 'PUT', '/apis/rds.aws.upbound.io/v1beta1/instances/db', { apiVersion: 'rds.aws.upbound.io/v1beta1', kind: 'Instance', metadata: { name: 'db' }, spec: { deletionPolicy: 'Delete', managementPolicies: ['*'], forProvider: { instanceClass: 'db.t4g.medium', skipFinalSnapshot: false } } }],
    ['a create with the default managementPolicies', 'POST', '/apis/rds.aws.upbound.io/v1beta1/instances', { kind: 'Instance', metadata: { name: 'db' }, spec: { managementPolicies: ['*'], forProvider: { instanceClass: 'db.t4g.micro' } } }],
  ];
  for (const [what, m, p, b, t] of quiet) it(`is quiet on ${what}`, () => expect(codes(m, p, b, t)).toEqual([]));

  it('reads a CIDR as a share of the internet, however it is spelled', () => {
    for (const open of ['0.0.0.0/0', ' 0.0.0.0/0 ', '000.0.0.0/00', '0.0.0.0/1', '128.0.0.0/1', '0/0', '::/0', '0::0/0', '0:0:0:0:0:0:0:0/0', '2000::/3', '::ffff:0.0.0.0/0']) expect(isOpenRange(open), open).toBe(true);
    for (const closed of ['10.0.0.0/8', '52.0.0.0/8', '192.168.0.0/16', 'fc00::/7', 'fe80::/10', '2001:db8::/32', 'sg-123', '']) expect(isOpenRange(closed), closed).toBe(false);
  });
});

describe('review51: secret_source_other_namespace carried by what writes the Secret', () => {
  const fires: [string, string, string, unknown, string?][] = [
    ["a Certificate whose secretTemplate offers its key pair to every namespace (Reflector)", 'POST', '/apis/cert-manager.io/v1/namespaces/prod/certificates', { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c' }, spec: { secretName: 's', issuerRef: { name: 'i' }, dnsNames: ['a.example'], secretTemplate: { annotations: { 'reflector.v1.k8s.emberstack.com/reflection-allowed': 'true', 'reflector.v1.k8s.emberstack.com/reflection-auto-enabled': 'true' } } } }],
    ["a merge patch of a Certificate's secretTemplate pushing it to dev-.* (replicator)", 'PATCH', '/apis/cert-manager.io/v1/namespaces/prod/certificates/c', { spec: { secretTemplate: { annotations: { 'replicator.v1.mittwald.de/replicate-to': 'dev-.*' } } } }, MERGE],
    ["an ExternalSecret whose target template pulls production's Secret", 'POST', '/apis/external-secrets.io/v1beta1/namespaces/dev/externalsecrets', { apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { secretStoreRef: { name: 's' }, target: { name: 't', template: { metadata: { annotations: { 'reflector.v1.k8s.emberstack.com/reflects': 'prod/stripe' } } } }, data: [] } }],
    ['a JSON patch of an ExternalSecret (v1) adding the pull', 'PATCH', '/apis/external-secrets.io/v1/namespaces/dev/externalsecrets/e', [{ op: 'add', path: '/spec/target/template/metadata/annotations', value: { 'replicator.v1.mittwald.de/replicate-from': 'prod/stripe' } }], JP],
    ['a ClusterExternalSecret pulling from a named namespace', 'POST', '/apis/external-secrets.io/v1beta1/clusterexternalsecrets', { kind: 'ClusterExternalSecret', metadata: { name: 'c' }, spec: { namespaceSelector: {}, externalSecretSpec: { target: { template: { metadata: { annotations: { 'replicator.v1.mittwald.de/replicate-from': 'prod/stripe' } } } } } } }],
    ["a SealedSecret's template pulling production's Secret", 'POST', '/apis/bitnami.com/v1alpha1/namespaces/dev/sealedsecrets', { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's' }, spec: { encryptedData: {}, template: { metadata: { annotations: { 'reflector.v1.k8s.emberstack.com/reflects': 'prod/stripe' } } } } }],
  ];
  for (const [what, m, p, b, t] of fires) it(`fires on ${what}`, () => expect(codes(m, p, b, t)).toEqual(S));

  const quiet: [string, string, string, unknown, string?][] = [
    ['a Certificate with template labels only', 'POST', '/apis/cert-manager.io/v1/namespaces/prod/certificates', { kind: 'Certificate', metadata: { name: 'c' }, spec: { secretName: 's', issuerRef: { name: 'i' }, dnsNames: ['a.example'], secretTemplate: { labels: { team: 'a' } } } }],
    ["an ExternalSecret pulling from its own namespace", 'POST', '/apis/external-secrets.io/v1beta1/namespaces/dev/externalsecrets', { kind: 'ExternalSecret', metadata: { name: 'e' }, spec: { target: { template: { metadata: { annotations: { 'reflector.v1.k8s.emberstack.com/reflects': 'dev/stripe' } } } } } }],
  ];
  for (const [what, m, p, b, t] of quiet) it(`is quiet on ${what}`, () => expect(codes(m, p, b, t)).toEqual([]));
});
