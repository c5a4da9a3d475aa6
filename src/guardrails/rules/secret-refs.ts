import { arrayOf, isObject, type Json } from '../types.js';
import { CONTAINER_LISTS } from './pod-security.js';

/**
 * The first Secret a pod spec hands its containers (a `secret` or projected volume, an env
 * `secretKeyRef`, an `envFrom` `secretRef`), or '' when none. Whoever may create a workload in a
 * namespace reads every Secret there this way (the pod prints it, or sends it home), so the risk
 * engine counts such a write as a sensitive action for the working set, as a Secret read there is.
 * It is not a guardrail: nothing about it is wrong in a namespace one works in.
 */
export function secretReadBy(spec: Json): string {
  for (const v of arrayOf(spec.volumes)) {
    if (!isObject(v)) continue;
    if (isObject(v.secret) && named(v.secret.secretName)) return v.secret.secretName as string;
    if (isObject(v.projected)) {
      for (const s of arrayOf(v.projected.sources)) if (isObject(s) && isObject(s.secret) && named(s.secret.name)) return s.secret.name as string;
    }
  }
  for (const list of CONTAINER_LISTS) {
    for (const c of arrayOf(spec[list])) {
      if (!isObject(c)) continue;
      for (const e of arrayOf(c.env)) {
        if (isObject(e) && isObject(e.valueFrom) && isObject(e.valueFrom.secretKeyRef) && named(e.valueFrom.secretKeyRef.name)) return e.valueFrom.secretKeyRef.name as string;
      }
      for (const f of arrayOf(c.envFrom)) if (isObject(f) && isObject(f.secretRef) && named(f.secretRef.name)) return f.secretRef.name as string;
    }
  }
  return '';
}

function named(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}
