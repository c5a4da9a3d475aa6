import { arrayOf, isObject, stringsOf, type Json } from '../types.js';
import { normaliseCapability } from '../settings.js';
import type { RuleContext } from './context.js';

/**
 * Pod security guardrails: privileged_container, privilege_escalation, capability_added,
 * host_namespace, host_path_volume, run_as_root. They read a pod spec wherever the workload keeps
 * it (see workloads.ts) and flag only what is explicitly set: an absent field is the default,
 * which for every one of these is the safe value.
 */

export const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

export interface ContainerAt {
  container: Json;
  path: string;
}

export function containersOf(spec: Json, specPath: string): ContainerAt[] {
  const found: ContainerAt[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = arrayOf(spec[list]);
    for (let i = 0; i < items.length; i++) {
      const c = items[i];
      if (isObject(c)) found.push({ container: c, path: `${specPath}.${list}[${i}]` });
    }
  }
  return found;
}

const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

export function checkPodSecurity(spec: Json, specPath: string, ctx: RuleContext): void {
  const { out, settings } = ctx;
  for (const field of HOST_NAMESPACES) {
    if (spec[field] === true) {
      out.push({ code: 'host_namespace', detail: `${field}: true shares the node's namespace with the pod`, path: `${specPath}.${field}` });
    }
  }
  const volumes = arrayOf(spec.volumes);
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i];
    if (isObject(v) && isObject(v.hostPath)) {
      const p = typeof v.hostPath.path === 'string' ? ` (${v.hostPath.path.slice(0, 200)})` : '';
      out.push({ code: 'host_path_volume', detail: `hostPath volume${p} mounts a node directory`, path: `${specPath}.volumes[${i}].hostPath` });
    }
  }

  const podContext = isObject(spec.securityContext) ? spec.securityContext : undefined;
  const podUser = podContext?.runAsUser;
  const containers = containersOf(spec, specPath);
  // A pod-level runAsUser: 0 is root for every container that does not set its own user. In a
  // patch the other containers are not visible, so the pod-level setting counts on its own.
  if (podUser === 0 && (ctx.partial || containers.length === 0 || containers.some(({ container }) => userOf(container) === undefined))) {
    out.push({ code: 'run_as_root', detail: 'runAsUser: 0 at pod level runs containers as root', path: `${specPath}.securityContext.runAsUser` });
  }

  for (const { container, path } of containers) {
    const sc = isObject(container.securityContext) ? container.securityContext : undefined;
    if (!sc) continue;
    const name = typeof container.name === 'string' ? ` ${JSON.stringify(container.name.slice(0, 63))}` : '';
    if (sc.privileged === true) {
      out.push({ code: 'privileged_container', detail: `container${name} is privileged`, path: `${path}.securityContext.privileged` });
    }
    if (sc.allowPrivilegeEscalation === true) {
      out.push({
        code: 'privilege_escalation',
        detail: `container${name} sets allowPrivilegeEscalation: true`,
        path: `${path}.securityContext.allowPrivilegeEscalation`,
      });
    }
    const caps = isObject(sc.capabilities) ? stringsOf(sc.capabilities.add) : [];
    const dangerous = caps.filter((c) => settings.dangerousCapabilities.has(normaliseCapability(c)));
    if (dangerous.length > 0) {
      out.push({
        code: 'capability_added',
        detail: `container${name} adds ${dangerous.map((c) => c.slice(0, 40)).join(', ')}`,
        path: `${path}.securityContext.capabilities.add`,
      });
    }
    if (sc.runAsUser === 0) {
      out.push({ code: 'run_as_root', detail: `container${name} sets runAsUser: 0`, path: `${path}.securityContext.runAsUser` });
    }
  }
}

function userOf(container: Json): unknown {
  return isObject(container.securityContext) ? container.securityContext.runAsUser : undefined;
}
