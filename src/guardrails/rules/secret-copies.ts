import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json, type Violation } from '../types.js';

/**
 * In-cluster controllers that copy Secrets between namespaces, told by the Secret's own annotations:
 * Reflector (emberstack) and kubernetes-replicator (mittwald) fill a Secret that names a source
 * (`reflects`, `replicate-from`: `namespace/name`) with that source's data, with the controller's
 * rights, not the writer's; and copy a Secret that offers itself (`reflection-allowed`,
 * `reflection-auto-enabled`, `replication-allowed`, `replicate-to`, `replicate-to-matching`, and
 * kubed's `sync`) into other namespaces. The request is a Secret written in one namespace; what it
 * does is a Secret of another namespace read where the writer works (day 49: a production Stripe
 * key copied into a developer's preview, read back from it). Whether the source allows the copy
 * (its own allow annotations) is not in the request; that the copy crosses namespaces is.
 */

/** A Secret that asks to be filled from `namespace/name`. */
const PULL = ['reflector.v1.k8s.emberstack.com/reflects', 'replicator.v1.mittwald.de/replicate-from'] as const;
/** A Secret offering itself to other namespaces: switched on by any value but "false". */
const OFFER_SWITCHES = ['reflector.v1.k8s.emberstack.com/reflection-allowed', 'reflector.v1.k8s.emberstack.com/reflection-auto-enabled', 'replicator.v1.mittwald.de/replication-allowed'] as const;
/** A Secret pushed to the namespaces its value names (any value: kubed's empty `sync` is every namespace). */
const OFFER_TARGETS = ['replicator.v1.mittwald.de/replicate-to', 'replicator.v1.mittwald.de/replicate-to-matching', 'kubed.appscode.com/sync'] as const;

/** The annotation keys this rule reads (a Secret's body is decoded when a write may set one). */
export const SECRET_COPY_ANNOTATIONS: readonly string[] = [...PULL, ...OFFER_SWITCHES, ...OFFER_TARGETS];

/**
 * `secret_source_other_namespace` for a Secret's body (create, update, any patch) in `namespace`:
 * a pull from another namespace, a value a JSON patch copies in (unknown, so judged as one), or an
 * offer to other namespaces. A pull from the Secret's own namespace, or an annotation removed
 * (null), is no copy across.
 */
export function checkSecretCopies(doc: Json, prefix: string, namespace: string): Violation[] {
  const meta = doc.metadata;
  if (!isObject(meta) || !isObject(meta.annotations)) return [];
  const notes = meta.annotations;
  const out: Violation[] = [];
  const ns = JSON.stringify(namespace.slice(0, 63));
  const at = (key: string) => `${prefix}metadata.annotations["${key}"]`;
  for (const key of PULL) {
    const v = notes[key];
    if (v === undefined || v === null) continue;
    if (v === UNKNOWN_VALUE || typeof v !== 'string') {
      out.push({ code: 'secret_source_other_namespace', detail: `the Secret asks ${owner(key)} to fill it from a source the request does not show`, path: at(key) });
      continue;
    }
    const slash = v.indexOf('/');
    const from = slash < 0 ? '' : v.slice(0, slash).trim();
    if (from === '' || from === namespace) continue;
    out.push({ code: 'secret_source_other_namespace', detail: `the Secret asks ${owner(key)} to copy Secret ${JSON.stringify(clientText(v, 253) ?? '')} of another namespace into ${ns}`, path: at(key) });
  }
  for (const key of [...OFFER_SWITCHES, ...OFFER_TARGETS]) {
    const v = notes[key];
    if (v === undefined || v === null) continue;
    const on = (OFFER_TARGETS as readonly string[]).includes(key) || typeof v !== 'string' || v.trim().toLowerCase() !== 'false';
    if (!on) continue;
    out.push({ code: 'secret_source_other_namespace', detail: `the Secret of ${ns} is offered to other namespaces (${owner(key)}'s ${key.slice(key.indexOf('/') + 1)})`, path: at(key) });
  }
  return out;
}

function owner(key: string): string {
  return key.startsWith('reflector.') ? 'Reflector' : key.startsWith('replicator.') ? 'kubernetes-replicator' : 'kubed';
}
