import { familyOf } from '../../risk/namespace-family.js';
import type { Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * `secret_store_production_path`: a pod template in a lower environment's namespace (staging, dev,
 * test: risk.signals.unfamiliar_namespace.environments below the top tier) whose Vault agent
 * injector annotations render a path, or authenticate with a role or namespace, with a production
 * token in it. The injector fetches the path with the pod's Vault role, and a role's policy often
 * reads more than its name says (day 23: the benefits-test Deployment, applied by malware with one
 * annotation changed, rendering `secret/data/tax-prod/db`); on the request line that is a test
 * namespace's everyday write, and the secret never passes the API server, so no Secret rule or
 * working set sees it.
 *
 * Environments are read from names alone, as the working set reads namespaces: a namespace with no
 * environment token (`search`) or at the top tier is not judged, and a path with no production
 * token is not one. A production namespace rendering a lower environment's path is no leak of
 * production's secrets and is not judged either.
 */
const VAULT = 'vault.hashicorp.com/';
const AGENT_SECRET = 'vault.hashicorp.com/agent-inject-secret-';
const AGENT_TEMPLATE = 'vault.hashicorp.com/agent-inject-template-';
/**
 * What the agent authenticates as and where: a production role (`tax-prod-api`) or Vault
 * Enterprise namespace reads production's paths whatever the paths are called.
 */
const AGENT_IDENTITY = new Set(['vault.hashicorp.com/role', 'vault.hashicorp.com/namespace']);
/** A template's `{{ with secret "path" }}` / `{{ secret "path" }}`: Consul Template's secret function. */
const TEMPLATE_SECRET = /\bsecret\s+"([^"]{1,512})"/g;
/** A path's segments and the words of each (`tax-prod`, `tax_prod`, `db.prod`). */
const WORDS = /[/\-_.:]+/;

export function checkSecretStorePaths(annotations: Json, path: string, ctx: RuleContext): void {
  // Read lazily: nearly every pod template has annotations, few have the injector's.
  let lower: boolean | undefined;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string' || !key.startsWith(VAULT)) continue;
    const paths =
      key.startsWith(AGENT_SECRET) || AGENT_IDENTITY.has(key) ? [value] : key.startsWith(AGENT_TEMPLATE) ? [...value.matchAll(TEMPLATE_SECRET)].map((m) => m[1]!) : [];
    if (paths.length === 0) continue;
    lower ??= lowerEnvironment(ctx);
    if (!lower) return;
    for (const p of paths) {
      // The path itself stays out of the detail (a body value); its production word says enough.
      const word = productionWord(p, ctx);
      if (word === undefined) continue;
      ctx.out.push({
        code: 'secret_store_production_path',
        detail: `annotation ${key.slice(0, 120)} names ${word}: a production secret-store path or role for pods of ${ctx.namespace}, a lower environment`,
        path: `${path}[${JSON.stringify(key.slice(0, 120))}]`,
      });
      break;
    }
  }
}

export const EXTERNAL_SECRETS_GROUP = 'external-secrets.io';
/** The keys under which an ExternalSecret names what it fetches, and from which store. */
export const EXTERNAL_SECRET_KEYS = ['remoteRef', 'extract', 'find', 'secretStoreRef', 'storeRef'];
/** Each reference object and the field of it that names a path or a store. */
const EXTERNAL_REFS: ReadonlyMap<string, string> = new Map([
  ['remoteRef', 'key'],
  ['extract', 'key'],
  ['find', 'path'],
  ['secretStoreRef', 'name'],
  ['storeRef', 'name'],
]);

/**
 * The same question for the External Secrets Operator (external-secrets.io): an ExternalSecret in a
 * lower environment whose `remoteRef.key`, `dataFrom` `extract.key` or `find.path`, or store
 * (`secretStoreRef`, a `dataFrom` `sourceRef.storeRef`) names production. The operator writes
 * what it fetches into a Secret of that namespace, where everyone who works there reads it.
 */
export function checkExternalSecret(doc: Json, prefix: string, ctx: RuleContext): void {
  if (!lowerEnvironment(ctx)) return;
  walkObjects(doc, prefix, (node, path, key) => {
    const field = EXTERNAL_REFS.get(key);
    const value = field === undefined ? undefined : node[field];
    if (typeof value !== 'string') return;
    const word = productionWord(value, ctx);
    if (word === undefined) return;
    ctx.out.push({
      code: 'secret_store_production_path',
      detail: `${key}.${field} names ${word}: a production secret-store path or store for a Secret of ${ctx.namespace}, a lower environment`,
      path: joinPath(path, field!),
    });
  });
}

function lowerEnvironment(ctx: RuleContext): boolean {
  return (familyOf(ctx.namespace, ctx.settings.environmentTiers)?.rank ?? 0) > 1;
}

function productionWord(p: string, ctx: RuleContext): string | undefined {
  return p.toLowerCase().split(WORDS).find((w) => ctx.settings.environmentTiers.get(w) === 1);
}
