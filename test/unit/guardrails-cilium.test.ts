import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';

// Cilium's own policies under the network policy guardrails (protected_namespaces: prod*, from
// the shared test section): what opens a protected namespace's endpoints to everyone, and what
// Cilium reads as default deny.
const settings = guardSettings();
const CNP = (ns: string) => `/apis/cilium.io/v2/namespaces/${ns}/ciliumnetworkpolicies`;
const CCNP = '/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies';
const codes = (method: string, path: string, body?: object) => inspect(kube(method, path), body === undefined ? undefined : JSON.stringify(body), method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', false, settings).violations.map((v) => v.code);
const policy = (rule: object, kind = 'CiliumNetworkPolicy') => ({ apiVersion: 'cilium.io/v2', kind, metadata: { name: 'p' }, spec: { endpointSelector: { matchLabels: { app: 'signer' } }, ...rule } });

describe('CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy', () => {
  it.each([
    ['egress to world', { egress: [{ toEntities: ['world'] }] }],
    ['egress to all, on ports', { egress: [{ toEntities: ['all'], toPorts: [{ ports: [{ port: '443' }] }] }] }],
    ['ingress from the whole cluster', { ingress: [{ fromEntities: ['cluster'] }] }],
    ['egress to 0.0.0.0/0', { egress: [{ toCIDR: ['0.0.0.0/0'] }] }],
    ['egress to ::/0 in a CIDR set with exceptions', { egress: [{ toCIDRSet: [{ cidr: '::/0', except: ['fd00::/8'] }] }] }],
  ])('%s in a protected namespace is network_policy_allow_all', (_name, rule) => {
    expect(codes('POST', CNP('prod-custody'), policy(rule))).toEqual(['network_policy_allow_all']);
    // The same in `specs`, and through a merge patch.
    expect(codes('POST', CNP('prod-custody'), { kind: 'CiliumNetworkPolicy', specs: [policy(rule).spec] })).toEqual(['network_policy_allow_all']);
    expect(codes('PATCH', `${CNP('prod-custody')}/p`, { spec: rule })).toEqual(['network_policy_allow_all']);
  });

  it('leaves what does not open everything, and unprotected namespaces, alone', () => {
    expect(codes('POST', CNP('prod-custody'), policy({ ingress: [{}] }))).toEqual([]); // Cilium's default deny
    expect(codes('POST', CNP('prod-custody'), policy({ egress: [{ toEntities: ['kube-apiserver'] }, { toCIDR: ['10.0.0.0/8'] }, { toFQDNs: [{ matchName: 'ntp.example' }] }] }))).toEqual([]);
    expect(codes('POST', CNP('prod-custody'), policy({ egressDeny: [{ toEntities: ['world'] }] }))).toEqual([]);
    expect(codes('POST', CNP('dev'), policy({ egress: [{ toEntities: ['world'] }] }))).toEqual([]);
  });

  it('judges a clusterwide policy wherever its endpoints may be, and deletes like NetworkPolicy deletes', () => {
    expect(codes('POST', CCNP, policy({ egress: [{ toEntities: ['world'] }] }, 'CiliumClusterwideNetworkPolicy'))).toEqual(['network_policy_allow_all']);
    expect(codes('DELETE', `${CCNP}/default-deny`)).toEqual(['network_policy_deleted']);
    expect(codes('DELETE', `${CNP('prod-custody')}/signer-egress`)).toEqual(['network_policy_deleted']);
    expect(codes('DELETE', `${CNP('dev')}/signer-egress`)).toEqual([]);
  });
});
