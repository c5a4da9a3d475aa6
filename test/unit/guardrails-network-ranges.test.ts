import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/guardrails/inspect.js';
import { coveredFamily } from '../../src/guardrails/rules/network.js';
import { guardSettings, kube } from '../support/guardrails.js';

/**
 * network_policy_allow_all for ranges that only together are every address (sweep49): a
 * NetworkPolicy's peers and rules are alternatives, so `0.0.0.0/1` and `128.0.0.0/1` (in one rule
 * or two) open egress to every destination as `0.0.0.0/0` does, and the guardrail read only a
 * range of prefix 0. Routine policies (kube-prometheus-stack's, cert-manager's: the cluster's
 * ranges, the API server, a DNS server, RFC 1918 with the Internet carved out) ask nothing.
 */

const settings = guardSettings('guardrails:\n  protected_namespaces: ["prod*"]\n');
const NP = '/apis/networking.k8s.io/v1/namespaces/prod-a/networkpolicies';
const CNP = '/apis/cilium.io/v2/namespaces/prod-a/ciliumnetworkpolicies';
const policy = (egress: unknown[]) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'prod-a' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress } });
const to = (...cidrs: string[]) => ({ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) });
const open = (path: string, body: unknown) => inspect(kube('POST', path), JSON.stringify(body), 'application/json', false, settings).violations.filter((v) => v.code === 'network_policy_allow_all');

describe('network_policy_allow_all: ranges that together are every address', () => {
  it.each([
    ['two halves in one rule', [to('0.0.0.0/1', '128.0.0.0/1')]],
    ['two halves in two rules, one with ports', [to('0.0.0.0/1'), { ...to('128.0.0.0/1'), ports: [{ port: 443 }] }]],
    ['four quarters, out of order, with except', [to('192.0.0.0/2', '0.0.0.0/2'), { to: [{ ipBlock: { cidr: '64.0.0.0/2', except: ['64.0.0.0/8'] } }, { ipBlock: { cidr: '128.0.0.0/2' } }] }]],
    ['overlapping ranges with host bits set', [to('0.0.0.0/1', '100.0.0.0/2', '128.0.0.1/1')]],
    ['leading zeros, read as kube reads them (decimal)', [to('000.0.0.0/1', '128.000.0.0/1')]],
    ['IPv4-mapped IPv6 halves', [to('::ffff:0.0.0.0/97', '::ffff:128.0.0.0/97')]],
    ['IPv6 halves', [to('::/1', '8000::/1')]],
  ])('%s', (_what, egress) => {
    const found = open(NP, policy(egress));
    expect(found.map((v) => v.path)).toEqual(['spec.egress']);
    expect(found[0]!.detail).toContain('together admit every');
  });

  it('CiliumNetworkPolicy toCIDR and toCIDRSet halves', () => {
    const body = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'p' }, spec: { endpointSelector: {}, egress: [{ toCIDR: ['0.0.0.0/1'] }, { toCIDRSet: [{ cidr: '128.0.0.0/1', except: ['169.254.169.254/32'] }] }] } };
    expect(open(CNP, body).map((v) => v.path)).toEqual(['spec.egress']);
  });

  it.each([
    ['the cluster, the API server and DNS', [to('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'), to('203.0.113.10/32'), { ...to('10.96.0.10/32'), ports: [{ port: 53, protocol: 'UDP' }] }]],
    ['every address but one range (two halves missing 1.0.0.0/8)', [to('0.0.0.0/8', '2.0.0.0/7', '4.0.0.0/6', '8.0.0.0/5', '16.0.0.0/4', '32.0.0.0/3', '64.0.0.0/2', '128.0.0.0/1')]],
    ['one half only', [to('128.0.0.0/1')]],
    ['an invalid range', [to('0.0.0.0/1', '128.0.0.0/33', '300.0.0.0/1')]],
  ])('asks nothing for %s', (_what, egress) => {
    expect(open(NP, policy(egress))).toEqual([]);
  });

  it('flags 0.0.0.0/0 once, as before (no second row for the union)', () => {
    expect(open(NP, policy([to('0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1')]))).toHaveLength(1);
  });

  it('coveredFamily', () => {
    expect(coveredFamily(['0.0.0.0/1', '128.0.0.0/1'])).toBe('IPv4');
    expect(coveredFamily(['::/1', '8000::/1'])).toBe('IPv6');
    expect(coveredFamily(['0.0.0.0/1', '8000::/1'])).toBeUndefined();
    expect(coveredFamily([])).toBeUndefined();
  });
});
