/**
 * Kubernetes policies lean on CEL's optional syntax (`a.?b`, `a[?i]`), which @bufbuild/cel's
 * parser (0.6) does not accept. Before parsing, each optional step is rewritten into a call of a
 * function this package registers, on the same receiver, so precedence is unchanged:
 *
 *   object.spec.?hostPID.orValue(false)   →  object.spec.__sg_opt_select("hostPID").orValue(false)
 *   object.spec.containers[?0]            →  object.spec.containers.__sg_opt_index(0)
 *
 * As in cel-go, once a chain is optional, the plain steps after it are optional too
 * (`a.?b.c` is none when b is absent). Optional entries in list and map literals (`[?x]`,
 * `{?k: v}`) are refused with a clear message rather than guessed at.
 */

export const OPT_SELECT = '__sg_opt_select';
export const OPT_INDEX = '__sg_opt_index';
/** Identifiers with this prefix are ours; a policy that names one is refused. */
export const RESERVED_PREFIX = '__sg_';

export class SyntaxProblem extends Error {
  override name = 'SyntaxProblem';
}

interface Frame {
  /** `]` closes an optional index written as a call: emit `)`. */
  optionalIndex: boolean;
  /** The chain outside this bracket was optional before it opened. */
  outerOptional: boolean;
  /** `(` of a method call: the chain's optional-ness ends with the call. */
  call: boolean;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

export function rewriteOptionalSyntax(src: string): string {
  if (src.includes(RESERVED_PREFIX)) throw new SyntaxProblem(`identifiers starting with ${RESERVED_PREFIX} are reserved`);
  let out = '';
  let i = 0;
  const stack: Frame[] = [];
  let optional = false; // the chain being built is optional
  // What the last significant token was: an operand end means a following `[` indexes it.
  let operandEnd = false;
  let pendingCall = false; // an identifier after '.' just ended: a '(' makes it a method call
  while (i < src.length) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      const nl = src.indexOf('\n', i);
      const end = nl < 0 ? src.length : nl;
      out += src.slice(i, end);
      i = end;
      continue;
    }
    if (/\s/.test(c)) {
      out += c;
      i++;
      continue;
    }
    const str = stringLiteralEnd(src, i);
    if (str > i) {
      out += src.slice(i, str);
      i = str;
      operandEnd = true;
      optional = false;
      pendingCall = false;
      continue;
    }
    if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
      let j = skipSpace(src, i + 1);
      const isOpt = src[j] === '?';
      if (isOpt) j = skipSpace(src, j + 1);
      if (!IDENT_START.test(src[j] ?? '')) {
        if (isOpt) throw new SyntaxProblem(`'.?' must be followed by a field name (at offset ${i})`);
        out += c;
        i++;
        operandEnd = false;
        continue;
      }
      let k = j;
      while (k < src.length && IDENT_PART.test(src[k]!)) k++;
      const name = src.slice(j, k);
      const isCall = src[skipSpace(src, k)] === '(';
      if (isOpt || (optional && !isCall)) {
        if (isCall) throw new SyntaxProblem(`'.?${name}(' is not a field selection`);
        out += `.${OPT_SELECT}(${JSON.stringify(name)})`;
        optional = true;
        operandEnd = true;
        pendingCall = false;
      } else {
        out += `.${name}`;
        operandEnd = true;
        pendingCall = isCall;
      }
      i = k;
      continue;
    }
    if (c === '[') {
      const j = skipSpace(src, i + 1);
      const isOpt = src[j] === '?';
      if (isOpt && !operandEnd) throw new SyntaxProblem('optional list elements ([?x]) are not supported');
      if (operandEnd && (isOpt || optional)) {
        out += `.${OPT_INDEX}(`;
        stack.push({ optionalIndex: true, outerOptional: true, call: false });
        i = isOpt ? j + 1 : i + 1;
      } else {
        out += c;
        stack.push({ optionalIndex: false, outerOptional: optional, call: false });
        i++;
      }
      optional = false;
      operandEnd = false;
      pendingCall = false;
      continue;
    }
    if (c === '(' || c === '{') {
      if (c === '{' && src[skipSpace(src, i + 1)] === '?') throw new SyntaxProblem('optional map entries ({?k: v}) are not supported');
      stack.push({ optionalIndex: false, outerOptional: optional, call: c === '(' && pendingCall });
      out += c;
      i++;
      optional = false;
      operandEnd = false;
      pendingCall = false;
      continue;
    }
    if (c === ']' || c === ')' || c === '}') {
      const f = stack.pop();
      if (f === undefined) throw new SyntaxProblem(`unbalanced '${c}'`);
      out += f.optionalIndex ? ')' : c;
      // An optional index keeps the chain optional; a method call ends it (orValue, hasValue…);
      // a parenthesised expression or a literal starts a new operand.
      optional = f.optionalIndex ? true : f.call ? false : false;
      operandEnd = true;
      pendingCall = false;
      i++;
      continue;
    }
    if (c === ',' && src[skipSpace(src, i + 1)] === '?') throw new SyntaxProblem('optional list elements or map entries (?x) are not supported');
    if (IDENT_START.test(c) || /[0-9]/.test(c)) {
      let k = i;
      while (k < src.length && (IDENT_PART.test(src[k]!) || (/[0-9]/.test(c) && /[.eE+\-xXa-fA-FuU]/.test(src[k]!) && numberContinues(src, i, k)))) k++;
      const word = src.slice(i, k);
      out += word;
      i = k;
      operandEnd = true;
      optional = false;
      pendingCall = IDENT_START.test(c); // a global function call: `f(`
      if (pendingCall) pendingCall = false;
      continue;
    }
    out += c;
    i++;
    operandEnd = false;
    optional = false;
    pendingCall = false;
  }
  if (stack.length > 0) throw new SyntaxProblem('unbalanced brackets');
  return out;
}

function skipSpace(src: string, i: number): number {
  while (i < src.length && /\s/.test(src[i]!)) i++;
  return i;
}

/** Numbers: digits, hex, exponents, a decimal point followed by a digit, the u suffix. */
function numberContinues(src: string, start: number, k: number): boolean {
  const ch = src[k]!;
  if (ch === '.') return /[0-9]/.test(src[k + 1] ?? '');
  if (ch === '+' || ch === '-') return /[eE]/.test(src[k - 1] ?? '') && !/^0[xX]/.test(src.slice(start, k));
  return true;
}

/** The end of a string or bytes literal starting at i (with r/b prefixes), or i when none does. */
function stringLiteralEnd(src: string, i: number): number {
  let j = i;
  let raw = false;
  while (j < src.length && j - i < 2 && /[rRbB]/.test(src[j]!)) {
    if (/[rR]/.test(src[j]!)) raw = true;
    j++;
  }
  const q = src[j];
  if (q !== '"' && q !== "'") return i;
  // An identifier such as `rb` followed by a quote cannot occur in CEL, so a prefix is a prefix.
  if (j > i && i > 0 && IDENT_PART.test(src[i - 1]!)) return i;
  const triple = src.startsWith(q.repeat(3), j);
  const close = triple ? q.repeat(3) : q;
  let k = j + close.length;
  while (k < src.length) {
    if (!raw && src[k] === '\\') {
      k += 2;
      continue;
    }
    if (src.startsWith(close, k)) return k + close.length;
    if (!triple && src[k] === '\n') break;
    k++;
  }
  throw new SyntaxProblem('unterminated string literal');
}
