import type { CompiledExpression } from './expression.js';
import type { CompiledEffect } from '../types.js';

/**
 * One cluster policy (a ValidatingAdmissionPolicy, or one rule of a Kyverno policy, or one of
 * the pod-controller variants Kyverno generates from it), compiled once at load.
 */
export interface ClusterRule {
  /** How people see it: `ValidatingAdmissionPolicy/pss-baseline`, `ClusterPolicy/pss rule host-ns (Deployment)`. */
  readonly name: string;
  /** `file:line` of the document, for logs. */
  readonly origin: string;
  readonly effect: CompiledEffect | undefined;
  /** Whether the request is one the rule applies to, from what the URL and the object show. */
  readonly matches: (req: MatchInput) => boolean;
  /** How `object` is presented to the expressions: as it is, or the pod template as a pod (autogen). */
  readonly view: ObjectView;
  readonly hasParams: boolean;
  readonly matchConditions: readonly NamedExpression[];
  readonly variables: readonly NamedExpression[];
  readonly validations: readonly Validation[];
}

export interface NamedExpression {
  readonly name: string;
  readonly expr: CompiledExpression;
}

export interface Validation {
  readonly expr: CompiledExpression;
  readonly message: string | undefined;
  readonly messageExpression: CompiledExpression | undefined;
  readonly reason: string | undefined;
}

/** Kyverno's autogen reads a controller's pod template where the Pod rule reads the pod. */
export type ObjectView = 'object' | 'template' | 'cronjob-template';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface MatchInput {
  readonly operation: Operation;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  /** The object's kind: the body's `kind`, else what the resource is known to hold; '' when unknown. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly clusterScoped: boolean;
  /** The object's labels; undefined when not known (a delete, or a patch that does not show them). */
  readonly labels: ReadonlyMap<string, string> | undefined;
}
