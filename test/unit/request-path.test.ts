import { describe, expect, it } from 'vitest';
import { MAX_PATH_BYTES, normalisePath } from '../../src/request/path.js';

type Ok = [name: string, target: string, path: string, query: string];
type Bad = [name: string, target: string, problem: RegExp];

const accepted: Ok[] = [
  ['plain', '/api/v1/pods', '/api/v1/pods', ''],
  ['root', '/', '/', ''],
  ['query split at first ?', '/api/v1/pods?watch=1&labelSelector=a%3Db?c', '/api/v1/pods', 'watch=1&labelSelector=a%3Db?c'],
  ['empty query', '/api/v1/pods?', '/api/v1/pods', ''],
  ['fragment dropped', '/api/v1/pods#frag', '/api/v1/pods', ''],
  ['fragment after query dropped', '/api/v1/pods?watch=1#frag?x', '/api/v1/pods', 'watch=1'],
  ['? inside fragment is not a query', '/api/v1/pods#a?watch=1', '/api/v1/pods', ''],
  ['%70rod decodes to prod', '/api/v1/namespaces/%70rod/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['upper- and lower-case hex', '/api/v1/namespaces/%70%72%6F%64/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['%2F becomes a separator', '/api/v1/namespaces/a%2Fb/pods', '/api/v1/namespaces/a/b/pods', ''],
  ['%2f lower-case too', '/api%2fv1/pods', '/api/v1/pods', ''],
  ['%252F decodes once only', '/api/v1/namespaces/a%252Fb/pods', '/api/v1/namespaces/a%2Fb/pods', ''],
  ['query is not decoded', '/x?fieldSelector=metadata.name%3Dfoo', '/x', 'fieldSelector=metadata.name%3Dfoo'],
  ['+ stays literal in the path', '/a+b', '/a+b', ''],
  ['multi-byte UTF-8 escape', '/caf%C3%A9', '/café', ''],
  ['raw non-ASCII passes through', '/café/x', '/café/x', ''],
  ['double slashes merged', '/api//v1///namespaces/x//pods', '/api/v1/namespaces/x/pods', ''],
  ['leading double slash', '//api/v1/pods', '/api/v1/pods', ''],
  // Go's ParseRequestURI also reads "//host/..." in a request line as a path, not an authority.
  ['scheme-relative target is a path', '//host/api', '/host/api', ''],
  ['encoded slash merged with its neighbour', '/api/%2Fv1/pods', '/api/v1/pods', ''],
  ['dot-dot segment', '/api/v1/namespaces/default/../prod/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['dot segment', '/api/./v1/./pods', '/api/v1/pods', ''],
  ['encoded dot-dot', '/api/v1/namespaces/default/%2e%2e/prod/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['encoded slash and dots', '/api/v1/namespaces/default%2F..%2Fprod/secrets', '/api/v1/namespaces/prod/secrets', ''],
  ['leading /.. stays at root', '/../api/v1/pods', '/api/v1/pods', ''],
  ['many leading /..', '/../../../../etc', '/etc', ''],
  ['only /..', '/..', '/', ''],
  ['trailing dot-dot leaves a slash', '/api/v1/x/..', '/api/v1/', ''],
  ['trailing dot leaves a slash', '/api/v1/.', '/api/v1/', ''],
  ['dot-dot with query', '/a/b/../c?x=1', '/a/c', 'x=1'],
  ['trailing slash kept', '/api/v1/pods/', '/api/v1/pods/', ''],
  ['trailing double slash becomes one', '/api/v1/pods//', '/api/v1/pods/', ''],
  ['dot-prefixed names are not dot segments', '/.well-known/openid-configuration', '/.well-known/openid-configuration', ''],
  ['three dots is a name', '/a/.../b', '/a/.../b', ''],
  ['dotfile after dot-dot', '/a/b/../.c', '/a/.c', ''],
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

  it('is idempotent on its own output', () => {
    for (const [, target] of accepted) {
      const once = normalisePath(target);
      if (!once.ok || once.path.includes('%')) continue;
      expect(normalisePath(once.path)).toEqual({ ok: true, path: once.path, query: '' });
    }
  });
});
