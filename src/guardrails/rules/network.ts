import { parseCidr } from '../../config/schema.js';
import type { KubeRequestInfo } from '../../request/kube.js';
import type { GuardrailSettings } from '../settings.js';
import { arrayOf, isObject, stringsOf, type Json, type Violation } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * Network policy guardrails, in protected namespaces (`guardrails.protected_namespaces` and
 * `guardrails.system_namespaces`): network_policy_deleted for a delete (one policy, or a
 * collection, including a collection across all namespaces), network_policy_allow_all for a
 * policy that admits every source or destination.
 */

export const NETWORK_POLICY_KEY = 'networking.k8s.io/networkpolicies';
/** Cilium's own policies, which its agent enforces beside (and instead of) NetworkPolicies. */
export const CILIUM_POLICY_KEY = 'cilium.io/ciliumnetworkpolicies';
export const CILIUM_CLUSTERWIDE_POLICY_KEY = 'cilium.io/ciliumclusterwidenetworkpolicies';

export function isNetworkProtected(settings: GuardrailSettings, namespace: string): boolean {
  return settings.protectedNamespace(namespace) || settings.systemNamespace(namespace);
}

export function checkNetworkPolicyDelete(kube: KubeRequestInfo, settings: GuardrailSettings): Violation[] {
  const key = `${kube.apiGroup}/${kube.resource}`;
  if ((key !== NETWORK_POLICY_KEY && key !== CILIUM_POLICY_KEY && key !== CILIUM_CLUSTERWIDE_POLICY_KEY) || kube.subresource !== '') return [];
  const what = `${kube.verb} ${kube.resource}${kube.name ? `/${kube.name.slice(0, 100)}` : ''}`;
  // A clusterwide policy selects endpoints in any namespace, the protected ones included.
  if (key === CILIUM_CLUSTERWIDE_POLICY_KEY) return [{ code: 'network_policy_deleted', detail: `${what} removes isolation it may give in the protected namespaces` }];
  if (kube.namespace === '') return [{ code: 'network_policy_deleted', detail: `${what} across all namespaces removes isolation in the protected ones` }];
  if (!isNetworkProtected(settings, kube.namespace)) return [];
  return [{ code: 'network_policy_deleted', detail: `${what} in protected namespace ${kube.namespace} removes the isolation it gave` }];
}

const ALL_CIDRS = new Set(['0.0.0.0/0', '::/0']);

/**
 * Which directions the policy governs. Absent policyTypes means Ingress, plus Egress when the
 * policy has egress rules; listed policyTypes are exactly those directions (rules for an unlisted
 * direction are ignored by kube). In a patch that does not show policyTypes, both may apply.
 */
function directions(spec: Json, partial: boolean): { ingress: boolean; egress: boolean } {
  if (Array.isArray(spec.policyTypes)) {
    const types = stringsOf(spec.policyTypes);
    return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  }
  if (partial) return { ingress: true, egress: true };
  return { ingress: true, egress: arrayOf(spec.egress).length > 0 };
}

/** Why a peer admits everyone, or undefined when it does not. */
function openPeer(peer: unknown): string | undefined {
  if (!isObject(peer)) return undefined;
  const pod = peer.podSelector;
  const ns = peer.namespaceSelector;
  const block = peer.ipBlock;
  if (pod == null && ns == null && block == null) return 'an empty peer {}';
  if (isObject(block) && typeof block.cidr === 'string' && ALL_CIDRS.has(normaliseCidr(block.cidr))) {
    const except = stringsOf(block.except).length;
    return `ipBlock ${block.cidr.slice(0, 50)}${except > 0 ? ` (with ${except} exceptions)` : ''}`;
  }
  if (isObject(ns) && emptySelector(ns) && (pod == null || (isObject(pod) && emptySelector(pod)))) return 'namespaceSelector {} (every pod in every namespace)';
  return undefined;
}

function emptySelector(s: Json): boolean {
  return arrayOf(s.matchExpressions).length === 0 && (!isObject(s.matchLabels) || Object.keys(s.matchLabels).length === 0);
}

/** `0.0.0.0/00`, `::0/0`, `0:0::/0` all cover everything. */
function normaliseCidr(c: string): string {
  const slash = c.indexOf('/');
  if (slash < 0) return c;
  const prefix = Number(c.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix !== 0) return c;
  return c.includes(':') ? '::/0' : '0.0.0.0/0';
}

/**
 * The family (`IPv4`, `IPv6`) whose every address the ranges together cover, or undefined: rules
 * and peers are alternatives (any one admits), so `0.0.0.0/1` and `128.0.0.0/1`, in one rule or in
 * two, admit every destination as `0.0.0.0/0` does. An IPv4-mapped range is the IPv4 range it maps
 * (parseCidr); host bits are masked off, as kube's ParseCIDR does; an invalid range covers nothing
 * (kube refuses the object). `except` is not subtracted, as for `0.0.0.0/0` above.
 */
export function coveredFamily(cidrs: readonly string[]): 'IPv4' | 'IPv6' | undefined {
  const spans: Record<'ipv4' | 'ipv6', [bigint, bigint][]> = { ipv4: [], ipv6: [] };
  for (const c of cidrs) {
    const parsed = c.includes('/') ? parseCidr(decimalCidr(c)) : undefined;
    if (parsed === undefined) continue;
    const [net, bits] = parsed;
    const width = net.kind() === 'ipv4' ? 32 : 128;
    const size = 1n << BigInt(width - bits);
    const start = (net.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n) / size) * size;
    spans[net.kind()].push([start, start + size]);
  }
  if (covers(spans.ipv4, 1n << 32n)) return 'IPv4';
  if (covers(spans.ipv6, 1n << 128n)) return 'IPv6';
  return undefined;
}

/**
 * A range's dotted parts as kube reads them (netutils.ParseCIDRSloppy: decimal, leading zeros and
 * all, `000.0.0.0/1` is 0.0.0.0/1), where parseCidr refuses them (octal to inet_aton).
 */
function decimalCidr(c: string): string {
  return c.replace(/(^|:)(\d+)\.(\d+)\.(\d+)\.(\d+)(?=\/)/, (all, lead: string, ...parts: string[]) => {
    const n = parts.slice(0, 4).map(Number);
    return n.every((x) => x <= 255) ? `${lead}${n.join('.')}` : all;
  });
}

function covers(spans: [bigint, bigint][], end: bigint): boolean {
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let reached = 0n;
  for (const [from, to] of spans) {
    if (from > reached) return false;
    if (to > reached) reached = to;
  }
  return reached >= end;
}

/** The first ranges, clipped, for a detail. */
function someRanges(cidrs: readonly string[]): string {
  return `${cidrs.slice(0, 4).map((c) => c.slice(0, 50)).join(', ')}${cidrs.length > 4 ? ', …' : ''}`;
}

export function checkNetworkPolicy(doc: Json, docPath: string, ctx: RuleContext): void {
  if (!isNetworkProtected(ctx.settings, ctx.namespace)) return;
  const spec = doc.spec;
  if (!isObject(spec)) return;
  const dirs = directions(spec, ctx.partial);
  const where = `in protected namespace ${ctx.namespace}`;
  for (const [dir, on, peersKey] of [
    ['ingress', dirs.ingress, 'from'],
    ['egress', dirs.egress, 'to'],
  ] as const) {
    if (!on) continue;
    let open = false;
    const blocks: string[] = [];
    for (const [i, rule] of arrayOf(spec[dir]).entries()) {
      if (!isObject(rule)) continue;
      const path = `${docPath}spec.${dir}[${i}]`;
      const peers = rule[peersKey];
      // A rule without peers admits every source (destination); in a patch, only an explicit
      // removal (null) or empty list is known to do so.
      const noPeers = peers === null || (Array.isArray(peers) && peers.length === 0) || (!ctx.partial && peers === undefined);
      const ports = arrayOf(rule.ports).length > 0 ? ' on the listed ports' : ' on every port';
      if (noPeers) {
        open = true;
        ctx.out.push({ code: 'network_policy_allow_all', detail: `${dir} rule ${i} has no ${peersKey} peers, so it admits all ${dir}${ports} ${where}`, path });
        continue;
      }
      for (const [j, peer] of arrayOf(peers).entries()) {
        const why = openPeer(peer);
        if (why) {
          open = true;
          ctx.out.push({ code: 'network_policy_allow_all', detail: `${dir} rule ${i} admits all ${dir}${ports} through ${why} ${where}`, path: `${path}.${peersKey}[${j}]` });
        }
        if (isObject(peer) && isObject(peer.ipBlock) && typeof peer.ipBlock.cidr === 'string') blocks.push(peer.ipBlock.cidr);
      }
    }
    // Ranges that only together are everything (sweep49): `0.0.0.0/1` and `128.0.0.0/1`.
    const family = open ? undefined : coveredFamily(blocks);
    if (family !== undefined) ctx.out.push({ code: 'network_policy_allow_all', detail: `${dir} rules' ipBlocks ${someRanges(blocks)} together admit every ${family} address ${where}`, path: `${docPath}spec.${dir}` });
  }
}

/** Cilium entities that stand for every address outside the cluster, or every endpoint in it. */
const OPEN_ENTITIES = new Set(['world', 'world-ipv4', 'world-ipv6', 'all', 'cluster']);

/**
 * A CiliumNetworkPolicy in a protected namespace, or a CiliumClusterwideNetworkPolicy anywhere
 * (its endpoint selector reaches every namespace), whose rule (`spec`, or each of `specs`) admits
 * every source or destination: `fromEntities`/`toEntities` naming `world` (either family), `all` or
 * `cluster` (every endpoint, as NetworkPolicy's `namespaceSelector: {}`), or a `…CIDR` /
 * `…CIDRSet` of `0.0.0.0/0` or `::/0`. Cilium reads an empty rule `ingress: [{}]` as default deny,
 * not as allow all, so a rule without peers is not flagged; `ingressDeny`/`egressDeny` close, never open.
 */
export function checkCiliumPolicy(doc: Json, docPath: string, ctx: RuleContext, clusterwide: boolean): void {
  if (!clusterwide && !isNetworkProtected(ctx.settings, ctx.namespace)) return;
  const where = clusterwide ? 'for endpoints in any namespace' : `in protected namespace ${ctx.namespace}`;
  const rules: [Json, string][] = [];
  if (isObject(doc.spec)) rules.push([doc.spec, `${docPath}spec`]);
  for (const [i, r] of arrayOf(doc.specs).entries()) if (isObject(r)) rules.push([r, `${docPath}specs[${i}]`]);
  for (const [rule, at] of rules) {
    for (const [dir, side] of [['ingress', 'from'], ['egress', 'to']] as const) {
      let open = false;
      const blocks: string[] = [];
      for (const [i, r] of arrayOf(rule[dir]).entries()) {
        if (!isObject(r)) continue;
        const path = `${at}.${dir}[${i}]`;
        const ports = arrayOf(r.toPorts).length > 0 ? ' on the listed ports' : ' on every port';
        const entities = stringsOf(r[`${side}Entities`]).filter((e) => OPEN_ENTITIES.has(e.toLowerCase()));
        const ranges = [...stringsOf(r[`${side}CIDR`]), ...arrayOf(r[`${side}CIDRSet`]).flatMap((c) => (isObject(c) && typeof c.cidr === 'string' ? [c.cidr] : []))];
        const cidrs = ranges.filter((c) => ALL_CIDRS.has(normaliseCidr(c)));
        const why = entities.length > 0 ? `${side}Entities ${entities[0]!.slice(0, 20)}` : cidrs.length > 0 ? `${side}CIDR ${cidrs[0]!.slice(0, 50)}` : undefined;
        if (why) {
          open = true;
          ctx.out.push({ code: 'network_policy_allow_all', detail: `${dir} rule ${i} admits all ${dir}${ports} through ${why} ${where}`, path });
        }
        blocks.push(...ranges);
      }
      // Ranges that only together are everything (sweep49), across the direction's entries.
      const family = open ? undefined : coveredFamily(blocks);
      if (family !== undefined) ctx.out.push({ code: 'network_policy_allow_all', detail: `${dir} entries' ${side}CIDRs ${someRanges(blocks)} together admit every ${family} address ${where}`, path: `${at}.${dir}` });
    }
  }
}

export const SERVICE_KEY = '/services';

/**
 * service_external_ip: a Service that claims traffic for an address outside the cluster
 * (CVE-2020-8554). kube-proxy on every node sends whatever any pod sends to a Service's
 * `spec.externalIPs`, or to an IP written into its `status.loadBalancer.ingress` (the services/status
 * subresource), to that Service's pods: whoever may write a Service in one namespace can intercept
 * the cluster's traffic to any address, a registry or a cloud metadata endpoint included. kube
 * checks neither unless the DenyServiceExternalIPs admission plugin or a webhook is set up.
 */
export function checkService(doc: Json, docPath: string, subresource: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (subresource === '' && isObject(spec)) {
    const ips = stringsOf(spec.externalIPs);
    if (ips.length > 0) {
      ctx.out.push({
        code: 'service_external_ip',
        detail: `Service externalIPs ${listed(ips)}: every node sends traffic for them to this Service`,
        path: `${docPath}spec.externalIPs`,
      });
    }
  }
  const status = doc.status;
  if (subresource === 'status' && isObject(status) && isObject(status.loadBalancer)) {
    const ingress = arrayOf(status.loadBalancer.ingress);
    const ips = ingress.flatMap((i) => (isObject(i) && typeof i.ip === 'string' && i.ip !== '' ? [i.ip] : []));
    if (ips.length > 0) {
      ctx.out.push({
        code: 'service_external_ip',
        detail: `Service status.loadBalancer.ingress ${listed(ips)}: every node sends traffic for them to this Service`,
        path: `${docPath}status.loadBalancer.ingress`,
      });
    }
  }
}

/** The first five addresses, each clipped (a body's values are the client's). */
function listed(ips: readonly string[]): string {
  return `${ips.slice(0, 5).map((ip) => ip.slice(0, 64)).join(', ')}${ips.length > 5 ? ', …' : ''}`;
}
