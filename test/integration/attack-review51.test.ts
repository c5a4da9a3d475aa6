import { describe, expect, it } from 'vitest';
import { builtServerForFile, checkEscalationRows, freshSubjects, kubectlSender, rules, type EscalationRow as Row, type EscalationState as State } from '../support/built-server.js';

/**
 * Session 51's review (review51, issue #12): cloud_resource_exposed (day 48) and
 * secret_source_other_namespace (day 49) attacked in the spellings their first rows left out,
 * black-box through the build `npm start` serves with the example site. Each row was allowed on
 * the laptop's fresh two-factor sign-in before the fix; the routine shapes beside them are not
 * refused by either guardrail. The shapes row by row are in test/unit/guardrails-review51.test.ts.
 */

const server = builtServerForFile('review51');
const subjects = freshSubjects(() => server().issuer, 'review51');
const send = kubectlSender(server, subjects);
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const ALL: State[] = ['stolen', 'remote', 'everyday', 'laptop'];
const BELOW_FRESH: State[] = ['stolen', 'remote', 'everyday'];

const gcpFirewall = (ports: string[]) => ({
  method: 'POST',
  path: '/apis/compute.gcp.upbound.io/v1beta1/firewalls',
  headers: JSON_CT,
  body: { apiVersion: 'compute.gcp.upbound.io/v1beta1', kind: 'Firewall', metadata: { name: 'db-debug' }, spec: { forProvider: { network: 'prod', allow: [{ protocol: 'tcp', ports }], sourceRanges: ['0.0.0.0/0'] } } },
});
const sgHalves = (ranges: string[]) => ({
  method: 'PATCH',
  path: '/apis/ec2.services.k8s.aws/v1alpha1/namespaces/tracking-prod/securitygroups/tracking-db-sg',
  headers: MERGE,
  body: { spec: { ingressRules: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: ranges.map((cidrIP) => ({ cidrIP })) }] } },
});
const bucketPolicy = (condition: unknown) => ({
  method: 'PATCH',
  path: '/apis/s3.services.k8s.aws/v1alpha1/namespaces/billing-prod/buckets/billing-invoices',
  headers: MERGE,
  body: { spec: { policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::billing-invoices/*', Condition: condition }] }) } },
});
const replaceDb = (forProvider: Record<string, unknown>) => ({
  method: 'PUT',
  path: '/apis/rds.aws.upbound.io/v1beta1/instances/orders-db',
  headers: JSON_CT,
  body: { apiVersion: 'rds.aws.upbound.io/v1beta1', kind: 'Instance', metadata: { name: 'orders-db' }, spec: { deletionPolicy: 'Delete', forProvider: { instanceClass: 'db.r6g.large', ...forProvider } } },
});
const certificate = (annotations: Record<string, string>) => ({
  method: 'POST',
  path: '/apis/cert-manager.io/v1/namespaces/payments-prod/certificates',
  headers: JSON_CT,
  body: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'api-tls' }, spec: { secretName: 'api-tls', issuerRef: { name: 'corp-acme', kind: 'ClusterIssuer' }, dnsNames: ['api.corp.example'], secretTemplate: { annotations } } },
});
const externalSecret = (from: string) => ({
  method: 'POST',
  path: '/apis/external-secrets.io/v1beta1/namespaces/dev/externalsecrets',
  headers: JSON_CT,
  body: { apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'stripe' }, spec: { secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' }, target: { name: 'stripe', template: { metadata: { annotations: { 'reflector.v1.k8s.emberstack.com/reflects': from } } } }, data: [] } },
});

describe('review51: cloud_resource_exposed in the spellings its first rows left out, through the server', () => {
  const rows: Row[] = [
    { what: "Upbound's Google Firewall opened to 0.0.0.0/0 on 5432 (sourceRanges under forProvider)", req: gcpFirewall(['5432']), by: 'guardrail:cloud_resource_exposed', refused: ALL },
    { what: 'a security group opened to the internet in two halves (0.0.0.0/1 and 128.0.0.0/1)', req: sgHalves(['0.0.0.0/1', '128.0.0.0/1']), by: 'guardrail:cloud_resource_exposed', refused: ALL },
    { what: "a bucket policy opened to '*' under an empty Condition", req: bucketPolicy({}), by: 'guardrail:cloud_resource_exposed', refused: ALL },
    { what: 'a replace (PUT) of an RDS Instance without a final snapshot or deletion protection', req: replaceDb({ skipFinalSnapshot: true, deletionProtection: false }), by: 'guardrail:cloud_resource_exposed', refused: ALL },
  ];
  checkEscalationRows(send, rows);

  it('the routine shapes beside them name no cloud guardrail: a web firewall, a site range, a narrowed policy, a replace that keeps the protection', async () => {
    for (const req of [gcpFirewall(['443']), sgHalves(['10.0.0.0/8']), bucketPolicy({ StringEquals: { 'aws:SourceVpce': 'vpce-0a1b' } }), replaceDb({ skipFinalSnapshot: false, deletionProtection: true })]) {
      const res = await send(req, 'laptop');
      expect(rules(res), `${req.method} ${req.path}`).not.toContain('guardrail:cloud_resource_exposed');
    }
  });
});

describe('review51: secret_source_other_namespace carried by what writes the Secret, through the server', () => {
  const rows: Row[] = [
    { what: "a Certificate whose secretTemplate offers production's key pair to every namespace", req: certificate({ 'reflector.v1.k8s.emberstack.com/reflection-allowed': 'true', 'reflector.v1.k8s.emberstack.com/reflection-auto-enabled': 'true' }), by: 'guardrail:secret_source_other_namespace', refused: BELOW_FRESH },
    { what: "an ExternalSecret in dev whose target template pulls production's Secret", req: externalSecret('payments-prod/stripe'), by: 'guardrail:secret_source_other_namespace', refused: BELOW_FRESH },
  ];
  checkEscalationRows(send, rows);

  it("the same carriers without a copy across name no such guardrail", async () => {
    for (const req of [certificate({ 'team.corp.example/owner': 'payments' }), externalSecret('dev/stripe')]) {
      const res = await send(req, 'everyday');
      expect(rules(res), `${req.method} ${req.path}`).not.toContain('guardrail:secret_source_other_namespace');
    }
  });
});
