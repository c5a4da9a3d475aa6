/**
 * Glob lists compiled once at config load. `*` stays within one segment, `**` crosses
 * segments, `?` is one character. A trailing `/**` also matches the bare prefix (`/admin/**`
 * covers `/admin`), because an operator protecting a subtree means its root too.
 */
export type StringMatcher = (value: string) => boolean;

const ALWAYS: StringMatcher = () => true;

export function compileGlobList(patterns: readonly string[] | undefined, separator: '/' | '.' | null): StringMatcher {
  if (!patterns || patterns.length === 0) return ALWAYS;
  if (patterns.includes('*') || patterns.includes('**')) return ALWAYS;
  const literals = new Set<string>();
  const regexes: RegExp[] = [];
  for (const p of patterns) {
    if (/[*?]/.test(p)) regexes.push(globToRegExp(p, separator));
    else literals.add(p);
  }
  if (regexes.length === 0) {
    if (literals.size === 1) {
      const only = [...literals][0]!;
      return (v) => v === only;
    }
    return literalMatcher(literals);
  }
  const isLiteral = literalMatcher(literals);
  return (v) => {
    if (isLiteral(v)) return true;
    for (const r of regexes) if (r.test(v)) return true;
    return false;
  };
}

/** Past this many literals of one length, a Set lookup is cheaper than comparing each. */
const LITERALS_PER_LENGTH = 4;

/**
 * Membership in a set of literals. The value is a fresh string of every request (a path, a
 * namespace), and a Set would hash it first, ~10 instructions a character (the path's and the
 * namespace's hashing were 2.7k instructions of a cached Check, bench/README.md perf27): the
 * literals are kept by length instead, and only those of the value's length are compared, mostly
 * none.
 */
function literalMatcher(literals: ReadonlySet<string>): StringMatcher {
  if (literals.size === 0) return () => false;
  const byLength: string[][] = [];
  for (const l of literals) (byLength[l.length] ??= []).push(l);
  if (byLength.some((list) => list.length > LITERALS_PER_LENGTH)) return (v) => literals.has(v);
  const max = byLength.length;
  return (v) => {
    if (v.length >= max) return false;
    const list = byLength[v.length];
    if (list === undefined) return false;
    for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
    return false;
  };
}

export function globToRegExp(pattern: string, separator: '/' | '.' | null): RegExp {
  const notSep = separator ? `[^${separator === '/' ? '/' : '.'}]` : '.';
  let body = '';
  let p = pattern;
  let optionalTail = '';
  if (separator === '/' && p.endsWith('/**') && p.length > 3) {
    p = p.slice(0, -3);
    optionalTail = '(?:/.*)?';
  }
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        body += '.*';
        i++;
      } else {
        body += `${notSep}*`;
      }
    } else if (c === '?') {
      body += notSep;
    } else {
      body += c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${body}${optionalTail}$`, 's');
}

/** Decides whether a request is a Kubernetes API request: by host, or by a route's tag. */
export interface HostMatcher {
  matches(host: string, contextExtensions: Readonly<Record<string, string>>): boolean;
  /**
   * For a dashboard that passes the API through (`kubernetes.proxies`): the prefix before the API
   * path on this host, anchored at the start and ending before a `/`; undefined elsewhere.
   */
  proxyPrefix?(host: string): RegExp | undefined;
  /**
   * For a `kubernetes.proxies` prefix ending in `/proxy` (Backstage's `/api/kubernetes/proxy`):
   * the plugin's mount before it, anchored like proxyPrefix; undefined elsewhere.
   */
  backstageMount?(host: string): RegExp | undefined;
  /**
   * Headlamp's base URL on a host whose proxy prefix ends in `/clusters/*` (`/clusters/*` itself:
   * `^(?=/)`): its backend's routes beside the cluster proxy (`<base>/wsMultiplexer`,
   * `<base>/drain-node`) reach the API server with the caller's token (request/headlamp.ts).
   */
  headlampBase?(host: string): RegExp | undefined;
  /**
   * The configured cluster (`kubernetes.clusters`) a Kubernetes request is for, '' when none is
   * named: the first whose hosts match `host`, or, through a proxy, the one named by a `*` segment
   * of the proxy prefix the path began with (`dublin` in `/clusters/dublin/api/…` for
   * `/clusters/*`: the proxyPrefix match's groups).
   */
  clusterOf?(host: string, proxied?: readonly (string | undefined)[]): string;
  /** Every configured cluster's name (`kubernetes.clusters`), in order; empty without any. */
  clusterNames?: readonly string[];
  /** For a UI whose own API stands for Kubernetes requests (`kubernetes.web_apis`): which API it serves. */
  webApi?(host: string): WebApi | undefined;
  /**
   * What becomes of a Kubernetes API request on a host that `matches` refuses
   * (`kubernetes.unlisted_api_requests`, request/unlisted-api.ts); undefined: it is not looked for.
   */
  unlistedApiRequests?: UnlistedApiRequests;
}

/** `kubernetes.unlisted_api_requests`: refused, judged as a Kubernetes request, or let through as a web request (and reported). */
export type UnlistedApiRequests = 'refuse' | 'judge' | 'allow';

/** The web UIs whose own API stepgate reads as Kubernetes requests (request/web-apis.ts, web-apis-rancher.ts). */
export type WebApi = 'kubernetes-dashboard' | 'argo-server' | 'rancher' | 'argo-cd';

export const KUBE_CONTEXT_KEY = 'stepgate.kubernetes';

/**
 * `/seg/*` as a path prefix: `*` is one whole segment (a group: it may name a cluster); the API
 * path must follow the prefix after a `/`. In any letter case: Express, under Backstage's proxy,
 * routes without case by default (`/API/Kubernetes/Proxy/api/v1/…` reaches the API server as the
 * plugin's own path does), and reading more paths as the API server's only asks more of them.
 */
function pathPrefix(segs: readonly string[]): RegExp {
  return new RegExp(`^${segs.map((seg) => `/${seg === '*' ? '([^/]+)' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).join('')}(?=/)`, 'i');
}

export function compileHostMatcher(
  hosts: readonly string[],
  proxies: readonly { hosts: readonly string[]; prefix: string }[] = [],
  clusters: readonly { name: string; hosts: readonly string[] }[] = [],
  webApis: readonly { hosts: readonly string[]; api: WebApi }[] = [],
  unlistedApiRequests: UnlistedApiRequests = 'refuse',
): HostMatcher {
  const apis = webApis.map((w) => ({ host: compileGlobList(w.hosts.map((h) => h.toLowerCase()), '.'), api: w.api }));
  const m = hosts.length === 0 ? () => false : compileGlobList(hosts.map((h) => h.toLowerCase()), '.');
  const compiled = proxies.map((p) => ({
    host: compileGlobList(p.hosts.map((h) => h.toLowerCase()), '.'),
    prefix: pathPrefix(p.prefix.split('/').slice(1)),
    // Backstage's Kubernetes backend mounts its proxy at `<mount>/proxy`; its other routes under
    // `<mount>` call the API server themselves (request/backstage.ts).
    backstage: /\/proxy$/i.test(p.prefix) && p.prefix.split('/').length > 2 ? pathPrefix(p.prefix.split('/').slice(1, -1)) : undefined,
    // Headlamp serves its clusters at `<base>/clusters/<name>/`, its other routes at `<base>/…`.
    headlamp: /\/clusters\/\*$/i.test(p.prefix) ? pathPrefix(p.prefix.split('/').slice(1, -2)) : undefined,
  }));
  const named = clusters.map((c) => ({ name: c.name, host: compileGlobList(c.hosts.map((h) => h.toLowerCase()), '.') }));
  return {
    clusterNames: Object.freeze(clusters.map((c) => c.name)),
    unlistedApiRequests,
    matches(host, ctx) {
      const tag = Object.hasOwn(ctx, KUBE_CONTEXT_KEY) ? ctx[KUBE_CONTEXT_KEY] : undefined;
      if (tag === 'true') return true;
      if (tag === 'false') return false;
      return m(host);
    },
    proxyPrefix(host) {
      for (const p of compiled) if (p.host(host)) return p.prefix;
      return undefined;
    },
    backstageMount(host) {
      for (const p of compiled) if (p.host(host)) return p.backstage;
      return undefined;
    },
    headlampBase(host) {
      for (const p of compiled) if (p.host(host)) return p.headlamp;
      return undefined;
    },
    webApi(host) {
      // Asked of every web request: an indexed loop allocates no iterator (bench/alloc.ts).
      for (let i = 0; i < apis.length; i++) if (apis[i]!.host(host)) return apis[i]!.api;
      return undefined;
    },
    clusterOf(host, proxied) {
      // A dashboard serves every cluster under one host: its path says which, not its host.
      if (proxied !== undefined) {
        for (const seg of proxied) for (const c of named) if (c.name === seg) return c.name;
        return '';
      }
      for (const c of named) if (c.host(host)) return c.name;
      return '';
    },
  };
}
