import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { adminRole, deleteInstance, openKey, openSg, policyDoc, publicBucket } from '../support/workday48.js';
import { guardSettings, kube, toYaml } from '../support/guardrails.js';

/**
 * cloud_resource_exposed (src/guardrails/rules/cloud-exposure.ts): a cloud controller's object
 * (ACK, Crossplane's Upbound providers, Config Connector, Azure Service Operator) that opens its
 * cloud resource to anyone, makes an identity an administrator, or, in a patch, takes away what
 * keeps a delete from destroying data. Day 48's attack bodies and its routine's.
 */

const settings = guardSettings();
const codes = (r: GuardrailResult) => [...new Set(r.violations.map((v) => v.code))];
const MERGE = 'application/merge-patch+json';
const write = (method: string, path: string, body: unknown, type = 'application/json') => inspect(kube(method, path), type === 'application/yaml' ? toYaml(body) : typeof body === 'string' ? body : JSON.stringify(body), type, false, settings);
const ack = (svc: string, ns: string, plural: string, name = '') => `/apis/${svc}.services.k8s.aws/v1alpha1/namespaces/${ns}/${plural}${name ? `/${name}` : ''}`;
const X = ['cloud_resource_exposed'];

describe('cloud_resource_exposed', () => {
  it("is a Bucket's policy opened to '*' and its public access block lifted (day 48's stolen token)", () => {
    expect(codes(write('PATCH', ack('s3', 'billing-prod', 'buckets', 'billing-invoices'), publicBucket, MERGE))).toEqual(X);
    const aws = JSON.stringify({ spec: { policy: policyDoc([{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::210987654321:root', '*'] }, Action: 's3:*', Resource: '*' }]) } });
    expect(codes(write('PATCH', ack('s3', 'billing-prod', 'buckets', 'b'), aws, MERGE))).toEqual(X);
    const upbound = { apiVersion: 's3.aws.upbound.io/v1beta1', kind: 'BucketPolicy', metadata: { name: 'b' }, spec: { forProvider: { bucket: 'b', policy: policyDoc([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }]) } } };
    expect(codes(write('POST', '/apis/s3.aws.upbound.io/v1beta1/bucketpolicies', upbound, 'application/yaml'))).toEqual(X);
    const acl = { apiVersion: 's3.aws.upbound.io/v1beta1', kind: 'BucketACL', metadata: { name: 'b' }, spec: { forProvider: { bucket: 'b', acl: 'public-read' } } };
    expect(codes(write('POST', '/apis/s3.aws.upbound.io/v1beta1/bucketacls', acl))).toEqual(X);
    const gcs = { apiVersion: 'iam.cnrm.cloud.google.com/v1beta1', kind: 'IAMPolicyMember', metadata: { name: 'm', namespace: 'assets' }, spec: { member: 'allUsers', role: 'roles/storage.objectViewer', resourceRef: { kind: 'StorageBucket', name: 'assets' } } };
    expect(codes(write('POST', '/apis/iam.cnrm.cloud.google.com/v1beta1/namespaces/assets/iampolicymembers', gcs))).toEqual(X);
  });

  it("is a Role given AdministratorAccess or an allow-everything statement, and a KMS key opened to '*' (day 48's malware)", () => {
    expect(codes(write('PATCH', ack('iam', 'platform-iam', 'roles', 'platform-deployer'), adminRole, MERGE))).toEqual(X);
    expect(codes(write('PATCH', ack('kms', 'billing-prod', 'keys', 'billing-data'), openKey, MERGE))).toEqual(X);
    const inline = JSON.stringify({ spec: { policyDocument: policyDoc([{ Effect: 'Allow', Action: '*', Resource: '*' }]) } });
    expect(codes(write('PATCH', ack('iam', 'tracking-prod', 'policies', 'p'), inline, MERGE))).toEqual(X);
    const owner = { apiVersion: 'iam.cnrm.cloud.google.com/v1beta1', kind: 'IAMPolicyMember', metadata: { name: 'm' }, spec: { member: 'user:someone@gmail.com', role: 'roles/owner', resourceRef: { kind: 'Project', external: 'projects/haulwise-prod' } } };
    expect(codes(write('POST', '/apis/iam.cnrm.cloud.google.com/v1beta1/namespaces/config-control/iampolicymembers', owner))).toEqual(X);
  });

  it("is a security group opened to 0.0.0.0/0 on a database port (day 48's second malware), in ACK's, Upbound's, Google's and Azure's shapes", () => {
    expect(codes(write('PATCH', ack('ec2', 'tracking-prod', 'securitygroups', 'tracking-db-sg'), openSg, MERGE))).toEqual(X);
    // JSON patches: a rule appended, and one range of a stored rule replaced (its ports unseen: judged as any port).
    const JP = 'application/json-patch+json';
    expect(codes(write('PATCH', ack('ec2', 'tracking-prod', 'securitygroups', 'db'), [{ op: 'add', path: '/spec/ingressRules/-', value: { ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: [{ cidrIP: '0.0.0.0/0' }] } }], JP))).toEqual(X);
    expect(codes(write('PATCH', ack('ec2', 'tracking-prod', 'securitygroups', 'db'), [{ op: 'replace', path: '/spec/ingressRules/0/ipRanges/0/cidrIP', value: '0.0.0.0/0' }], JP))).toEqual(X);
    const rule = { apiVersion: 'ec2.aws.upbound.io/v1beta1', kind: 'SecurityGroupIngressRule', metadata: { name: 'r' }, spec: { forProvider: { securityGroupId: 'sg-1', ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '0.0.0.0/0' } } };
    expect(codes(write('POST', '/apis/ec2.aws.upbound.io/v1beta1/securitygroupingressrules', rule))).toEqual(X);
    const all = { spec: { forProvider: { type: 'ingress', protocol: '-1', fromPort: 0, toPort: 0, ipv6CidrBlocks: ['::/0'] } } };
    expect(codes(write('PATCH', '/apis/ec2.aws.upbound.io/v1beta1/securitygrouprules/r', all, MERGE))).toEqual(X);
    const fw = { apiVersion: 'compute.cnrm.cloud.google.com/v1beta1', kind: 'ComputeFirewall', metadata: { name: 'f' }, spec: { networkRef: { name: 'n' }, allow: [{ protocol: 'tcp', ports: ['22'] }], sourceRanges: ['0.0.0.0/0'] } };
    expect(codes(write('POST', '/apis/compute.cnrm.cloud.google.com/v1beta1/namespaces/net/computefirewalls', fw))).toEqual(X);
    const nsg = { apiVersion: 'network.azure.com/v1api20201101', kind: 'NetworkSecurityGroupsSecurityRule', metadata: { name: 'ssh' }, spec: { access: 'Allow', direction: 'Inbound', protocol: 'Tcp', priority: 100, sourceAddressPrefix: '*', destinationPortRange: '22' } };
    expect(codes(write('POST', '/apis/network.azure.com/v1api20201101/namespaces/net/networksecuritygroupssecurityrules', nsg))).toEqual(X);
  });

  it('is deletion protection taken away by a patch of a managed resource (the night row)', () => {
    expect(codes(write('PATCH', '/apis/rds.aws.upbound.io/v1beta1/instances/orders-db-7k2qx-4hd9m', deleteInstance, MERGE))).toEqual(X);
    const ackDel = JSON.stringify({ metadata: { annotations: { 'services.k8s.aws/deletion-policy': 'delete' } } });
    expect(codes(write('PATCH', ack('rds', 'billing-prod', 'dbinstances', 'orders'), ackDel, MERGE))).toEqual(X);
    const jsonPatch = [{ op: 'replace', path: '/spec/deletionPolicy', value: 'Delete' }];
    expect(codes(write('PATCH', '/apis/rds.aws.upbound.io/v1beta1/instances/orders', jsonPatch, 'application/json-patch+json'))).toEqual(X);
  });

  it("is nothing for day 48's routine and the everyday shapes beside the attacks", () => {
    // plat-1's IRSA ticket, plat-3's pause, a Composition's JSON patch, a conditioned '*' principal.
    const irsa = JSON.stringify({ spec: { policies: ['arn:aws:iam::210987654321:policy/haulwise-assets-read', 'arn:aws:iam::210987654321:policy/tracking-queue-rw'] } });
    expect(codes(write('PATCH', ack('iam', 'tracking-prod', 'roles', 'tracking-api-irsa'), irsa, MERGE))).toEqual([]);
    expect(codes(write('PATCH', '/apis/rds.aws.upbound.io/v1beta1/instances/orders', { metadata: { annotations: { 'crossplane.io/paused': 'true' } } }, MERGE))).toEqual([]);
    expect(codes(write('PATCH', '/apis/apiextensions.crossplane.io/v1/compositions/x', [{ op: 'replace', path: '/spec/resources/0/base/spec/forProvider/instanceClass', value: 'db.t4g.medium' }], 'application/json-patch+json'))).toEqual([]);
    const vpce = JSON.stringify({ spec: { policy: policyDoc([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b' } } }]) } });
    expect(codes(write('PATCH', ack('s3', 'billing-prod', 'buckets', 'b'), vpce, MERGE))).toEqual([]);
    const deny = JSON.stringify({ spec: { policy: policyDoc([{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }]) } });
    expect(codes(write('PATCH', ack('s3', 'billing-prod', 'buckets', 'b'), deny, MERGE))).toEqual([]);
    // The key policy's usual root statement (kms:* on *), a public load balancer's 443, egress to anywhere.
    const root = JSON.stringify({ spec: { policy: policyDoc([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'kms:*', Resource: '*' }]) } });
    expect(codes(write('PATCH', ack('kms', 'billing-prod', 'keys', 'k'), root, MERGE))).toEqual([]);
    const lb = JSON.stringify({ spec: { ingressRules: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, ipRanges: [{ cidrIP: '0.0.0.0/0' }] }], egressRules: [{ ipProtocol: '-1', ipRanges: [{ cidrIP: '0.0.0.0/0' }] }] } });
    expect(codes(write('PATCH', ack('ec2', 'edge-prod', 'securitygroups', 'alb'), lb, MERGE))).toEqual([]);
    // A new managed resource with Crossplane's default deletionPolicy, and a closed public access block.
    const created = { apiVersion: 'rds.aws.upbound.io/v1beta1', kind: 'Instance', metadata: { name: 'n' }, spec: { deletionPolicy: 'Delete', forProvider: { region: 'eu-west-1', skipFinalSnapshot: true } } };
    expect(codes(write('POST', '/apis/rds.aws.upbound.io/v1beta1/instances', created))).toEqual([]);
    const closed = JSON.stringify({ spec: { publicAccessBlock: { blockPublicACLs: true, blockPublicPolicy: true, ignorePublicACLs: true, restrictPublicBuckets: true } } });
    expect(codes(write('PATCH', ack('s3', 'billing-prod', 'buckets', 'b'), closed, MERGE))).toEqual([]);
    // The same body in a group that is not a cloud controller's (a site's own claim) is not read.
    expect(codes(write('PATCH', '/apis/platform.haulwise.io/v1alpha1/namespaces/billing-prod/objectbuckets/b', publicBucket, MERGE))).toEqual([]);
  });

  it('judges a body it cannot read as unreadable', () => {
    const r = inspect(kube('PATCH', ack('s3', 'billing-prod', 'buckets', 'b')), '{"spec": {"policy": ', MERGE, false, settings);
    expect(r.unreadable).toBe('body_unreadable');
  });
});
