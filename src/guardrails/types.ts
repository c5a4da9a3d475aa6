import type { GuardrailCode, UnreadableOutcome } from '../config/guardrail-codes.js';

export interface Violation {
  code: GuardrailCode;
  /** One sentence for people: what was found. Never contains body values other than image names, role names and flags. */
  detail: string;
  /** Where in the (merged or patch) object, dotted: `spec.template.spec.containers[0].securityContext.privileged`. */
  path?: string;
  /**
   * The effect of this violation when it has its own (a cluster policy source's `effect`); a
   * namespace override naming the code still decides first. Undefined: `guardrails.effects`.
   */
  effect?: CompiledEffect | undefined;
}

export interface GuardrailResult {
  violations: readonly Violation[];
  /** Set when the body could not be inspected; the `unreadable_body` effect then applies. */
  unreadable?: UnreadableOutcome;
  /** Why it could not be inspected (content type, parse error position, size). */
  unreadableDetail?: string;
  /** Violations found beyond the first MAX_VIOLATIONS_PER_CODE of a guardrail, counted but not kept. */
  omitted?: number;
  /** A Secret a written workload's pods are handed (rules/secret-refs.ts); absent when none. */
  readsSecret?: string;
  /**
   * Set when the change sets owner references, or its body cannot be read and may (rules/owners.ts):
   * it can delete the object, so the pipeline asks what deleting it asks too. Words for people.
   */
  deletes?: string;
  /**
   * The object whose delete `deletes` is, where it is not the one written: a KEDA ScaledObject
   * paused at zero replicas is the delete of its target workload (rules/owners.ts).
   */
  deleteOf?: DeleteTarget;
  /** Set when the change makes a StatefulSet delete its claims (rules/owners.ts): asked as their delete too. */
  deletesClaims?: string;
  /**
   * Set when a change of a Node cordons it or taints it NoSchedule (rules/owners.ts `cordons`):
   * no delete, but the risk engine counts the Node toward machine pace. Words for people.
   */
  cordons?: string;
  /**
   * The accelerators the written object's pod templates ask for, per extended resource, replicas
   * counted (accelerators.ts); absent when none. The risk engine compares them with what the
   * identity asked before (`accelerators_above_history`).
   */
  accelerators?: Readonly<Record<string, number>>;
  /**
   * A scalable workload's (a Deployment's, StatefulSet's, ReplicaSet's, ReplicationController's)
   * accelerators per pod, as its whole template in this body asks them (accelerators.ts, replicas
   * not counted), and its name: the risk engine keeps them for a later scale of it, whose body has
   * no template (`accelerators_above_history`, session 51). Absent when the body holds no template
   * that asks for accelerators.
   */
  perPodAccelerators?: { readonly name: string; readonly counts: Readonly<Record<string, number>> };
  /**
   * The replica count a write of a scalable workload sets without its pod template (its `/scale`
   * subresource, or a patch of `spec.replicas` alone); absent otherwise. The risk engine counts
   * it times the per-pod accelerators it kept for the workload.
   */
  scaledTo?: number;
}

/** An object of the request's namespace, by API group, version, resource and name. */
export interface DeleteTarget {
  apiGroup: string;
  apiVersion: string;
  resource: string;
  name: string;
}

export const NO_VIOLATIONS: GuardrailResult = Object.freeze({ violations: Object.freeze([]) });

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function arrayOf(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Strings of a list; non-strings are dropped (kube would refuse them anyway). */
export function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** What one guardrail asks for when it is violated. `level` is a rank, -1 for none. */
export interface CompiledEffect {
  readonly deny: boolean;
  readonly level: number;
  readonly maxAge: number | undefined;
  readonly risk: number;
  /** `mode: shadow`: reported as what it would ask, never enforced. */
  readonly shadow: boolean;
}
