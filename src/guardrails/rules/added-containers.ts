import { insertedByPatch } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/** The pod spec's lists whose every element runs as a process of each pod (sidecars are init containers). */
const LISTS = ['containers', 'initContainers'] as const;

/**
 * `container_added`: a JSON patch that inserts a container (or an init container, a sidecar's
 * list) into an existing workload's pod template. Every pod the workload then runs carries a
 * process of the patch's choosing beside the service's own, with its network, its volumes, its
 * service account token and its traffic (Telepresence's traffic-agent, day 13). A release changes
 * the containers a template has (`kubectl set image`, apply): it does not send an `add` that
 * inserts one. A mesh's proxy is added by its injection webhook to the pods, never in a person's
 * body; `kubectl debug` writes `pods/ephemeralcontainers`, whose list is not read here.
 *
 * Only a JSON patch shows that an element is new. A strategic merge patch merges containers by
 * name, and a create, a replace or a server-side apply states the whole list: which of its
 * containers the stored template lacked is in the cluster, not the request
 * (docs/guardrails.md#container_added).
 */
export function checkAddedContainers(spec: Json, specPath: string, ctx: RuleContext): void {
  if (!ctx.partial) return;
  for (const list of LISTS) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c: unknown, i) => {
      if (!isObject(c) || !insertedByPatch(c)) return;
      const name = typeof c.name === 'string' ? JSON.stringify(c.name.slice(0, 63)) : 'without a name';
      const image = typeof c.image === 'string' ? ` (${JSON.stringify(c.image.slice(0, 253))})` : '';
      ctx.out.push({ code: 'container_added', detail: `a JSON patch adds ${list === 'containers' ? 'container' : 'init container'} ${name}${image} to the pod template: every pod then runs it beside the workload's own, with their network, volumes and token`, path: `${specPath}.${list}[${i}]` });
    });
  }
}
