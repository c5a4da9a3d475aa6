/**
 * What a Vault agent template (Consul Template, Go's text/template) can fetch, read the way its
 * lexer reads it: the string literals of its actions, and whether each Vault call's path is one.
 *
 * A regex for `secret "path"` missed every other spelling the template engine takes for the same
 * call: a raw string (`secret \`path\``), a parenthesised or piped argument (`secret ("path")`,
 * `"path" | secret`), Go escapes inside the literal (`tax\x2dprod`), a path held in a variable or
 * built by `printf`, and the other functions that read Vault (`secrets` lists a path, `pkiCert`
 * issues from a mount). So the reader takes every literal of every action (decoded as Go decodes
 * it: a production word in any of them is what the template names), and calls a Vault read whose
 * argument is no single literal computed: its path is not known before the agent runs.
 */

/** Consul Template's functions that read Vault. */
const VAULT_READS = new Set(['secret', 'secrets', 'pkiCert']);
/** Bounds on what one annotation costs to read (an annotation value is at most 256 KiB in total). */
const MAX_ACTIONS = 4096;

export interface TemplateReads {
  /** Every string literal in the template's actions, as the template engine decodes it. */
  literals: string[];
  /** A Vault read whose path is no single literal (a variable, a pipeline, a `printf`). */
  computed: boolean;
}

export function templateReads(text: string, left = '{{', right = '}}'): TemplateReads {
  const out: TemplateReads = { literals: [], computed: false };
  // Empty delimiters are the engine's defaults, as the injector passes them on.
  const l = left === '' ? '{{' : left;
  const r = right === '' ? '}}' : right;
  let at = 0;
  for (let n = 0; n < MAX_ACTIONS; n++) {
    const open = text.indexOf(l, at);
    if (open < 0) return out;
    const end = readAction(text, open + l.length, r, out);
    // An action that never closes, or a literal that never ends, is a parse error to the agent:
    // the template renders nothing, so what comes after it fetches nothing.
    if (end < 0) return out;
    at = end;
  }
  // More actions than anyone writes: what is left is unread, so its reads are unknown.
  out.computed = true;
  return out;
}

/**
 * A Vault read in any delimiters: the function's name, a space (Go's parser asks for one between
 * operands), then what starts an argument that is no literal (a parenthesis, a variable, a field),
 * or the function at the end of a pipe. Any delimiter may precede it, letters too, so no word
 * boundary is asked for.
 */
const CALL_ANYWHERE = /(?:secrets?|pkiCert)\s+[($.]|\|\s*(?:secrets?|pkiCert)(?![A-Za-z0-9_])/;
/** Go's numeric escapes, decoded wherever they stand (a literal in unknown delimiters is anywhere). */
const GO_ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))/g;

/**
 * The template read when its delimiters are not known (a patch that sets it without them, over a
 * stored object that may hold any; a delimiter a JSON patch copies in): where its actions are
 * cannot be told, so all of its text counts as a literal, decoded and not, and a Vault read
 * anywhere whose argument is no literal is computed.
 */
export function templateReadsAnyDelimiters(text: string): TemplateReads {
  const decoded = text.replace(GO_ESCAPE, (m, x?: string, u?: string, U?: string, o?: string) => {
    const code = Number.parseInt(x ?? u ?? U ?? o ?? '', o === undefined ? 16 : 8);
    return code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? m : String.fromCodePoint(code);
  });
  return { literals: decoded === text ? [text] : [text, decoded], computed: CALL_ANYWHERE.test(text) };
}

/** Reads one action from `i` to its right delimiter (outside literals); the index after it, or -1. */
function readAction(text: string, i: number, right: string, out: TemplateReads): number {
  // Whether the last token was a Vault read, so the next one is its argument.
  let pendingCall = false;
  while (i < text.length) {
    if (text.startsWith(right, i)) {
      if (pendingCall) out.computed = true;
      return i + right.length;
    }
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return -1;
      i = close + 2;
      continue;
    }
    if (c === '"' || c === '`' || c === "'") {
      const lit = readLiteral(text, i);
      if (lit === undefined) return -1;
      out.literals.push(lit.value);
      pendingCall = false;
      i = lit.end;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      // A field (`.secret`) or a variable (`$secret`) is no call.
      const prev = text[i - 1];
      if (pendingCall) out.computed = true;
      pendingCall = prev !== '.' && prev !== '$' && VAULT_READS.has(word);
      i = j;
      continue;
    }
    // Any other token (a parenthesis, a pipe, a variable, a number) as a Vault call's argument.
    if (pendingCall) out.computed = true;
    pendingCall = false;
    i++;
  }
  return -1;
}

/** A Go literal at `i` (interpreted, raw or a rune) decoded, and the index after it. */
function readLiteral(text: string, i: number): { value: string; end: number } | undefined {
  const quote = text[i]!;
  if (quote === '`') {
    const close = text.indexOf('`', i + 1);
    return close < 0 ? undefined : { value: text.slice(i + 1, close), end: close + 1 };
  }
  let value = '';
  let j = i + 1;
  while (j < text.length) {
    const c = text[j]!;
    if (c === quote) return { value, end: j + 1 };
    if (c === '\n') return undefined;
    if (c !== '\\') {
      value += c;
      j++;
      continue;
    }
    const e = text[j + 1];
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      value += simple;
      j += 2;
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : e !== undefined && e >= '0' && e <= '7' ? 3 : 0;
    if (width === 0) return undefined;
    const digits = e === 'x' || e === 'u' || e === 'U' ? text.slice(j + 2, j + 2 + width) : text.slice(j + 1, j + 1 + width);
    const hex = e === 'x' || e === 'u' || e === 'U';
    if (!(hex ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/).test(digits) || digits.length !== width) return undefined;
    const code = Number.parseInt(digits, hex ? 16 : 8);
    // Go takes \x and octal escapes as bytes: for the ASCII a path's words are made of, the byte is the character.
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    value += String.fromCodePoint(code);
    j += hex ? 2 + width : 1 + width;
  }
  return undefined;
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\u0007'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
  ['v', '\v'],
  ['\\', '\\'],
  ["'", "'"],
  ['"', '"'],
]);
