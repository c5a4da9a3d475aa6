import { readJson } from '../json.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * A Multus NetworkAttachmentDefinition's `spec.config` is CNI configuration (one plugin, or a
 * conflist's `plugins`) that the node runs as root for every pod naming it. The plugins that put a
 * pod on one of the node's own interfaces name it: macvlan's, ipvlan's and vlan's `master`,
 * host-device's `device` (moved into the pod), bridge's and ovs's `bridge`. On an interface the
 * cluster keeps for itself (`guardrails.reserved_interfaces`: the pod network's own bridges by
 * default, the management VLAN's sub-interface where the site names it) the pod sits beside the
 * kubelets, BMCs and control plane, past every network policy: `network_attachment_reserved`. A
 * macvlan or ipvlan without `master` uses the node's default-route interface, the node's own
 * network, and is judged as on a reserved one. Which interfaces carry what is the site's
 * knowledge, not the request's: the CNF's own attachments (SR-IOV, or a macvlan on a data-plane
 * NIC) name none of them.
 */
export const NETWORK_ATTACHMENT_GROUP = 'k8s.cni.cncf.io';

/** The plugin fields that name a node interface, by plugin type. */
const INTERFACE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  macvlan: ['master'],
  ipvlan: ['master'],
  vlan: ['master'],
  'host-device': ['device'],
  bridge: ['bridge'],
  ovs: ['bridge'],
};

/** Plugins that fall back to the default-route interface when `master` is left out. */
const DEFAULT_ROUTE = new Set(['macvlan', 'ipvlan']);

/**
 * The plugins of a NetworkAttachmentDefinition's CNI configuration (`spec.config`, a JSON string:
 * its `plugins` chain, or the configuration itself as the one plugin), or undefined where there is
 * none to read: Multus reads the config as JSON too, and what it cannot read attaches nothing.
 */
export function attachmentPlugins(doc: Json): unknown[] | undefined {
  const spec = doc.spec;
  if (!isObject(spec) || typeof spec.config !== 'string') return undefined;
  const read = readJson(spec.config);
  if (!read.ok || !isObject(read.value)) return undefined;
  const conf = read.value;
  return Array.isArray(conf.plugins) ? (conf.plugins as unknown[]) : [conf];
}

export function checkNetworkAttachment(doc: Json, prefix: string, ctx: RuleContext): void {
  const plugins = attachmentPlugins(doc);
  if (plugins === undefined) return;
  for (const plugin of plugins) {
    if (!isObject(plugin) || typeof plugin.type !== 'string') continue;
    const fields = INTERFACE_FIELDS[plugin.type];
    if (fields === undefined) continue;
    for (const field of fields) {
      const name = plugin[field];
      if (typeof name === 'string' && name !== '' && ctx.settings.reservedInterface(name)) {
        ctx.out.push({ code: 'network_attachment_reserved', detail: `${plugin.type} attaches pods to the node's interface ${JSON.stringify(name.slice(0, 63))}, which the cluster reserves`, path: `${prefix}spec.config` });
      } else if (name === undefined && field === 'master' && DEFAULT_ROUTE.has(plugin.type) && ctx.settings.reservedInterfaceConfigured) {
        ctx.out.push({ code: 'network_attachment_reserved', detail: `${plugin.type} names no master, so it attaches pods to the node's default-route interface`, path: `${prefix}spec.config` });
      }
    }
  }
}
