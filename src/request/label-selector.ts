import { BAD_ESCAPE, tooManyQueryParams, unescape } from './unescape.js';

/**
 * The label selector of a Kubernetes list, watch or deletecollection, read as kube-apiserver reads
 * it, for one question only: does it require a label to have one value, so that every object
 * served carries it? `helm ls -A` lists Secrets with `labelSelector=owner=helm`, and the API server
 * returns Helm's release records and nothing else; `kubectl get secrets -A` returns every Secret.
 *
 * Conservative by construction: `undefined`/false whenever kube might read the query or the
 * selector differently, so a rule that an unrestricted list must meet is never skipped by mistake.
 */

/**
 * The `labelSelector` value kube's ListOptions decoding takes: Go's url.Query() (pairs split on
 * '&', a pair holding ';' or a bad escape dropped, '+' a space), then the first value. `undefined`
 * when there is none, or when Go would read no parameter at all (tooManyQueryParams).
 */
export function labelSelectorOf(query: string): string | undefined {
  if (query === '' || tooManyQueryParams(query)) return undefined;
  for (const pair of query.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = unescape(eq < 0 ? pair : pair.slice(0, eq), 'query', false);
    if (key === BAD_ESCAPE || key !== 'labelSelector') continue;
    const value = unescape(eq < 0 ? '' : pair.slice(eq + 1), 'query', false);
    // A bad escape drops the pair: a later labelSelector may still be the first value.
    if (value === BAD_ESCAPE) continue;
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

// labels.Parse's lexer: these characters end an identifier and are tokens of their own (with
// "==" and "!=" as one token each); whitespace separates.
const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * Whether `selector` (labels.Parse syntax) has, among its comma-separated requirements (which kube
 * ANDs), one that is exactly `key=value`, `key==value` or `key in (value)`. Anything else, a
 * selector kube would refuse included (it then serves nothing), answers false.
 */
export function selectorRequires(selector: string, key: string, value: string): boolean {
  const tokens = lex(selector);
  if (tokens === undefined) return false;
  let depth = 0;
  let start = 0;
  for (let k = 0; k <= tokens.length; k++) {
    const t = tokens[k];
    if (t === '(') depth++;
    else if (t === ')') depth--;
    if (k < tokens.length && (t !== ',' || depth !== 0)) continue;
    const r = tokens.slice(start, k);
    start = k + 1;
    if (r.length === 3 && r[0] === key && (r[1] === '=' || r[1] === '==') && r[2] === value) return true;
    if (r.length === 5 && r[0] === key && r[1] === 'in' && r[2] === '(' && r[3] === value && r[4] === ')') return true;
  }
  return false;
}

function lex(selector: string): string[] | undefined {
  // Go's lexer reads a NUL byte as the end of the string: what follows it is not there for kube.
  const nul = selector.indexOf('\0');
  const s = nul < 0 ? selector : selector.slice(0, nul);
  const out: string[] = [];
  let k = 0;
  while (k < s.length) {
    const c = s[k]!;
    if (WHITESPACE.has(c)) {
      k++;
    } else if (SPECIAL.has(c)) {
      const two = s.slice(k, k + 2);
      if (two === '==' || two === '!=') {
        out.push(two);
        k += 2;
      } else {
        out.push(c);
        k++;
      }
    } else {
      let e = k;
      while (e < s.length && !WHITESPACE.has(s[e]!) && !SPECIAL.has(s[e]!)) e++;
      out.push(s.slice(k, e));
      k = e;
    }
  }
  return out.length === 0 ? undefined : out;
}
