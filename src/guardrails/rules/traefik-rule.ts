import { UNKNOWN_VALUE } from '../parse.js';

/**
 * The hostnames a Traefik router rule (`spec.routes[].match` of an IngressRoute or IngressRouteTCP)
 * can match, read conservatively: every name it may serve is covered by one returned, or the
 * result is UNKNOWN_VALUE, which the host rules treat as any host.
 *
 * The grammar is Traefik's: matchers (`Host(`a`)`, `PathPrefix(`/x`)`, …) combined with `&&`, `||`,
 * `!` and parentheses, arguments in backticks or double quotes (v2 takes several per matcher, v3
 * one). Host matchers are `Host`, `HostHeader` (v2), `HostSNI`, `HostRegexp` and `HostSNIRegexp`.
 * A rule in which some alternative matches without a host constraint (`Host(`a`) || Path(`/x`)`,
 * `!Host(`a`)`, or no host matcher at all) serves every name there: its result includes `*`.
 * Unlike a Gateway API route without hostnames, which gets only what the routes with hostnames do
 * not match, a Traefik router competes with every other router of its entry points by priority,
 * the rule's length by default: `PathPrefix(`/api/v1/namespaces/prod/secrets`)` is longer than
 * `Host(`kube.example.com`)` and wins on that host.
 */
export function traefikRuleHosts(rule: string): string[] | typeof UNKNOWN_VALUE {
  const tokens = tokenize(rule);
  if (tokens === undefined) return UNKNOWN_VALUE;
  const p = new Parser(tokens);
  const result = p.expr();
  if (result === undefined || !p.done()) return UNKNOWN_VALUE;
  if (result.unknown) return UNKNOWN_VALUE;
  return result.free ? [...result.hosts, '*'] : result.hosts;
}

type Token = { t: 'id'; v: string } | { t: 'str'; v: string } | { t: '(' | ')' | ',' | '&&' | '||' | '!' };

function tokenize(s: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')' || c === ',' || c === '!') {
      out.push({ t: c });
      i++;
    } else if (s.startsWith('&&', i) || s.startsWith('||', i)) {
      out.push({ t: s.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end < 0) return undefined;
      out.push({ t: 'str', v: s.slice(i + 1, end) });
      i = end + 1;
    } else if (c === '"') {
      // Go's quoted string: escapes are kept as written, which makes a host that has one unknown.
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) return undefined;
      const v = s.slice(i + 1, j);
      if (v.includes('\\')) return undefined;
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < s.length && /[A-Za-z0-9]/.test(s[j]!)) j++;
      out.push({ t: 'id', v: s.slice(i, j) });
      i = j;
    } else return undefined;
  }
  return out;
}

/** What a part of a rule says about the host: the names its host matchers give, and whether some match of it has no host constraint. */
interface Hosts {
  hosts: string[];
  /** Some request matches this part whatever its host is. */
  free: boolean;
  unknown: boolean;
}

const HOST_MATCHERS = new Set(['Host', 'HostHeader', 'HostSNI']);
const REGEXP_MATCHERS = new Set(['HostRegexp', 'HostSNIRegexp']);

/** Nesting of `(` and `!` read; deeper is unreadable (UNKNOWN_VALUE, any host). */
const MAX_DEPTH = 64;
/** Host names kept per rule; more is unreadable: a rule is a few names, not a list to scan. */
const MAX_HOSTS = 256;

/**
 * Both parts' names, appended to the left part's own list (each part's list is its own: a matcher's
 * arguments, or a join's), so a long chain of `||` costs its length, not its square: copying both
 * lists at every step took 23 s for 50,000 alternatives, on the Check's thread.
 */
function join(left: Hosts, right: Hosts, free: boolean): Hosts {
  if (left.hosts.length + right.hosts.length > MAX_HOSTS) return { hosts: [], free, unknown: true };
  for (const h of right.hosts) left.hosts.push(h);
  return { hosts: left.hosts, free, unknown: left.unknown || right.unknown };
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.i === this.tokens.length;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  expr(): Hosts | undefined {
    let left = this.term();
    while (left !== undefined && this.peek()?.t === '||') {
      this.i++;
      const right = this.term();
      if (right === undefined) return undefined;
      left = join(left, right, left.free || right.free);
    }
    return left;
  }

  private term(): Hosts | undefined {
    let left = this.factor();
    while (left !== undefined && this.peek()?.t === '&&') {
      this.i++;
      const right = this.factor();
      if (right === undefined) return undefined;
      // Both must match: a host constraint on either side constrains the whole. Both sides'
      // names are kept (more than the intersection, never less).
      left = join(left, right, left.free && right.free);
    }
    return left;
  }

  private factor(): Hosts | undefined {
    const tok = this.peek();
    if (tok === undefined) return undefined;
    if (tok.t === '!' || tok.t === '(') {
      // Nesting deeper than any hand-written rule is no rule to read (and would take the stack).
      if (++this.depth > MAX_DEPTH) return undefined;
      this.i++;
      const inner = tok.t === '!' ? this.factor() : this.expr();
      this.depth--;
      if (inner === undefined) return undefined;
      // Not a host is every other host: the names stay (for the report), and the match is free.
      if (tok.t === '!') return { ...inner, free: true };
      if (this.peek()?.t !== ')') return undefined;
      this.i++;
      return inner;
    }
    if (tok.t !== 'id') return undefined;
    this.i++;
    if (this.peek()?.t !== '(') return undefined;
    this.i++;
    const args: string[] = [];
    while (this.peek()?.t !== ')') {
      const a = this.peek();
      if (a?.t !== 'str') return undefined;
      args.push(a.v);
      this.i++;
      if (this.peek()?.t === ',') this.i++;
      else if (this.peek()?.t !== ')') return undefined;
    }
    this.i++;
    if (args.length > MAX_HOSTS) return { hosts: [], free: false, unknown: true };
    if (HOST_MATCHERS.has(tok.v)) return { hosts: args, free: false, unknown: args.length === 0 };
    if (REGEXP_MATCHERS.has(tok.v)) {
      const hosts = args.map(hostOfRegexp);
      if (args.length === 0 || hosts.some((h) => h === undefined)) return { hosts: [], free: false, unknown: true };
      return { hosts: hosts as string[], free: false, unknown: false };
    }
    // Any other matcher (a path, a header, a method, a client IP) leaves the host free.
    return { hosts: [], free: true, unknown: false };
  }
}

/**
 * A host regexp as a host the rules compare: a literal name, `*.<suffix>` for every name under a
 * literal suffix, or undefined when neither covers what it matches. Traefik v2 writes a template
 * (`{sub:[a-z]+}.example.com`, literal outside the braces, anchored); v3 a Go regexp, anchored only
 * where it says so (`^[a-z]+\.example\.com$`).
 */
export function hostOfRegexp(re: string): string | undefined {
  if (/\{[A-Za-z_][A-Za-z0-9_]*(:[^{}]*)?\}/.test(re) && !/[\\^$|]/.test(re.replace(/\{[^{}]*\}/g, ''))) {
    const bare = re.replace(/\{[^{}]*\}/g, '{}');
    const tail = bare.slice(bare.lastIndexOf('}') + 1);
    if (!/^[A-Za-z0-9.-]*$/.test(tail)) return undefined;
    if (!bare.includes('{')) return tail;
    return tail.startsWith('.') && tail.length > 1 ? `*${tail}` : undefined;
  }
  if (!re.endsWith('$') || re.endsWith('\\$')) return undefined;
  const body = re.slice(0, -1);
  // The literal tail: letters, digits, `-` and escaped dots, from the end back.
  let j = body.length;
  while (j > 0) {
    if (j >= 2 && body[j - 1] === '.' && body[j - 2] === '\\') j -= 2;
    else if (/[A-Za-z0-9-]/.test(body[j - 1]!)) j--;
    else break;
  }
  const tail = body.slice(j).replace(/\\\./g, '.');
  const head = body.slice(0, j);
  if (head === '^') return tail === '' ? undefined : tail;
  // A head of alternatives outside a group (`.*|\.x\.com$`) matches what the tail does not say.
  if (!tail.startsWith('.') || tail.length < 2 || topLevelAlternation(head)) return undefined;
  return `*${tail}`;
}

function topLevelAlternation(re: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let k = 0; k < re.length; k++) {
    const c = re[k];
    if (c === '\\') k++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth <= 0) return true;
  }
  return false;
}
