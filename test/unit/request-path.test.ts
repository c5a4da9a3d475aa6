import { describe, expect, it } from 'vitest';
import { MAX_PATH_BYTES, normalisePath } from '../../src/request/path.js';

type Ok = [name: string, target: string, path: string, query: string];
type Bad = [name: string, target: string, problem: RegExp];

const accepted: Ok[] = [
  ['plain', '/api/v1/pods', '/api/v1/pods', ''],
  ['root', '/', '/', ''],
  ['query split at first ?', '/api/v1/pods?watch=1&labelSelector=a%3Db?c', '/api/v1/pods', 'watch=1&labelSelector=a%3Db?c'],
  ['empty query', '/api/v1/pods?', '/api/v1/pods', ''],
  ['%70rod decodes to prod', '/api/v1/namespaces/%70rod/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['upper- and lower-case hex', '/api/v1/namespaces/%70%72%6F%64/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['%2F becomes a separator', '/api/v1/namespaces/a%2Fb/pods', '/api/v1/namespaces/a/b/pods', ''],
  ['%2f lower-case too', '/api%2fv1/pods', '/api/v1/pods', ''],
  ['%25 not followed by hex decodes once', '/a/100%25%20up', '/a/100% up', ''],
  ['query is not decoded', '/x?fieldSelector=metadata.name%3Dfoo', '/x', 'fieldSelector=metadata.name%3Dfoo'],
  ['+ stays literal in the path', '/a+b', '/a+b', ''],
  ['multi-byte UTF-8 escape', '/caf%C3%A9', '/café', ''],
  ['raw non-ASCII passes through', '/café/x', '/café/x', ''],
  ['double slashes merged', '/api//v1///namespaces/x//pods', '/api/v1/namespaces/x/pods', ''],
  ['leading double slash', '//api/v1/pods', '/api/v1/pods', ''],
  // Go's ParseRequestURI also reads "//host/..." in a request line as a path, not an authority.
  ['scheme-relative target is a path', '//host/api', '/host/api', ''],
  ['encoded slash merged with its neighbour', '/api/%2Fv1/pods', '/api/v1/pods', ''],
  ['trailing slash kept', '/api/v1/pods/', '/api/v1/pods/', ''],
  ['trailing double slash becomes one', '/api/v1/pods//', '/api/v1/pods/', ''],
  ['dot-prefixed names are not dot segments', '/.well-known/openid-configuration', '/.well-known/openid-configuration', ''],
  ['three dots is a name', '/a/.../b', '/a/.../b', ''],
  ['a dotfile is a name', '/a/.c/', '/a/.c/', ''],
  ['an encoded dot inside a name', '/a/b%2Ec', '/a/b.c', ''],
  ['..x is a name', '/a/..x/%2E%2Ey', '/a/..x/..y', ''],
  ['absolute-form http', 'http://kube.example:6443/api/v1/pods?watch=1', '/api/v1/pods', 'watch=1'],
  ['absolute-form https, upper-case scheme', 'HTTPS://kube.example/api/v1/namespaces/%70rod/pods', '/api/v1/namespaces/prod/pods', ''],
  ['absolute-form without a path', 'https://kube.example?x=1', '/', 'x=1'],
  ['absolute-form host only', 'https://kube.example', '/', ''],
  ['exactly the length limit', '/' + 'a'.repeat(MAX_PATH_BYTES - 1), '/' + 'a'.repeat(MAX_PATH_BYTES - 1), ''],
  ['10000 query parameters is still fine', '/x?' + '&'.repeat(9999), '/x', '&'.repeat(9999)],
];

const rejected: Bad[] = [
  ['malformed escape %zz', '/api/v1/namespaces/%zz/pods', /percent-encoding/],
  ['half-hex escape', '/api/%2g', /percent-encoding/],
  ['trailing %', '/api/v1/pods%', /percent-encoding/],
  ['trailing %2', '/api/v1/pods%2', /percent-encoding/],
  ['bad escape before a valid query', '/a%?x=%41', /percent-encoding/],
  ['%00', '/api/v1/namespaces/a%00b/pods', /control character/],
  ['encoded newline', '/api/v1/pods%0A', /control character/],
  ['encoded DEL', '/api/v1/pods%7f', /control character/],
  ['raw NUL', '/api/v1/\u0000pods', /control character/],
  ['raw tab', '/api/v1/\tpods', /control character/],
  ['raw carriage return', '/api/v1/pods\r', /control character/],
  ['escape that is not UTF-8', '/api/v1/namespaces/%ff/pods', /UTF-8/],
  ['truncated UTF-8 sequence', '/caf%C3', /UTF-8/],
  ['relative target', 'api/v1/pods', /does not start with '\/'/],
  ['asterisk-form', '*', /does not start with '\/'/],
  ['empty target', '', /does not start with '\/'/],
  ['query-only target', '?watch=1', /does not start with '\/'/],
  ['non-http absolute-form', 'ftp://host/api', /does not start with '\/'/],
  ['one byte over the limit', '/' + 'a'.repeat(MAX_PATH_BYTES), /longer than 8192 bytes/],
  ['over the limit in UTF-8 bytes', '/' + 'é'.repeat(MAX_PATH_BYTES / 2), /longer than 8192 bytes/],
  ['over the limit before decoding', '/' + '%61'.repeat(3000), /longer than 8192 bytes/],
  ['more query parameters than Go parses', '/x?' + 'a&'.repeat(10_000), /too many query parameters/],
  // Resolving these would be a guess: Go and Node route on the unresolved path, Envoy's
  // normalize_path and nginx resolve it. Browsers and curl resolve them before sending.
  ['fragment', '/api/v1/pods#frag', /fragment/],
  ['fragment after the query (Go would keep it in RawQuery)', '/api/v1/pods?watch=1#frag?x', /fragment/],
  ['? inside a fragment', '/api/v1/pods#a?watch=1', /fragment/],
  ['dot-dot segment', '/api/v1/namespaces/default/../prod/secrets', /dot segment/],
  ['dot segment', '/api/./v1/./pods', /dot segment/],
  ['encoded dot-dot', '/api/v1/namespaces/default/%2e%2e/prod/secrets', /dot segment/],
  ['half-encoded dot-dot', '/admin/.%2E/public', /dot segment/],
  ['encoded dot', '/admin/%2E/x', /dot segment/],
  ['encoded slash and dots', '/api/v1/namespaces/default%2F..%2Fprod/secrets', /dot segment/],
  ['dot-dot hidden behind encoded slashes', '/admin/..%2F..%2Fpublic', /dot segment/],
  ['leading /..', '/../api/v1/pods', /dot segment/],
  ['many leading /..', '/../../../../etc', /dot segment/],
  ['only /..', '/..', /dot segment/],
  ['only /.', '/.', /dot segment/],
  ['trailing dot-dot', '/api/v1/x/..', /dot segment/],
  ['trailing dot', '/api/v1/.', /dot segment/],
  ['dot-dot with query', '/a/b/../c?x=1', /dot segment/],
  ['dot-dot after merged slashes', '/a//..//b', /dot segment/],
  ['dotfile after dot-dot', '/a/b/../.c', /dot segment/],
  // Tomcat and Jetty drop a segment's ';' parameters (`/x/..;/admin` is `/admin` to them); IIS,
  // Envoy's normalize_path and browsers read a backslash as '/', Go and Node keep it.
  ['Tomcat traversal ..;', '/x/..;/admin/users', /path parameter/],
  ['path parameter in a segment', '/admin;jsessionid=1/users', /path parameter/],
  ['empty path parameter', '/api;/admin/users', /path parameter/],
  ['encoded path parameter', '/api/admin%3B/users', /path parameter/],
  ['backslash', '/a\\b', /backslash/],
  ['encoded backslash', '/a/%5C', /backslash/],
  ['encoded backslash as a separator', '/%5cadmin/users', /backslash/],
  // A server that decodes twice reads these as '/', '..' and 'admin'; stepgate decodes once.
  ['double-encoded slash', '/api/v1/namespaces/a%252Fb/pods', /percent-encoded escape/],
  ['double-encoded dot-dot', '/x/%252e%252e/admin', /percent-encoded escape/],
  ['double-encoded letter', '/%2561dmin/users', /percent-encoded escape/],
  ['encoded question mark', '/admin%3F/users', /encoded '\?' or '#'/],
  ['encoded hash', '/admin%23/users', /encoded '\?' or '#'/],
  // Fullwidth forms are ASCII punctuation after NFKC or Windows' best-fit mapping.
  ['fullwidth solidus', '/x\uff0fadmin/users', /compatibility character/],
  ['fullwidth dots', '/x/\uff0e\uff0e/admin', /compatibility character/],
  ['encoded fullwidth dots', '/x/%EF%BC%8E%EF%BC%8E/admin', /compatibility character/],
  ['fullwidth reverse solidus', '/x\uff3cadmin', /compatibility character/],
];

// What real Kubernetes clients send (kubectl, client-go, controllers, kubectl proxy users): read in
// kubernetes mode to exactly Go's URL.Path, with nothing merged or resolved.
const kubeAccepted: Ok[] = [
  ['list', '/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/pods', ''],
  ['get with options', '/apis/apps/v1/namespaces/x/deployments/web?resourceVersion=0', '/apis/apps/v1/namespaces/x/deployments/web', 'resourceVersion=0'],
  ['watch with bookmarks', '/api/v1/pods?allowWatchBookmarks=true&resourceVersion=12&watch=true', '/api/v1/pods', 'allowWatchBookmarks=true&resourceVersion=12&watch=true'],
  ['fieldSelector with an encoded slash in the query', '/api/v1/events?fieldSelector=involvedObject.name%3Da%2Fb', '/api/v1/events', 'fieldSelector=involvedObject.name%3Da%2Fb'],
  ['exec query', '/api/v1/namespaces/x/pods/p/exec?command=sh&command=-c&command=ls%20%2F&stdin=true', '/api/v1/namespaces/x/pods/p/exec', 'command=sh&command=-c&command=ls%20%2F&stdin=true'],
  ['trailing slash (kube trims it)', '/api/v1/namespaces/x/pods/', '/api/v1/namespaces/x/pods/', ''],
  ['service proxy with a trailing slash', '/api/v1/namespaces/kube-system/services/https:dashboard:/proxy/', '/api/v1/namespaces/kube-system/services/https:dashboard:/proxy/', ''],
  ['service proxy, colons encoded', '/api/v1/namespaces/x/services/https%3Aweb%3A443/proxy/api/v1/login', '/api/v1/namespaces/x/services/https:web:443/proxy/api/v1/login', ''],
  ['node proxy with a path', '/api/v1/nodes/node-1/proxy/stats/summary', '/api/v1/nodes/node-1/proxy/stats/summary', ''],
  ['discovery', '/apis', '/apis', ''],
  ['root', '/', '/', ''],
  ['openid discovery', '/.well-known/openid-configuration', '/.well-known/openid-configuration', ''],
  ['%70rod decodes like Go', '/api/v1/namespaces/%70rod/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['encoded dot inside a name', '/api/v1/namespaces/kube%2Esystem/pods', '/api/v1/namespaces/kube.system/pods', ''],
  ['%25 decodes once', '/api/v1/namespaces/x/configmaps/a%25b', '/api/v1/namespaces/x/configmaps/a%b', ''],
  ['+ is literal', '/api/v1/namespaces/x/configmaps/a+b', '/api/v1/namespaces/x/configmaps/a+b', ''],
  ['UTF-8 escape', '/api/v1/namespaces/x/configmaps/caf%C3%A9', '/api/v1/namespaces/x/configmaps/café', ''],
  ['a name starting with dots', '/api/v1/namespaces/x/configmaps/..data', '/api/v1/namespaces/x/configmaps/..data', ''],
  ['absolute-form', 'https://kube.example:6443/api/v1/pods?watch=1', '/api/v1/pods', 'watch=1'],
];

// Each of these would be read one way by stepgate and possibly another by the gateway or
// kube-apiserver; they are refused rather than guessed at.
const kubeRejected: Bad[] = [
  ['inner empty segment (kube: all-namespace list)', '/api/v1/namespaces//secrets', /empty path segment/],
  ['empty segment before a write', '/apis/apps/v1/namespaces//deployments', /empty path segment/],
  ['empty segment before exec', '/api/v1/namespaces//pods/web-0/exec', /empty path segment/],
  ['empty segment in the prefix', '/api//v1/pods', /empty path segment/],
  ['leading double slash', '//api/v1/namespaces/x/secrets', /empty path segment/],
  ['double trailing slash', '/api/v1/namespaces/x/pods//', /empty path segment/],
  ['root as //', '//', /empty path segment/],
  ['empty segment after proxy', '/api/v1/nodes/n1/proxy//metrics', /empty path segment/],
  ['encoded slash', '/api/v1/namespaces/%2Fsecrets', /encoded '\/'/],
  ['encoded slash, lower-case', '/api/v1/namespaces/prod%2fsecrets', /encoded '\/'/],
  ['encoded slash in the prefix', '/api%2Fv1/pods', /encoded '\/'/],
  ['encoded slash after proxy', '/api/v1/nodes/n1/proxy/a%2F..%2F..', /encoded '\/'/],
  ['literal backslash', '/api/v1/namespaces/x\\..\\prod/secrets', /backslash/],
  ['encoded backslash', '/api/v1/namespaces/x%5C..%5Cprod/secrets', /backslash/],
  ['encoded backslash, lower-case', '/api/v1/namespaces/x/pods/p%5cexec', /backslash/],
  ['dot-dot', '/api/v1/namespaces/dev/../prod/secrets', /dot segment/],
  ['dot-dot after proxy', '/api/v1/nodes/n1/proxy/a/../..', /dot segment/],
  ['encoded dot-dot after proxy', '/api/v1/nodes/n1/proxy/%2E%2E/%2e%2E', /dot segment/],
  ['half-encoded dot-dot', '/api/v1/namespaces/dev/.%2e/prod/secrets', /dot segment/],
  ['dot', '/api/v1/./namespaces/x/secrets', /dot segment/],
  ['trailing dot', '/api/v1/namespaces/x/secrets/.', /dot segment/],
  ['encoded dot as a namespace', '/api/v1/namespaces/%2E/secrets', /dot segment/],
  ['fragment', '/api/v1/namespaces/x#/secrets', /fragment/],
  ['fragment in the query', '/api/v1/secrets?fieldSelector=metadata.name%3Dx#&watch=1', /fragment/],
  ['fragment in absolute-form', 'https://kube.example#/api/v1/secrets', /fragment/],
  ['the generic refusals still apply', '/api/v1/namespaces/%zz/pods', /percent-encoding/],
];

describe('normalisePath', () => {
  it.each(accepted)('%s', (_name, target, path, query) => {
    expect(normalisePath(target)).toEqual({ ok: true, path, query });
  });

  it.each(rejected)('rejects: %s', (_name, target, problem) => {
    const result = normalisePath(target);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('returns the target itself when nothing needs rewriting', () => {
    const target = '/api/v1/namespaces/default/pods';
    const result = normalisePath(target);
    expect(result.ok && result.path).toBe(target);
  });

  it.each(kubeAccepted)('kubernetes: %s', (_name, target, path, query) => {
    expect(normalisePath(target, 'kubernetes')).toEqual({ ok: true, path, query });
  });

  it.each(kubeRejected)('kubernetes rejects: %s', (_name, target, problem) => {
    const result = normalisePath(target, 'kubernetes');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('kubernetes mode refuses everything generic mode refuses', () => {
    for (const [, target] of rejected) expect(normalisePath(target, 'kubernetes').ok, target).toBe(false);
  });

  it('kubernetes mode returns the target itself when there is nothing to decode', () => {
    for (const target of ['/api/v1/namespaces/default/pods', '/api/v1/pods/', '/.well-known/openid-configuration']) {
      const result = normalisePath(target, 'kubernetes');
      expect(result.ok && result.path).toBe(target);
    }
  });

  it('is idempotent on its own output', () => {
    for (const [, target] of accepted) {
      const once = normalisePath(target);
      if (!once.ok || once.path.includes('%')) continue;
      expect(normalisePath(once.path)).toEqual({ ok: true, path: once.path, query: '' });
    }
  });
});
