import { arrayOf, isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * `gpu_devices_unrequested`: a container that sets `NVIDIA_VISIBLE_DEVICES` without asking for an
 * NVIDIA device (`name` is pod-security's ` "name"` of the container, for the detail). NVIDIA's
 * container runtime gives a container the GPUs that variable names (`all`: every one of the
 * node's), whether or not the pod requested any; the device plugin counts only requests, so the
 * scheduler keeps placing other pods' jobs on those GPUs, which the container shares (their memory
 * included). Day 14: a Job in a student's own namespace, through the lab's queue, with no
 * `nvidia.com/gpu` and the variable set to `all`. `void`, `none` and an empty value give none. A
 * patch that shows the variable but not the container's resources is judged as one without a
 * request: the device plugin sets the variable itself for a container that has one, so a container
 * that asks for a device has no need to.
 */
export function checkDeviceEnv(container: Json, path: string, name: string, ctx: RuleContext): void {
  const env = arrayOf(container.env);
  for (let i = 0; i < env.length; i++) {
    const e = env[i];
    if (!isObject(e) || e.name !== 'NVIDIA_VISIBLE_DEVICES' || typeof e.value !== 'string') continue;
    const value = e.value.trim();
    if (value === '' || value === 'void' || value === 'none' || requestsNvidiaDevice(container.resources)) continue;
    ctx.out.push({
      code: 'gpu_devices_unrequested',
      detail: `container${name} sets NVIDIA_VISIBLE_DEVICES=${JSON.stringify(value.slice(0, 100))} without requesting a GPU: the runtime gives it those GPUs, which the scheduler still hands to other pods`,
      path: `${path}.env[${i}].value`,
    });
  }
}

function requestsNvidiaDevice(resources: unknown): boolean {
  if (!isObject(resources)) return false;
  for (const side of [resources.limits, resources.requests]) {
    if (isObject(side) && Object.keys(side).some((k) => k.startsWith('nvidia.com/'))) return true;
  }
  return false;
}
