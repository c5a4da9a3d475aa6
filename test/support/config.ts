import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

export const HMAC_ISSUER = 'https://ci.example.com';
export const HMAC_SECRET = 'a-test-only-shared-secret-of-at-least-32-bytes!!';
export const DOWN_ISSUER = 'http://127.0.0.1:9';

/** The test policy: the shipped example's rules, pointed at test hosts and the local issuer. */
export function testConfigYaml(issuerUrl: string, extra = ''): string {
  return `
server:
  grpc_listen: 127.0.0.1:0
  shutdown_grace_seconds: 5
log:
  level: silent
issuers:
  - issuer: ${issuerUrl}
    audiences: [kubernetes]
    algorithms: [RS256, ES256, EdDSA]
    jwks_cooldown_seconds: 2
  - issuer: ${HMAC_ISSUER}
    audiences: [kubernetes]
    algorithms: [HS256]
    hmac_secret_env: TEST_HMAC_SECRET
  - issuer: ${DOWN_ISSUER}
    jwks_uri: ${DOWN_ISSUER}/jwks
    audiences: [kubernetes]
    fetch_timeout_ms: 500
assurance:
  levels:
    - name: aal1
      acr: [urn:stepgate:aal1]
      amr: [pwd]
    - name: aal2
      acr: [urn:stepgate:aal2, "2"]
      amr: [mfa]
    - name: aal3
      acr: [urn:stepgate:aal3]
      amr: [hwk]
kubernetes:
  hosts: [kube.example.com]
stepup:
  url: https://auth.example.com/.stepgate/start
  return_hosts: [grafana.example.com, kube.example.com]
identity_headers:
  claims:
    email: x-stepgate-email
    groups: x-stepgate-groups
limits:
  max_header_bytes: 8192
  max_total_header_bytes: 32768
policy:
  default:
    require: aal1
    max_age: 43200
  rules:
    - name: secrets
      match:
        kubernetes:
          resources: [secrets]
      require: aal2
      max_age: 900
    - name: pod-shell
      match:
        kubernetes:
          resources: [pods]
          subresources: [exec, attach, portforward, ephemeralcontainers]
      require: aal2
      max_age: 300
    - name: rbac-writes
      match:
        kubernetes:
          api_groups: [rbac.authorization.k8s.io]
          verbs: [create, update, patch, delete, deletecollection]
      require: aal3
      max_age: 300
    - name: prod-writes
      match:
        kubernetes:
          namespaces: ["prod*"]
          verbs: [create, update, patch, delete, deletecollection]
      require: aal2
      max_age: 600
    - name: no-node-proxy
      match:
        kubernetes:
          resources: [nodes]
          subresources: [proxy]
      deny: true
      message: nodes/proxy is not available through the gateway
    - name: grafana-admin
      match:
        hosts: [grafana.example.com]
        paths: ["/admin/**"]
      require: aal2
      max_age: 900
    - name: no-contractors-on-debug
      match:
        hosts: [grafana.example.com]
        paths: ["/debug/**"]
        groups: [contractors]
      deny: true
    - name: tagged-billing
      match:
        context:
          stepgate.app: billing
      require: aal3
${extra}`;
}

/**
 * The test policy with step-up sessions on (OIDC client and cookie keys named in SG_SECRET and
 * SG_KEYS, routes not served): only the Check side of the session is exercised.
 */
export function withStepupSession(yaml: string): string {
  return yaml.replace(
    'stepup:\n',
    `stepup:\n  oidc:\n    issuer: https://idp.example.com\n    client_id: stepgate\n    client_secret_env: SG_SECRET\n    redirect_uri: https://auth.example.com/.stepgate/callback\n  session:\n    keys_env: SG_KEYS\n`,
  );
}

export function testConfig(issuerUrl: string, extra = ''): Config {
  return parseConfig(testConfigYaml(issuerUrl, extra), 'test-config.yaml');
}

/** The problems the loader reports for a file that must be rejected (fails the test if it loads). */
export function configProblems(text: string, file: string) {
  try {
    parseConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}
