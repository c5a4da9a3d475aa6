import type { GuardrailSettings } from '../settings.js';
import type { ViolationCollector } from '../collect.js';
import type { CommandWork } from './command-work.js';
import type { RunKeys } from './run-scripts.js';

/** What every rule family gets: the settings, where the object lives, and whether it is a patch. */
export interface RuleContext {
  readonly settings: GuardrailSettings;
  /** The request's namespace, or the object's metadata.namespace when the path has none. */
  readonly namespace: string;
  /** The object's name in the request path (a Knative DomainMapping is named by the domain it maps). */
  readonly name?: string;
  /**
   * The object is a patch (only what it sets is known). Rules that need a field the patch does
   * not show then assume the worst case for that field instead of the compliant one.
   */
  readonly partial: boolean;
  /**
   * The body is a server-side apply configuration: its pod spec is the whole of what its field
   * manager sets, so a field it leaves out that the manager set before is removed.
   */
  readonly applied?: boolean;
  /**
   * The write is to `pods/ephemeralcontainers`: kube takes only the ephemeral containers from it
   * and keeps the rest of the stored pod spec, whatever the body says there.
   */
  readonly containersOnly?: boolean;
  readonly out: ViolationCollector;
  /**
   * Reports a part of the body that carries a pod spec stepgate cannot read (an Argo podSpecPatch
   * string): the request then gets the unreadable body's effect, as a body it cannot read would.
   */
  readonly unreadable?: (detail: string) => void;
  /**
   * The Check's command-reading budget (command-work.ts), shared by every container and ConfigMap
   * script of the body; a rule called without one reads each script with a budget of its own.
   */
  readonly commandWork?: CommandWork;
  /**
   * The ConfigMap and Secret keys a pod of the same request runs (run-scripts.ts), read as scripts
   * where those objects are written (configmap-scripts.ts); none known when absent.
   */
  readonly runs?: RunKeys;
}
