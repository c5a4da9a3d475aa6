import { clientText } from '../../core/redact.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath } from './walk.js';

/**
 * restore_namespace_moved: a restore that puts a production or protected namespace's objects (its
 * Secrets among them) into a namespace outside that set, where other people and other service
 * accounts read them. A restore drill restores in place, or a test namespace into a scratch one;
 * the backup operator's Restore is one request whatever it restores, so the rule that asks for it
 * (the example's backup-objects) cannot tell a drill from malware, minutes later on the same
 * sign-in, restoring tax-prod into a pentest firm's sandbox (day 23). The mapping is in the body.
 *
 * Read:
 * - Velero's Restore (`velero.io`, `restores`): each `spec.namespaceMapping` entry, source → target.
 *   The source counts whatever `includedNamespaces` says (`['*']`, none, or a list naming it): a
 *   mapping of a namespace the restore leaves out restores nothing, and stepgate does not bet on it.
 * - Kasten's RestoreAction (`actions.kio.kasten.io`, `restoreactions`): `spec.targetNamespace`
 *   against the restore point's namespace (`spec.subject.namespace`, else the request's).
 *
 * A namespace is production or protected when guardrails.protected_namespaces names it or one of
 * its `-`-separated words is of the top tier of risk.signals.unfamiliar_namespace.environments
 * (`prod`, `production`, `prd`, `live` by default). A target the body does not show (a JSON patch's
 * copy) is outside the set.
 */

export const RESTORE_KEYS: ReadonlySet<string> = new Set(['velero.io/restores', 'actions.kio.kasten.io/restoreactions']);
/** The words a body must hold for this rule to parse it (inspect.ts mayName). */
export const RESTORE_NAMES = ['namespaceMapping', 'targetNamespace'];

export function checkRestore(doc: Json, prefix: string, key: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  const at = joinPath(prefix.endsWith('.') ? prefix.slice(0, -1) : prefix, 'spec');
  if (key === 'velero.io/restores') {
    const mapping = spec.namespaceMapping;
    if (mapping === UNKNOWN_VALUE) {
      ctx.out.push({ code: 'restore_namespace_moved', detail: 'Restore namespaceMapping is copied from elsewhere in the object: where it restores cannot be judged', path: `${at}.namespaceMapping` });
      return;
    }
    if (!isObject(mapping)) return;
    for (const [from, to] of Object.entries(mapping)) moved(from, to, `${at}.namespaceMapping`, 'Restore', ctx);
    return;
  }
  const subject = isObject(spec.subject) ? spec.subject : {};
  // A RestorePointContent is cluster-scoped: its name, not the body, holds the namespace it was
  // taken from, so the source is any namespace, production's too (review50b: a RestoreAction in
  // the sandbox restoring production's RestorePointContent into it passed as the sandbox's own).
  const content = subject.kind === 'RestorePointContent' || subject.kind === UNKNOWN_VALUE;
  const from = content ? UNSHOWN_SOURCE : typeof subject.namespace === 'string' && subject.namespace !== '' ? subject.namespace : ctx.namespace;
  if ('targetNamespace' in spec) moved(from, spec.targetNamespace, `${at}.targetNamespace`, 'RestoreAction', ctx);
}

/** The source of a restore whose body does not name the namespace it was taken from. */
const UNSHOWN_SOURCE = '\u0000stepgate:unshown-source';

function moved(from: string, to: unknown, path: string, kind: string, ctx: RuleContext): void {
  const unshown = from === UNSHOWN_SOURCE;
  if (!unshown && !guarded(from, ctx)) return;
  // An unshown source is production unless the target is guarded itself (a restore into production stays there).
  if (unshown && typeof to === 'string' && to !== UNKNOWN_VALUE && guarded(to, ctx)) return;
  if (typeof to === 'string' && to !== UNKNOWN_VALUE && (to === from || guarded(to, ctx))) return;
  // null removes a mapping: the namespace is restored in place.
  if (to === null || to === undefined) return;
  const target = typeof to === 'string' && to !== UNKNOWN_VALUE ? clientText(to, 63) : 'a namespace the request does not show';
  const source = unshown ? 'a restore point of a namespace the request does not show (production\'s, for all it says)' : `${clientText(from, 63)}, a production or protected namespace,`;
  ctx.out.push({ code: 'restore_namespace_moved', detail: `${kind} restores ${source} into ${target}: its Secrets and data readable by whoever that namespace serves`, path });
}

/** A production namespace (a word of the top environment tier) or a protected one. */
export function guarded(namespace: string, ctx: RuleContext): boolean {
  if (namespace === '' || namespace === UNKNOWN_VALUE) return false;
  if (ctx.settings.protectedNamespace(namespace)) return true;
  return namespace.toLowerCase().split('-').some((w) => ctx.settings.environmentTiers.get(w) === 1);
}
