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
/**
 * Argo Workflows' CronWorkflow is the same thing for a workflow: `schedule` (or `schedules`,
 * `timezone`) and `workflowSpec`, whose templates' `container` and `script` are the job's
 * containers (a script's `source` is what runs). A WorkflowTemplate is not read: it runs when
 * something submits it, and which CronWorkflow does is not in the request (day 17's data
 * scientists patch theirs every day).
 */
export const CRONWORKFLOW_KEY = 'argoproj.io/cronworkflows';

/** Per kind: the fields that say when it runs, where its jobs are, and its name in a detail. */
const SCHEDULED: Readonly<Record<string, { when: readonly string[]; jobs: string; kind: string }>> = {
  [CRONJOB_KEY]: { when: ['schedule', 'timeZone'], jobs: 'jobTemplate', kind: 'CronJob' },
  [CRONWORKFLOW_KEY]: { when: ['schedule', 'schedules', 'timezone'], jobs: 'workflowSpec', kind: 'CronWorkflow' },
};

/** A container's fields that change neither what runs nor with what it is handed. */
const ROUTINE_CONTAINER_FIELDS = new Set(['name', 'image', 'imagePullPolicy', 'resources']);
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'sidecars']);
const ARGO_TEMPLATE = /\.templates\[\d+\]$/;
/** An Argo template's one container, as an object. */
const CONTAINER_OBJECTS = new Set(['container', 'script']);

export function checkScheduledJobChange(doc: Json, key: string, prefix: string, ctx: RuleContext): void {
  const spec = doc.spec;
  const kind = SCHEDULED[key];
  if (!isObject(spec) || kind === undefined) return;
  for (const field of kind.when) {
    if (Object.hasOwn(spec, field)) {
      ctx.out.push({ code: 'scheduled_job_changed', detail: `the patch changes the ${kind.kind}'s ${field}, when it runs unattended`, path: `${prefix}spec.${field}` });
      return;
    }
  }
  if (!Object.hasOwn(spec, kind.jobs)) return;
  const changed = changedField(spec[kind.jobs], `spec.${kind.jobs}`, false);
  if (changed !== undefined) {
    ctx.out.push({ code: 'scheduled_job_changed', detail: `the patch changes what the ${kind.kind}'s jobs run (${changed}), unattended, with its account`, path: `${prefix}${changed}` });
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
    // An Argo template's name says which template, as a container's does which container.
    if (key === 'name' && ARGO_TEMPLATE.test(path)) continue;
    if (inContainer) {
      if (ROUTINE_CONTAINER_FIELDS.has(key)) continue;
      return `${path}.${key}`;
    }
    const found =
      CONTAINER_LISTS.has(key) && Array.isArray(value)
        ? changedContainers(value, `${path}.${key}`)
        : CONTAINER_OBJECTS.has(key) && isObject(value)
          ? changedField(value, `${path}.${key}`, true)
          : changedField(value, `${path}.${key}`, false);
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
