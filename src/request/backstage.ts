import type { BodyReader } from './web-apis.js';

/**
 * Backstage's Kubernetes backend (plugins/kubernetes-backend) beside its proxy: three routes call
 * the API server themselves and answer with what they read (service/KubernetesRouter.ts,
 * routes/resourcesRoutes.ts), all `POST` with a JSON body (express.json):
 *
 * - `/services/:serviceId` (deprecated) and `/resources/workloads/query` list the objects the
 *   backend is configured to show (pods, services, configmaps, deployments…) for an entity;
 * - `/resources/custom/query` lists each of the body's `customResources` (`{group, apiVersion,
 *   plural}`): KubernetesFetcher builds `/apis/<group>/<apiVersion>/<plural>`, or for a falsy
 *   group `/api/<apiVersion>/<plural>`, under the entity's namespace when it has one, each part
 *   through encodeURIComponent. So `{group: "", apiVersion: "v1", plural: "secrets"}` is a Secrets
 *   list, and a `/` in a part (`secrets/db`, sent as `%2F`, which Go decodes before routing) names
 *   one object.
 *
 * Each cluster's credential comes from its auth strategy: `oidc` takes `auth.oidc.<provider>` from
 * the body, `google` `auth.google`, `aks` `auth.aks`, and others read other keys of `auth`; a
 * `serviceAccount` cluster uses Backstage's own token. A token in the body that is not the one
 * stepgate verified is what the API server would run as (credentials.ts refuses it).
 *
 * The namespace is an annotation of the catalog entity, which stepgate does not see: a list is
 * read cluster-wide, the most it can be. Anything read here that Backstage could read otherwise
 * is refused (`invalid`), as is a body that cannot be read: a guess is a bypass.
 */
export type BackstageReading =
  /** Not one of the routes: the plugin's own pages and JSON (clusters list), judged as web requests. */
  | { kind: 'web' }
  /** One of the routes: the tokens its body hands the API server, and the API lists it names. */
  | { kind: 'query'; tokens: readonly string[]; lists: readonly string[] }
  | { kind: 'invalid'; detail: string };

const WEB: BackstageReading = { kind: 'web' };

/** A DNS-label-like group, version or plural: what kube serves; anything else is refused, never encoded. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** More custom resources than any page asks for are refused rather than judged one by one. */
const MAX_LISTS = 32;

/**
 * Reads `rest`, the decoded path after the plugin's mount (`/api/kubernetes`), for `method`.
 * Express routes without letter case and with an optional trailing slash, so both are read so too.
 */
export function readBackstage(method: string, rest: string, body: BodyReader): BackstageReading {
  if (method !== 'POST') return WEB;
  const r = (rest.length > 1 && rest.endsWith('/') ? rest.slice(0, -1) : rest).toLowerCase();
  // `:serviceId` is one raw segment to Express; decoded, a `%2F` in it makes several.
  const custom = r === '/resources/custom/query';
  if (!custom && r !== '/resources/workloads/query' && !(r.startsWith('/services/') && r.length > '/services/'.length)) return WEB;
  const doc = body();
  if (doc === undefined) return invalid('a body that is not a complete JSON object');
  const tokens = bodyTokens(doc.auth);
  if (typeof tokens === 'string') return invalid(tokens);
  if (!custom) return { kind: 'query', tokens, lists: [] };
  const list = doc.customResources;
  if (!Array.isArray(list) || list.length === 0) return invalid('customResources that is not a non-empty array');
  if (list.length > MAX_LISTS) return invalid(`more than ${MAX_LISTS} customResources`);
  const lists: string[] = [];
  for (const [i, cr] of list.entries()) {
    const path = listPath(cr);
    if (path === undefined) return invalid(`customResources[${i}], which is not a group, apiVersion and plural the API server names`);
    lists.push(path);
  }
  return { kind: 'query', tokens, lists };
}

function invalid(what: string): BackstageReading {
  return { kind: 'invalid', detail: `${what} on a Backstage Kubernetes query (kubernetes.proxies)` };
}

/**
 * Every token `auth` may hand a cluster's strategy: a string under a key, or under a key of an
 * object (`oidc: {<provider>: token}`). Empty and null ones are none (the strategies skip a falsy
 * token). Any other shape is a detail string (refused): a strategy may read it in a way not seen here.
 */
function bodyTokens(auth: unknown): string[] | string {
  if (auth === undefined || auth === null) return [];
  if (typeof auth !== 'object' || Array.isArray(auth)) return 'an auth that is not an object';
  const tokens: string[] = [];
  for (const [key, v] of Object.entries(auth)) {
    if (v === null || v === '') continue;
    if (typeof v === 'string') {
      tokens.push(v);
      continue;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return `auth.${printable(key)}, which is neither a token nor an object of tokens`;
    for (const [sub, t] of Object.entries(v as Record<string, unknown>)) {
      if (t === null || t === '') continue;
      if (typeof t !== 'string') return `auth.${printable(key)}.${printable(sub)}, which is not a token`;
      tokens.push(t);
    }
  }
  return tokens;
}

/** The cluster-wide list KubernetesFetcher makes of one custom resource, or undefined when it is not plainly named. */
function listPath(cr: unknown): string | undefined {
  if (cr === null || typeof cr !== 'object' || Array.isArray(cr)) return undefined;
  const { group, apiVersion, plural } = cr as Record<string, unknown>;
  // A falsy group is the core group to the fetcher (`group ? /apis/… : /api/…`).
  const core = group === undefined || group === null || group === '' || group === false || group === 0;
  if (!core && (typeof group !== 'string' || !NAME.test(group))) return undefined;
  if (typeof apiVersion !== 'string' || !NAME.test(apiVersion) || typeof plural !== 'string' || !NAME.test(plural)) return undefined;
  return core ? `/api/${apiVersion}/${plural}` : `/apis/${group as string}/${apiVersion}/${plural}`;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}
