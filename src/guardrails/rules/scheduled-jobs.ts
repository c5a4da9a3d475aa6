import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * scheduled_job_changed: a patch of an existing CronJob that changes when it runs (`schedule`,
 * `timeZone`) or what its jobs run (the job template: commands, arguments, environment, volumes,
 * service account). A CronJob runs unattended, with its own account and the Secrets it is handed,
 * long after the write: rescheduled hourly with its export URL pointed elsewhere (day 24), or its
 * SFTP host (day 15), it sends the data on its own, every hour, and no later request shows it.
 *
 * What the routine sends is told apart by the body, not the verb: `kubectl patch --type merge -p
 * '{"spec":{"suspend":true}}'` (scaling a job down while debugging), a new image (a deploy) or a
 * container's resources are none of it. Only a patch is judged: it states what changes. A PUT or a
 * server-side apply carries the whole object, whose schedule and commands are there whether they
 * changed or not, and ext_authz never sees the stored object to compare with (docs/guardrails.md).
 */
export const CRONJOB_KEY = 'batch/cronjobs';

/** A container's fields that change neither what runs nor with what it is handed. */
const ROUTINE_CONTAINER_FIELDS = new Set(['name', 'image', 'imagePullPolicy', 'resources']);
const CONTAINER_LISTS = new Set(['containers', 'initContainers']);

export function checkScheduledJobChange(doc: Json, prefix: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  for (const field of ['schedule', 'timeZone'] as const) {
    if (Object.hasOwn(spec, field)) {
      ctx.out.push({ code: 'scheduled_job_changed', detail: `the patch changes the CronJob's ${field}, when it runs unattended`, path: `${prefix}spec.${field}` });
      return;
    }
  }
  if (!Object.hasOwn(spec, 'jobTemplate')) return;
  const changed = changedField(spec.jobTemplate, 'spec.jobTemplate', false);
  if (changed !== undefined) {
    ctx.out.push({ code: 'scheduled_job_changed', detail: `the patch changes what the CronJob's jobs run (${changed}), unattended, with its account`, path: `${prefix}${changed}` });
  }
}

/**
 * The path of the first field under `v` the patch sets that is not routine; undefined when there
 * is none. Of the strategic merge patch directives only `$setElementOrder/…` sets nothing of its
 * own: `$patch: replace` or `delete` (a container replaced by one with no command, a volume
 * dropped), `$retainKeys` and `$deleteFromPrimitiveList/args` (a flag taken off the command)
 * change what runs, and are changes like any other field.
 */
function changedField(v: unknown, path: string, inContainer: boolean): string | undefined {
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) {
      const found = changedField(item, `${path}[${i}]`, inContainer);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObject(v)) return path;
  for (const [key, value] of Object.entries(v)) {
    if (key.startsWith('$setElementOrder/')) continue;
    if (inContainer) {
      if (ROUTINE_CONTAINER_FIELDS.has(key)) continue;
      return `${path}.${key}`;
    }
    const found = CONTAINER_LISTS.has(key) && Array.isArray(value) ? changedContainers(value, `${path}.${key}`) : changedField(value, `${path}.${key}`, false);
    if (found !== undefined) return found;
  }
  return undefined;
}

function changedContainers(list: unknown[], path: string): string | undefined {
  for (const [i, c] of list.entries()) {
    const found = isObject(c) ? changedField(c, `${path}[${i}]`, true) : `${path}[${i}]`;
    if (found !== undefined) return found;
  }
  return undefined;
}
