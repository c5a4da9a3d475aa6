import { familyOf } from '../../risk/namespace-family.js';
import { UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { templateReads, templateReadsAnyDelimiters } from './vault-template.js';
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
const LEFT_DELIM = 'vault.hashicorp.com/agent-template-left-delim-';
const RIGHT_DELIM = 'vault.hashicorp.com/agent-template-right-delim-';
/**
 * What the agent authenticates as, with what and where, each of which the injector (vault-k8s
 * agent-inject/agent) takes from the pod's annotations: a production role (`tax-prod-api`, under
 * `role` or, when that is unset, `auth-config-role`), a production auth mount
 * (`auth/kubernetes-prod`), the production Vault server (`service`), or a Vault Enterprise
 * production namespace reads production's paths whatever the paths are called.
 */
const AGENT_IDENTITY = new Set([
  'vault.hashicorp.com/role',
  'vault.hashicorp.com/auth-config-role',
  'vault.hashicorp.com/auth-path',
  'vault.hashicorp.com/service',
  'vault.hashicorp.com/namespace',
]);
/** JSON patches the injector applies to its agent containers (the sidecar's, the init container's). */
const AGENT_PATCH = new Set(['vault.hashicorp.com/agent-json-patch', 'vault.hashicorp.com/agent-init-json-patch']);
/**
 * Where the agent reads what it fetches from outside the request: a template file in the agent
 * container (`agent-inject-template-file-<name>`, mounted from a ConfigMap or Secret through
 * `agent-copy-volume-mounts` or `agent-extra-secret`), or the agent's whole configuration, its
 * auto-auth role and templates, from a ConfigMap (`agent-configmap`). Either is a write of its own
 * that no guardrail reads as a Vault path, so the annotation is judged as naming production.
 */
const AGENT_TEMPLATE_FILE = 'vault.hashicorp.com/agent-inject-template-file-';
const AGENT_CONFIGMAP = 'vault.hashicorp.com/agent-configmap';
/** A shell command the agent container runs after rendering, with the agent's Vault token at hand. */
const AGENT_COMMAND = 'vault.hashicorp.com/agent-inject-command-';
/**
 * The agent container's fields its configuration comes from: the injector writes the whole agent
 * configuration (auth, templates, paths) base64-encoded into the env var `VAULT_CONFIG`, and the
 * container's command and args decode and run it; a patch that sets them runs any configuration.
 */
const AGENT_CONFIG_FIELD = /^\/(?:env|envFrom|args|command|volumeMounts)(?:\/|$)/;
/**
 * A path's words: whatever is no letter or digit separates them (`tax-prod`, `tax_prod`, `db.prod`,
 * `"tax-prod"` inside a SecretProviderClass's objects text, `tax+prod`), so that no separator a
 * store takes in a name hides a word.
 */
const WORDS = /[^\p{L}\p{N}]+/u;

export function checkSecretStorePaths(annotations: Json, path: string, ctx: RuleContext): void {
  // Read lazily: nearly every pod template has annotations, few have the injector's.
  let lower: boolean | undefined;
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string' || !key.startsWith(VAULT)) continue;
    const unseen = key.startsWith(AGENT_TEMPLATE_FILE) || key === AGENT_CONFIGMAP;
    const named = key.startsWith(AGENT_SECRET) || AGENT_IDENTITY.has(key) || key.startsWith(AGENT_COMMAND);
    const template = !unseen && key.startsWith(AGENT_TEMPLATE);
    const patch = AGENT_PATCH.has(key);
    if (!unseen && !named && !template && !patch) continue;
    lower ??= lowerEnvironment(ctx);
    if (!lower) return;
    const at = `${path}[${JSON.stringify(key.slice(0, 120))}]`;
    // A JSON patch's copy or move into the annotation: its value is whatever the source held,
    // which the request does not show; judged as the worst it can be, a production path.
    if (value === UNKNOWN_VALUE) {
      pushPath(ctx, key, 'is copied from a value the patch does not show', at);
      continue;
    }
    if (unseen) {
      pushPath(ctx, key, key === AGENT_CONFIGMAP ? "takes the agent's configuration (its role, auth and templates) from a ConfigMap the request does not show" : 'renders a template from a file the request does not show', at);
      continue;
    }
    if (named) {
      // The path itself stays out of the detail (a body value); its production word says enough.
      const word = productionWord(value, ctx);
      if (word !== undefined) pushPath(ctx, key, `names ${word}`, at);
      continue;
    }
    if (patch) {
      const what = agentPatch(value, ctx);
      if (what !== undefined) pushPath(ctx, key, what, at);
      continue;
    }
    const name = key.slice(AGENT_TEMPLATE.length);
    const left = annotations[LEFT_DELIM + name];
    const right = annotations[RIGHT_DELIM + name];
    // The delimiters are not known when a JSON patch copies one in, or when a patch sets the
    // template without them (the stored object may hold any, set by an earlier write): the
    // template is then read in every delimiter at once.
    const known = (k: string) => annotations[k] !== UNKNOWN_VALUE && (!ctx.partial || Object.hasOwn(annotations, k));
    const reads =
      known(LEFT_DELIM + name) && known(RIGHT_DELIM + name)
        ? templateReads(value, typeof left === 'string' ? left : undefined, typeof right === 'string' ? right : undefined)
        : templateReadsAnyDelimiters(value);
    const word = reads.literals.map((l) => productionWord(l, ctx)).find((w) => w !== undefined);
    if (word !== undefined) pushPath(ctx, key, `names ${word}`, at);
    // A path the template computes is unknown until the agent runs: it may be production's.
    else if (reads.computed) pushPath(ctx, key, 'computes its Vault path (not one literal)', at);
  }
}

/**
 * The annotations set whole by a JSON patch's copy or move (`/metadata/annotations` from another
 * map of the object): any key, the injector's among them, with any value.
 */
export function checkUnseenAnnotations(path: string, ctx: RuleContext): void {
  if (!lowerEnvironment(ctx)) return;
  ctx.out.push({
    code: 'secret_store_production_path',
    detail: `annotations copied from a value the patch does not show may name a production secret-store path or role for pods of ${ctx.namespace}, a lower environment`,
    path,
  });
}

/** What an agent container's JSON patch does that may fetch production's secrets, if anything. */
function agentPatch(value: string, ctx: RuleContext): string | undefined {
  let ops: unknown;
  try {
    ops = JSON.parse(value);
  } catch {
    // The injector refuses the pod when its patch does not decode: nothing runs.
    return undefined;
  }
  if (!Array.isArray(ops)) return undefined;
  for (const op of ops) {
    if (!isObject(op) || op.op === 'test') continue;
    for (const p of [op.path, op.from]) {
      if (typeof p === 'string' && AGENT_CONFIG_FIELD.test(p)) return `rewrites the agent's ${p.split('/')[1]!.slice(0, 20)}, where its Vault configuration comes from`;
    }
    const word = strings(op.value).map((v) => productionWord(v, ctx)).find((w) => w !== undefined);
    if (word !== undefined) return `names ${word}`;
  }
  return undefined;
}

/** The strings of a value, to a depth no Kubernetes object's parser reaches past. */
function strings(v: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof v === 'string') out.push(v);
  else if (depth < 16 && Array.isArray(v)) for (const x of v) strings(x, out, depth + 1);
  else if (depth < 16 && isObject(v)) for (const x of Object.values(v)) strings(x, out, depth + 1);
  return out;
}

function pushPath(ctx: RuleContext, key: string, what: string, path: string): void {
  ctx.out.push({
    code: 'secret_store_production_path',
    detail: `annotation ${key.slice(0, 120)} ${what}: a production secret-store path or role for pods of ${ctx.namespace}, a lower environment`,
    path,
  });
}

export const EXTERNAL_SECRETS_GROUP = 'external-secrets.io';
/** The Secrets Store CSI driver's group: a SecretProviderClass names what its provider mounts. */
export const SECRETS_STORE_CSI_GROUP = 'secrets-store.csi.x-k8s.io';
export const SECRET_STORE_GROUPS: ReadonlySet<string> = new Set([EXTERNAL_SECRETS_GROUP, SECRETS_STORE_CSI_GROUP]);
/** The keys under which an ExternalSecret, a SecretStore or a SecretProviderClass names what it fetches, and from where. */
export const EXTERNAL_SECRET_KEYS = ['remoteRef', 'extract', 'find', 'secretStoreRef', 'secretStoreRefs', 'storeRef', 'generatorRef', 'provider', 'parameters'];
/**
 * Each reference object and the fields of it that name a path, a store or a generator (a
 * PushSecret's `remoteRef.remoteKey` and `secretStoreRefs`: where it writes a Secret of the
 * namespace, over production's own when they name production).
 */
const EXTERNAL_REFS: ReadonlyMap<string, readonly string[]> = new Map([
  ['remoteRef', ['key', 'remoteKey']],
  ['extract', ['key']],
  ['find', ['path']],
  ['secretStoreRef', ['name']],
  ['secretStoreRefs', ['name']],
  ['storeRef', ['name']],
  ['generatorRef', ['name']],
]);
/**
 * Objects every string of which says where secrets come from: a SecretStore's `provider` (the
 * server, the mount, the role it authenticates as: a store called `vault` with the role
 * `tax-prod-api` fetches production's paths under any key) and a SecretProviderClass's
 * `parameters` (Vault's `roleName`, `vaultAddress` and the `objects` text with each `secretPath`;
 * AWS's and Azure's objects and vault names; GCP's resource names).
 */
const SOURCE_OBJECTS: ReadonlyMap<string, string> = new Map([
  ['provider', 'a SecretStore'],
  ['parameters', 'a SecretProviderClass'],
]);

/**
 * The same question for the External Secrets Operator (external-secrets.io): an ExternalSecret in a
 * lower environment whose `remoteRef.key`, `dataFrom` `extract.key` or `find.path`, store
 * (`secretStoreRef`, a `dataFrom` `sourceRef.storeRef`) or generator (`sourceRef.generatorRef`)
 * names production, a SecretStore there whose provider does, and a PushSecret writing the
 * namespace's Secret to a production path or store. The operator writes what it
 * fetches into a Secret of that namespace, where everyone who works there reads it. And for the
 * Secrets Store CSI driver: a SecretProviderClass whose provider parameters name production, which
 * every pod of the namespace that mounts it reads.
 */
export function checkExternalSecret(doc: Json, prefix: string, ctx: RuleContext): void {
  if (!lowerEnvironment(ctx)) return;
  walkObjects(doc, prefix, (node, path, key) => {
    const source = SOURCE_OBJECTS.get(key);
    if (source !== undefined && path.startsWith(`${prefix}spec.`)) {
      const word = strings(node).map((v) => productionWord(v, ctx)).find((w) => w !== undefined);
      if (word !== undefined) {
        ctx.out.push({
          code: 'secret_store_production_path',
          detail: `${key} of ${source} names ${word}: a production secret store, path or role for ${ctx.namespace}, a lower environment`,
          path,
        });
      }
      return 'skip';
    }
    for (const field of EXTERNAL_REFS.get(key) ?? []) {
      const value = node[field];
      const word = typeof value === 'string' ? productionWord(value, ctx) : undefined;
      if (word === undefined) continue;
      ctx.out.push({
        code: 'secret_store_production_path',
        detail: `${key}.${field} names ${word}: a production secret-store path or store for a Secret of ${ctx.namespace}, a lower environment`,
        path: joinPath(path, field),
      });
      return;
    }
  });
}

function lowerEnvironment(ctx: RuleContext): boolean {
  return (familyOf(ctx.namespace, ctx.settings.environmentTiers)?.rank ?? 0) > 1;
}

function productionWord(p: string, ctx: RuleContext): string | undefined {
  return p.toLowerCase().split(WORDS).find((w) => ctx.settings.environmentTiers.get(w) === 1);
}
