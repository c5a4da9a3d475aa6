import { CommandWork, PIECE_COST } from './command-work.js';

/**
 * A shell script as the shell reads it, for container_command_egress (commands.ts): the words it
 * runs once quoting, escapes, variables and the simple rewrites a shell does are undone, written back
 * as plain text that commands.ts reads as it reads a script as written. It is a reader, not a shell:
 * it runs nothing, and where it cannot know a value (a variable set outside the script and the
 * manifest, a program's output) it keeps the text as written.
 *
 * Why a reader of its own and not an npm parser: `shell-quote` tokenizes one command line (no
 * `$(…)` nesting, no here-documents), `bash-parser` has had no release since 2017, `mvdan-sh`'s
 * GopherJS build is deprecated by its author in favour of `sh-syntax`, whose WASM parser is
 * asynchronous (the guardrails read a body synchronously, in the request's path). None of them
 * follows assignments, which is what an evasion hides behind (`c=curl; $c …`).
 *
 * What it undoes:
 * - quotes and escapes inside words (`c''url`, `c"ur"l`, `c\url`), ANSI-C strings (`$'\x63url'`);
 * - variables: the script's own simple assignments (`c=curl`, `export T=$(cat …)`, `read t < file`)
 *   and the container's literal env; `${IFS}` is a space; `${X:-curl}` of an unknown X is its
 *   default; `${a:1:4}` of a known value is its slice. An assignment is followed wherever it is (in a
 *   subshell, a branch not taken): the reader does not run the script, and a value that might be
 *   used is read as used;
 * - brace expansion (`{curl,-s,https://…}`) and `$(echo …)`/`$(printf …)` of literal words;
 * - echo's and printf's escapes (`printf '\x63url …' | sh` prints `curl …`);
 * - the code an interpreter is handed (`sh -c`, `eval`, `source`, a here-document, a here-string,
 *   `< <(…)`): a shell's code is read again as a script; code that is one command substitution
 *   (`sh -c "$(X)"`, `bash <<< "$(X)"`, `source <(X)`) is X piped into the interpreter; a here-document
 *   handed to `python3 -` is that interpreter's `-c` code;
 * - the wrappers `env`, `busybox`, `command`, `builtin`, `exec` in front of a program.
 *
 * Cost: one pass over the text per level of code handed to a shell; what expansion adds is bounded
 * (a script that grows past OUTPUT_LIMIT, or nests deeper than DEPTH_LIMIT, is `exhausted`, and the
 * caller asks it: a script nobody can read is not a routine one). Every level read and every word is
 * also paid from the Check's command-reading budget (command-work.ts), shared with the other scripts
 * of the body: past it the reading stops (`overBudget`).
 */

export interface ShellOptions {
  /** The container's literal env values by name (an exec's environment is not in its request). */
  readonly env: ReadonlyMap<string, string>;
  /** Programs that run the code they are handed (`sh`, `python3`, `eval`, `source`, …). */
  readonly interpreters: ReadonlySet<string>;
  /**
   * Whether a variable that holds a command substitution's output (`t=$(cat …/token)`) is written
   * back as that substitution where it is used (`-H "Bearer $t"`), given the substitution's inside:
   * the checker follows what it asks about (a credential read), and keeps `$t` for the rest (an
   * answer of the API, a zone: data, not a second download).
   */
  readonly follows: (inner: string) => boolean;
  /**
   * Files the checker asks about, by absolute path: a glob that may name one (`…/serviceaccount/tok*`,
   * `/var/run/secrets/` then `*` for each directory) is written back as the file, and so is a relative name after a
   * literal `cd` (`cd …/serviceaccount && curl -F f=@token …`) that is one (`isFile`).
   */
  readonly files: readonly string[];
  readonly isFile: (path: string) => boolean;
  /** The Check's command-reading budget (command-work.ts): characters read and words read are paid from it; a fresh one when absent. */
  readonly work?: CommandWork;
}

export interface ShellReading {
  readonly text: string;
  /** The reading stopped: the script nests deeper or expands further than a script is read. */
  readonly exhausted: boolean;
  /** The reading stopped because the Check's command-reading budget ran out (exhausted is true too). */
  readonly overBudget: boolean;
}

const DEPTH_LIMIT = 32;
/** Characters the reading may write: generous for any script, far below what doubling assignments reach. */
const OUTPUT_FLOOR = 1 << 16;
const OUTPUT_FACTOR = 8;

/** `name() {` or `function name {` (also `function name() {`) where a command starts. */
const FUNCTION_DEFINITION = /(?:^|[\s;&|(])(?:function\s+)?([A-Za-z_][\w.:-]*)\s*\(\s*\)\s*\{|(?:^|[\s;&|(])function\s+([A-Za-z_][\w.:-]*)\s*\{/g;
const CALL_COST = 16 * PIECE_COST;
/**
 * Calls inside calls read (render): a helper that calls a helper (`f() { g "$1"; }`). Each level is
 * read only for a call that matters (piped, or handed an address, a credential or a program's name)
 * and once per words, so a chart's helpers (`log`, `retry`) cost nothing more; every level is paid
 * from the budget.
 */
const CALL_DEPTH = 4;
/** A function's argument that makes its call worth reading: an address, a socket, a downloader's or an interpreter's name. */
const CALL_ARGUMENT = /:\/\/|\/dev\/(?:tcp|udp)\/|^(?:curl|wget|nc|ncat|socat|sh|bash|python[0-9.]*|perl|ruby|node|env|printenv)$/;
/** Programs that copy or link a file to another name (their last operand). */
const COPIERS = new Set(['cp', 'ln', 'mv', 'install', 'rsync']);
/** Programs that print the whole environment when given no operands. */
const ENV_PROGRAMS = new Set(['env', 'printenv', 'set', 'export']);
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/;

/**
 * Where an unquoted word ends: the blanks the command loop skips (space, tab, and a CR, read as one
 * for CRLF scripts), a newline and the operators. Not JavaScript's `\s`: a vertical tab, a form
 * feed, a no-break space or a BOM is a word's character to dash and bash (`echo a<VT>b` prints one
 * word), and a word that ended at one without consuming it left the command loop where it was, so
 * a script holding one was read until the budget ran out (over_budget) instead of once.
 */
const WORD_END = /[ \t\r\n;&|<>()]/;
const REDIRECTION = /^(?:[0-9]*|&)(?:<<<|<<-|<<|<>|>>|>&|<&|>\||<|>)/;
const OPERATOR = /^(?:&&|\|\||;;|\|&|[;&|\n]|[()])/;
const OPERATOR_START = new Set(['&', '|', ';', '\n', '(', ')']);
const mayRedirect = (ch: string): boolean => ch === '&' || ch === '<' || ch === '>' || (ch >= '0' && ch <= '9');
/** ASCII characters that continue an unquoted word as they are (1), by code; others end the run. */
const PLAIN = charTable((c) => !/[\s;&|<>()'"$`\\]/.test(c));
/** ASCII characters with no meaning inside double quotes (1). */
const QUOTED_PLAIN = charTable((c) => !/["$`\\]/.test(c));

/** ASCII characters a name starts with. */
const NAME_START = charTable((c) => /[A-Za-z_]/.test(c));

/** `<(` or `>(` at the cursor. */
function processSubstitution(p: Cursor): boolean {
  const c = p.peek();
  return (c === '<' || c === '>') && p.peek(1) === '(';
}

function charTable(plain: (c: string) => boolean): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = plain(String.fromCharCode(c)) ? 1 : 0;
  return t;
}

class Exhausted extends Error {}
/** The Check's budget is spent (command-work.ts): a reason of its own, for its own detail. */
class OverBudget extends Exhausted {}

interface Word {
  /** What the shell makes of the word, written back as text. */
  readonly text: string;
  /** The inner script when the whole word is one command or process substitution (`"$(X)"`, `<(X)`). */
  readonly substitution?: string;
  /** `NAME=value` as written at the start of the word, unquoted. */
  readonly assigns?: string;
  /** The raw word had quotes: a here-document delimiter in quotes means no expansion. */
  readonly quoted: boolean;
}

interface Piece {
  readonly text: string;
  /** The inner script, read, when the piece is a command substitution that is not folded (see substituted). */
  readonly substitution?: string;
}

interface Redirect {
  readonly op: string;
  /** The descriptor written before the operator (`3<>`, `2>`), or ''. */
  readonly fd: string;
  readonly target: Word;
}

interface Command {
  readonly words: Word[];
  readonly redirects: Redirect[];
  readonly heredocs: { delimiter: string; expand: boolean; strip: boolean; body: string }[];
  separator: string;
}

/** The script as the shell reads it (see the file's comment). Pure; never throws. */
export function readShell(script: string, options: ShellOptions): ShellReading {
  const reader = new Reader(options, Math.max(OUTPUT_FLOOR, script.length * OUTPUT_FACTOR));
  try {
    return { text: reader.script(script, 0), exhausted: false, overBudget: false };
  } catch (e) {
    if (e instanceof Exhausted) return { text: '', exhausted: true, overBudget: e instanceof OverBudget };
    throw e;
  }
}

class Reader {
  private readonly vars = new Map<string, string>();
  /** Variables that hold one command substitution's output, by name: its inside, as read. */
  private readonly outputs = new Map<string, string>();
  private readonly aliases = new Map<string, string>();
  /** Functions the script defines, by name: their body as written (defineFunctions). */
  private readonly functions = new Map<string, string>();
  /** Calls read so far (a function's name and words) and whether one is being read (render). */
  private readonly calls = new Set<string>();
  /** How many calls deep the reading is (render): a call inside a body is read to CALL_DEPTH levels. */
  private callDepth = 0;
  /** Descriptors a coprocess's output is read from (`coproc curl …`, `${COPROC[0]}`), by the word they expand to: the coprocess's command. */
  private readonly coprocs = new Map<string, string>();
  private ifs: { value: string; re: RegExp } | undefined;
  /** Arrays by name (`a=(c u r l)`): their items, for `${a[1]}` and `${a[*]}`. */
  private readonly arrays = new Map<string, string[]>();
  /** Files a credential was copied to (`cp …/token /tmp/t`, `env > /tmp/e`), absolute: the credential's path. */
  private readonly copies = new Map<string, string>();
  /** Descriptors opened on a socket (`exec 3<>/dev/tcp/…`), by number. */
  private readonly fds = new Map<string, string>();
  private cwd: string | undefined;
  private budget: number;
  private readonly work: CommandWork;

  constructor(
    private readonly options: ShellOptions,
    limit: number,
  ) {
    this.budget = limit;
    this.work = options.work ?? new CommandWork();
  }

  /** Characters written: bounded per reading (OUTPUT_FACTOR) and paid from the Check's budget. */
  private spend(n: number): void {
    this.budget -= n;
    if (this.budget < 0) throw new Exhausted();
    this.pay(n);
  }

  /** Work paid from the Check's budget (characters read, words read). */
  private pay(n: number): void {
    if (!this.work.take(n)) throw new OverBudget();
  }

  private value(name: string): string | undefined {
    return this.vars.get(name) ?? this.options.env.get(name);
  }

  /** A whole script (a `-c` string, a substitution's inside, a here-document's body given to a shell). */
  script(src: string, depth: number): string {
    if (depth > DEPTH_LIMIT) throw new Exhausted();
    // Each level of code is read once more: its characters are paid before they are read.
    this.pay(src.length);
    this.defineFunctions(src);
    const p = new Cursor(src);
    return this.commands(p, depth, undefined);
  }

  /**
   * The functions a script defines (`f() { curl -s "$1"; }`, `function f { … }`), by name: their body
   * as written, read again where one is called (render). Found before the script is read, as a shell
   * finds a definition before the call that follows it.
   */
  private defineFunctions(src: string): void {
    if (!src.includes('{')) return;
    for (const m of src.matchAll(FUNCTION_DEFINITION)) {
      const open = m.index + m[0].length - 1;
      const close = matchingBrace(src, open);
      // Each body is scanned once more: paid as the text it scans.
      this.pay(close - open);
      this.functions.set((m[1] ?? m[2])!, src.slice(open + 1, close));
    }
  }

  /**
   * Commands until `end` (`)` of a substitution) or the end of the text, written back one line at a
   * time: a line's here-documents are read at its line break, before its commands are written.
   */
  private commands(p: Cursor, depth: number, end: ')' | undefined): string {
    if (depth > DEPTH_LIMIT) throw new Exhausted();
    let out = '';
    let line: Command[] = [];
    let cmd = newCommand();
    // Subshells `( … )` inside a substitution: its own `)` closes only at depth 0.
    let parens = 0;
    const flush = () => {
      for (const c of line) out += this.render(c, depth) + c.separator;
      line = [];
    };
    while (!p.done()) {
      const ch = p.peek();
      if (ch === ' ' || ch === '\t' || ch === '\r') {
        p.i++;
        continue;
      }
      if (ch === '\\' && p.peek(1) === '\n') {
        p.i += 2;
        continue;
      }
      if (ch === '#') {
        while (!p.done() && p.peek() !== '\n') p.i++;
        continue;
      }
      // A redirection before an operator: `&>` and `>&2` are not `&`. (Only a digit, `&`, `<` or `>`
      // may start one: the regex is not run at every word.)
      const redir = mayRedirect(ch) ? REDIRECTION.exec(p.rest(8)) : null;
      if (redir !== null && !processSubstitution(p)) {
        p.i += redir[0].length;
        while (p.peek() === ' ' || p.peek() === '\t') p.i++;
        const target = this.word(p, depth);
        const bare = redir[0].replace(/^(?:[0-9]*|&)/, '');
        if (bare === '<<' || bare === '<<-') cmd.heredocs.push({ delimiter: target.text, expand: !target.quoted, strip: bare === '<<-', body: '' });
        else cmd.redirects.push({ op: bare, fd: redir[0].slice(0, redir[0].length - bare.length), target });
        continue;
      }
      // An array, `a=(curl -s u)`: its words, as one value (`${a[@]}` is all of them).
      if (ch === '(' && cmd.words.length > 0 && cmd.words[cmd.words.length - 1]!.assigns !== undefined && cmd.words[cmd.words.length - 1]!.text.endsWith('=')) {
        p.i++;
        const items: string[] = [];
        while (!p.done() && p.peek() !== ')') {
          if (/[ \t\r\n]/.test(p.peek())) p.i++;
          else items.push(this.word(p, depth).text);
          if (/[;&|<>(]/.test(p.peek())) p.i++;
        }
        p.i++;
        const last = cmd.words.pop()!;
        // `a+=(rl)` appends to the array `a` holds (`a=(cu); a+=(rl)` is `cu rl`).
        const before = last.text.endsWith('+=') ? (this.arrays.get(last.assigns!) ?? []) : [];
        this.pay(before.length * PIECE_COST);
        this.arrays.set(last.assigns!, [...before, ...items]);
        cmd.words.push({ ...last, text: last.text + items.join(' ') });
        continue;
      }
      if (ch === '(') parens++;
      if (ch === ')' && parens === 0 && end !== undefined) {
        p.i++;
        break;
      }
      if (ch === ')' && parens > 0) parens--;
      const op = OPERATOR_START.has(ch) ? OPERATOR.exec(p.rest(2)) : null;
      if (op !== null) {
        p.i += op[0].length;
        cmd.separator = op[0] === '\n' ? '\n' : ` ${op[0]} `;
        // A command with a here-document is remembered once its body is read (`mapfile a <<EOF`).
        if (cmd.heredocs.length === 0) this.remember(cmd);
        line.push(cmd);
        cmd = newCommand();
        if (op[0] === '\n') {
          this.heredocBodies(p, line, depth);
          for (const c of line) if (c.heredocs.length > 0) this.remember(c);
          flush();
        }
        continue;
      }
      cmd.words.push(this.word(p, depth));
    }
    if (cmd.heredocs.length === 0) this.remember(cmd);
    line.push(cmd);
    this.heredocBodies(p, line, depth);
    for (const c of line) if (c.heredocs.length > 0) this.remember(c);
    flush();
    return out;
  }

  /** The bodies of a line's here-documents, which start after its line break. */
  private heredocBodies(p: Cursor, line: Command[], depth: number): void {
    for (const c of line) {
      for (const h of c.heredocs) {
        const lines: string[] = [];
        while (!p.done()) {
          const nl = p.src.indexOf('\n', p.i);
          const raw = p.src.slice(p.i, nl < 0 ? p.src.length : nl);
          p.i = nl < 0 ? p.src.length : nl + 1;
          const text = h.strip ? raw.replace(/^\t+/, '') : raw;
          if (text === h.delimiter) break;
          lines.push(text);
        }
        const body = lines.join('\n');
        h.body = h.expand ? this.doubleQuoted(new Cursor(body), depth, true).text : body;
      }
    }
  }

  /** One word, up to unquoted blank or operator. */
  private word(p: Cursor, depth: number): Word {
    this.pay(PIECE_COST);
    let text = '';
    let quoted = false;
    let braces = false;
    // The word is one command substitution (`$(X)`, `"$(X)"`, `` `X` ``): what an interpreter handed it runs.
    let pieces = 0;
    let substitution: string | undefined;
    // Only a word that starts with a name's first character may be an assignment.
    const assign = NAME_START[p.src.charCodeAt(p.i)] === 1 ? ASSIGNMENT.exec(p.rest(256)) : null;
    if (assign !== null) {
      text += assign[0];
      p.i += assign[0].length;
    }
    // A process substitution as a word of its own: `<(X)`, `>(X)`.
    if (assign === null && processSubstitution(p)) {
      p.i += 2;
      const inner = this.commands(p, depth + 1, ')');
      this.spend(inner.length);
      return { text: `<(${inner})`, substitution: inner, quoted: false };
    }
    while (!p.done()) {
      const ch = p.peek();
      if (WORD_END.test(ch)) break;
      pieces++;
      if (ch === "'") {
        quoted = true;
        const close = p.src.indexOf("'", p.i + 1);
        const end = close < 0 ? p.src.length : close;
        text += p.src.slice(p.i + 1, end);
        p.i = end + 1;
      } else if (ch === '"') {
        quoted = true;
        p.i++;
        const q = this.doubleQuoted(p, depth, false);
        text += q.text;
        substitution = q.substitution;
      } else if (ch === '$' && p.peek(1) === "'") {
        quoted = true;
        p.i += 2;
        text += this.ansiC(p);
      } else if (ch === '\\') {
        quoted = true;
        p.i++;
        if (p.peek() === '\n') p.i++;
        else if (!p.done()) text += p.src[p.i++];
      } else if (ch === '$' || ch === '`') {
        const piece = this.dollar(p, depth);
        // Unquoted, an expansion is split at IFS's characters (`IFS=,; c=curl,-s,u; $c`): blanks here.
        const ifs = this.ifsSplit();
        text += ifs === undefined ? piece.text : piece.text.replace(ifs, ' ');
        substitution = piece.substitution;
      } else {
        // A run of plain characters at once (not one concatenation per character).
        let j = p.i + 1;
        while (j < p.src.length && PLAIN[p.src.charCodeAt(j)] === 1) j++;
        const run = p.src.slice(p.i, j);
        if (run.includes('{')) braces = true;
        text += run;
        p.i = j;
      }
    }
    this.spend(text.length);
    if (braces && !quoted) text = braceExpand(text, (n) => this.spend(n));
    return { text, quoted, ...(pieces === 1 && substitution !== undefined ? { substitution } : {}), ...(assign !== null ? { assigns: assign[1]! } : {}) };
  }

  /** Inside `"…"` (or a here-document's body, `body`: up to the end): `\`, `$…` and `` `…` `` count. */
  private doubleQuoted(p: Cursor, depth: number, body: boolean): Piece {
    let text = '';
    let pieces = 0;
    let substitution: string | undefined;
    while (!p.done()) {
      const ch = p.peek();
      if (ch === '"' && !body) {
        p.i++;
        break;
      }
      pieces++;
      if (ch === '\\') {
        const next = p.peek(1);
        if (next === '\n') p.i += 2;
        else if (next === '"' || next === '\\' || next === '$' || next === '`') {
          text += next;
          p.i += 2;
        } else {
          text += ch;
          p.i++;
        }
      } else if (ch === '$' || ch === '`') {
        const piece = this.dollar(p, depth);
        text += piece.text;
        substitution = piece.substitution;
      } else {
        // A run of characters with no meaning inside double quotes, at once.
        let j = p.i + 1;
        while (j < p.src.length && QUOTED_PLAIN[p.src.charCodeAt(j)] === 1) j++;
        text += p.src.slice(p.i, j);
        p.i = j;
      }
    }
    return { text, ...(pieces === 1 && substitution !== undefined ? { substitution } : {}) };
  }

  /** `$NAME`, `${…}`, `$(…)`, `$((…))`, `` `…` ``: its value where known, else as written. */
  private dollar(p: Cursor, depth: number): Piece {
    if (p.peek() === '`') {
      p.i++;
      let inner = '';
      while (!p.done() && p.peek() !== '`') {
        if (p.peek() === '\\' && /[`\\$]/.test(p.peek(1))) p.i++;
        inner += p.src[p.i++];
      }
      p.i++;
      return substituted(this.script(inner, depth + 1));
    }
    const next = p.peek(1);
    if (next === '(' && p.peek(2) === '(') {
      // Arithmetic: kept as written (a number, never a program or an address).
      const start = p.i;
      let open = 0;
      for (p.i += 1; !p.done(); p.i++) {
        if (p.peek() === '(') open++;
        else if (p.peek() === ')' && --open === 0) break;
      }
      p.i++;
      return { text: p.src.slice(start, p.i) };
    }
    if (next === '(') {
      p.i += 2;
      return substituted(this.commands(p, depth + 1, ')'));
    }
    if (next === '{') {
      const close = matchingBrace(p.src, p.i + 1);
      const inner = p.src.slice(p.i + 2, close);
      p.i = close + 1;
      return { text: this.parameter(inner, depth) };
    }
    const n = NAME.exec(p.src.slice(p.i + 1, p.i + 257));
    if (n === null) {
      // `$1`, `$@`, `$?`, a lone `$`: as written.
      const special = /^\$[0-9@*#?$!-]?/.exec(p.rest(2))![0];
      p.i += special.length;
      return { text: this.vars.get(special.slice(1)) ?? special };
    }
    p.i += 1 + n[0].length;
    return this.named(n[0]);
  }

  /** `$NAME`: a substitution's output it holds (see ShellOptions.follows), its value, or as written. */
  private named(name: string): Piece {
    const inner = this.outputs.get(name);
    if (inner !== undefined) return { text: this.options.follows(inner) ? `$(${inner})` : `$${name}`, substitution: inner };
    return { text: this.variable(name) ?? `$${name}` };
  }

  private variable(name: string): string | undefined {
    const v = this.value(name);
    if (v !== undefined) return v;
    return name === 'IFS' ? ' ' : undefined;
  }

  /** `${…}`: the value, a default for an unknown one, a slice of a known one; else as written. */
  private parameter(inner: string, depth: number): string {
    const m = /^(!?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*])(?:\[([^\]]*)\])?(.*)$/s.exec(inner);
    if (m === null) return `\${${inner}}`;
    const [, bang, name, index, op] = m as unknown as [string, string, string, string | undefined, string];
    let value = this.variable(name);
    // An array's item (`${a[1]}`) or all of them (`${a[@]}`; `${a[*]}` joined by IFS's first character).
    const items = this.arrays.get(name);
    if (items !== undefined && index !== undefined) value = index === '@' ? items.join(' ') : index === '*' ? items.join(this.variable('IFS')?.[0] ?? '') : /^[0-9]+$/.test(index) ? (items[Number(index)] ?? '') : value;
    else if (items !== undefined) value = items[0] ?? '';
    if (bang === '!') value = value === undefined ? undefined : this.variable(value);
    if (op === '' && bang === '' && index === undefined) return this.named(name).text === `$${name}` ? `\${${name}}` : this.named(name).text;
    if (op === '') return value ?? `\${${name}}`;
    const dflt = /^:?[-=](.*)$/s.exec(op);
    if (dflt !== null) return value !== undefined && value !== '' ? value : this.doubleQuoted(new Cursor(dflt[1]!), depth, true).text;
    if (value === undefined) return `\${${inner}}`;
    // `${a:1:4}`: offset and length are arithmetic (`${c:$((0)):4}`, `${c:0+0:2*2}`, `${c:i:n}`).
    const slice = /^:([^:]*)(?::(.*))?$/s.exec(op);
    if (slice !== null) {
      const from = this.arithmetic(slice[1]!);
      const length = slice[2] === undefined ? undefined : this.arithmetic(slice[2]);
      if (from !== undefined && (slice[2] === undefined || (length !== undefined && length >= 0))) {
        const start = from < 0 ? Math.max(0, value.length + from) : from;
        return length === undefined ? value.slice(start) : value.slice(start, start + length);
      }
    }
    return patternOperation(value, op, (t) => this.doubleQuoted(new Cursor(t), depth, true).text, (n) => this.pay(n)) ?? `\${${inner}}`;
  }

  /**
   * An arithmetic expression's value (a slice's offset or length): integers, `+ - * / %`, parentheses,
   * `$((…))` and variables holding integers (`$i`, `i`). Undefined for anything else (the word then
   * stays as written). Paid by its length.
   */
  private arithmetic(expr: string): number | undefined {
    this.pay(expr.length);
    if (expr.length > 256) return undefined;
    const text = expr.replace(/\$\(\(|\)\)/g, (t) => (t === '$((' ? '(' : ')')).replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?|\b([A-Za-z_][A-Za-z0-9_]*)\b/g, (all, a?: string, b?: string) => {
      const v = this.variable((a ?? b)!);
      return v !== undefined && /^\s*-?[0-9]+\s*$/.test(v) ? `(${v.trim()})` : 'x';
    });
    return evaluateArithmetic(text);
  }

  /** `$'…'`: the C escapes bash decodes there. */
  private ansiC(p: Cursor): string {
    let raw = '';
    while (!p.done() && p.peek() !== "'") {
      if (p.peek() === '\\' && !p.done()) raw += p.src[p.i++];
      raw += p.src[p.i++] ?? '';
    }
    p.i++;
    return unescapeC(raw);
  }

  /** A command written back: wrappers dropped, interpreters' code read. */
  private render(c: Command, depth: number): string {
    const words = [...c.words];
    let at = 0;
    while (at < words.length && words[at]!.assigns !== undefined) at++;
    at = skipWrappers(words, at, this.options.interpreters);
    const head = words[at];
    const aliased = head === undefined ? undefined : this.aliases.get(head.text);
    if (aliased !== undefined) words[at] = { ...head!, text: aliased };
    // A call of a function the script defines is its body, read with the call's words as $1, $2, …,
    // as a group (`{ … }`): what follows the call (`f u | sh`) follows the body's commands.
    // To CALL_DEPTH levels (a call inside a body is read too, `f() { g "$1"; }`; past that it is its
    // name) and once per words (a script's `log "…"` helper called a hundred times is read a hundred
    // times only if its words differ, and a recursive call with the same words once): the body's
    // commands are in the text already, where it is defined.
    // Only a call whose words or output may matter: piped (`f u | sh`), or handed an address, a
    // credential file or a program's name (`f https://…`, `f …/token`, `f curl`); a script's helpers
    // (`log "…"`, `retry 5 redis-cli …`) are read where they are defined, not at each call.
    const defined = head === undefined || this.callDepth >= CALL_DEPTH ? undefined : this.functions.get(head.text);
    const call = defined === undefined ? '' : words.slice(at).map((w) => w.text).join(' ');
    const matters = defined !== undefined && (c.separator.includes('|') || words.slice(at + 1).some((w) => CALL_ARGUMENT.test(w.text) || this.credential(this.file(w.text))));
    if (defined !== undefined && matters && !this.calls.has(call)) {
      this.calls.add(call);
      // A call costs more than its characters (a scope, a cursor, the definitions looked for again).
      this.pay(CALL_COST);
      this.callDepth++;
      let read: string;
      try {
        read = this.withPositional([head!.text, ...words.slice(at + 1).map((w) => w.text)], () => this.script(defined, depth + 1));
      } finally {
        this.callDepth--;
      }
      return `{\n${read}\n} ${c.redirects.map((r) => this.redirect(r)).join(' ')}`.trimEnd();
    }
    for (let i = at + 1; i < words.length; i++) {
      const named = this.file(words[i]!.text);
      if (named !== words[i]!.text) words[i] = { ...words[i]!, text: named };
    }
    const named = words[at] === undefined ? '' : words[at]!.text.slice(words[at]!.text.lastIndexOf('/') + 1);
    const args = words.slice(at + 1);
    // `su -c '…'`, `runuser -u x -c '…'`, `script -qc '…'`: a shell handed that code.
    const program = SHELL_CODE_RUNNERS.has(named) && args.some((w) => /^-[a-zA-Z]*c[a-zA-Z]*$|^--command$/.test(w.text)) ? 'sh' : named;
    // `watch -n 60 '…'`: watch runs its operands, joined by blanks, through `sh -c` (with `-x`, as
    // the command they are): read as that script, again at each interval.
    if (named === 'watch') {
      const code = watchCode(args.map((w) => w.text));
      if (code !== undefined) {
        const redirects = c.redirects.map((r) => this.redirect(r)).join(' ');
        const read = this.script(code, depth + 1);
        return `${[words.slice(0, at + 1).map((w) => w.text).join(' '), redirects].filter((x) => x !== '').join(' ')}\n${read}`;
      }
    }
    // A quoted `;` or `|` is a word (find's `-exec … \;`), not the end of the command: written back
    // as one it would split the command (and its pipeline) where the shell does not.
    for (let i = at + 1; i < words.length; i++) if (/^[;|&]+$/.test(words[i]!.text)) words[i] = { ...words[i]!, text: '+' };
    const redirects = c.redirects.map((r) => this.redirect(r)).join(' ');
    const heredocs = c.heredocs.map((h) => h.body);
    // The assignments before the program, then the program and its words (wrappers dropped).
    const kept: string[] = [];
    for (let i = 0; i < words.length; i++) if (i >= at || words[i]!.assigns !== undefined) kept.push(words[i]!.text);
    let body = kept.join(' ');
    if (program === 'echo' || program === 'printf') body = [head!.text, ...args.map((w) => printed(w.text))].join(' ');
    if (this.options.interpreters.has(program)) {
      const code = this.code(program, args, c);
      if (code !== undefined) {
        if (code.substitution !== undefined) return `${code.substitution.replace(/&&|\|\||;|&|\n/g, ' | ')} | ${program}`;
        const lead = [...words.slice(0, at + 1).map((w) => w.text), ...args.slice(0, code.at).map((w) => w.text)].join(' ');
        // A shell's code is a script of its own: from a line of its own, so that its first command is
        // not read as the shell's arguments; what follows the shell (`| sh`) follows its last command.
        // Another interpreter's code follows its flag.
        if (SHELLS.has(program) || program === 'eval' || program === 'source' || program === '.') {
          // `sh -c '$0 -s u | sh' curl`: the words after a shell's code are its $0, $1, … while it is read.
          const positional = SHELLS.has(program) ? code.rest.map((w) => w.text) : [];
          const read = this.withPositional(positional, () => this.script(code.text, depth + 1));
          return `${[lead, ...code.rest.map((w) => w.text), redirects].filter((x) => x !== '').join(' ')}\n${read}`;
        }
        // Its code is one word of the shell's: its own `;`, `&`, `|` and line breaks are the
        // interpreter's, written as blanks so that the checker does not end the shell's command
        // (and its pipeline: `python3 -c "…;print(urlopen(u).read())" | sh`) inside it. The code's
        // words are kept for the checker's reading of it (NETWORK_CODE, a credential's path).
        return [`${lead} -c ${code.text.replace(/[;&|\n]/g, ' ')}`, ...code.rest.map((w) => w.text), redirects].filter((x) => x !== '').join(' ');
      }
    }
    return [body, redirects, ...heredocs.map((h) => `\n${h}\n`)].filter((s) => s !== '').join(' ');
  }

  /** IFS's characters as one class, when the script sets IFS (built once per value it holds). */
  private ifsSplit(): RegExp | undefined {
    const ifs = this.vars.get('IFS');
    if (ifs === undefined || ifs === '') return undefined;
    if (this.ifs?.value !== ifs) {
      this.pay(ifs.length);
      this.ifs = { value: ifs, re: new RegExp(`[${[...new Set(ifs)].join('').replace(/[\]\\^-]/g, '\\$&')}]`, 'g') };
    }
    return this.ifs.re;
  }

  /** `read` with the words after a shell's code as $0, $1, … (`$@` from $1), then the previous ones again. */
  private withPositional(list: readonly string[], read: () => string): string {
    if (list.length === 0) return read();
    const names = ['@', '*', ...list.map((_, i) => String(i))];
    const saved = names.map((n) => this.vars.get(n));
    list.forEach((v, i) => this.vars.set(String(i), v));
    this.vars.set('@', list.slice(1).join(' '));
    this.vars.set('*', list.slice(1).join(' '));
    try {
      return read();
    } finally {
      names.forEach((n, i) => (saved[i] === undefined ? this.vars.delete(n) : this.vars.set(n, saved[i]!)));
    }
  }

  /**
   * A command's assignments remembered as it ends, before the next command's words are read: at its
   * head (`c=curl`, also for one command: `T=$(cat …) curl …` hands curl T), after `export`, `local`,
   * `declare`, `readonly`, `typeset`; and `read t < file`, `read t <<< "…"` (t holds what it reads).
   */
  private remember(c: Command): void {
    const words = c.words;
    // Assignments at its head (and `export`, `local`, … of them) are remembered for what follows.
    let at = 0;
    while (at < words.length && words[at]!.assigns !== undefined) this.assign(words[at++]!);
    if (/^(?:export|local|declare|typeset|readonly)$/.test(words[at]?.text ?? '')) for (const w of words.slice(at + 1)) if (w.assigns !== undefined) this.assign(w);
    // `read t < file`, `read t <<< "$(cat …)"`: t holds what the file holds.
    if (words[at]?.text === 'read') {
      const names = words.slice(at + 1).filter((w) => NAME.test(w.text) && !w.text.startsWith('-'));
      const from = c.redirects.find((r) => r.op === '<' || r.op === '<<<');
      // A here-string's words go one to a name, the rest to the last (`read a b <<< "curl sh"`).
      const fields = from?.op === '<<<' ? from.target.text.trim().split(/\s+/) : [];
      names.forEach((n, i) => {
        if (from?.op === '<') {
          this.outputs.set(n.text, `cat ${from.target.text}`);
          this.vars.delete(n.text);
        } else if (from !== undefined) this.vars.set(n.text, i === names.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? ''));
      });
    }
    const head = words[at]?.text;
    const args = words.slice(at + 1).map((w) => w.text);
    // `mapfile -t a <<< curl`, `readarray a < <(…)`: the array `a` holds the lines it reads (from a
    // here-string or a here-document: what a file or a program prints is not known here).
    if (head === 'mapfile' || head === 'readarray') {
      // Its flags with a value (`-d x`, `-n 3`, `-O 0`, `-s 1`, `-u 3`, `-C f`, `-c 1`); the array's name is the operand (MAPFILE by default).
      let k = 0;
      while (k < args.length && args[k]!.startsWith('-')) k += /^-[a-zA-Z]*[dnOsuCc]$/.test(args[k]!) ? 2 : 1;
      const name = args[k] !== undefined && NAME.test(args[k]!) ? args[k]! : 'MAPFILE';
      const from = c.redirects.find((r) => r.op === '<<<')?.target.text ?? c.heredocs[0]?.body;
      if (from !== undefined) {
        const lines = from.split('\n');
        this.pay(lines.length * PIECE_COST);
        this.arrays.set(name, lines);
        this.vars.delete(name);
      } else this.arrays.delete(name);
    }
    // `coproc curl …`, `coproc NAME { curl …; }`: the array COPROC (or NAME) holds the descriptors its
    // output is read from and its input written to; `sh <&${COPROC[0]}` reads that output (redirect).
    if (head === 'coproc' && args.length > 0) {
      const named = args.length > 1 && NAME.test(args[0]!) && args[1] === '{' ? args[0]! : undefined;
      const name = named ?? 'COPROC';
      // Its body's first command (`{ curl …; }` is split at its `;`: the rest follows as the script's).
      const command = (named === undefined ? args : args.slice(2)).join(' ');
      const fd = `/dev/fd/coproc-${this.coprocs.size}`;
      this.pay(command.length);
      this.coprocs.set(fd, command);
      this.arrays.set(name, [fd, `${fd}-in`]);
    }
    // `set -- curl -s u`: the positional parameters (`"$@"`, `$1`).
    if (head === 'set' && args.length > 0 && (args[0] === '--' || !args[0]!.startsWith('-'))) {
      const list = args[0] === '--' ? args.slice(1) : args;
      this.vars.set('@', list.join(' '));
      this.vars.set('*', list.join(' '));
      list.forEach((v, i) => this.vars.set(String(i + 1), v));
    }
    // `printf -v c '%s' curl`, `printf -v c '\x63url'`: c holds what printf would print.
    if (head === 'printf' && args[0] === '-v' && args[1] !== undefined && NAME.test(args[1]) && args[2] !== undefined) {
      const values = args.slice(3);
      this.outputs.delete(args[1]);
      this.vars.set(args[1], unescapeC(args[2].replace(/%[-0-9.]*[sbdc]/g, () => values.shift() ?? '')) + values.join(''));
    }
    // `cp …/token /tmp/t`, `ln -s …/token t`, `cat …/token > /tmp/t`, `env > /tmp/e`: the copy is
    // the credential where it is named later (`curl -T /tmp/t …`).
    if (head !== undefined && COPIERS.has(head)) {
      const operands = args.filter((a) => !a.startsWith('-')).map((a) => this.file(a));
      const from = operands.slice(0, -1).find((a) => this.credential(a));
      if (from !== undefined && operands.length >= 2) this.copies.set(this.absolute(operands[operands.length - 1]!), from);
    }
    const out = c.redirects.find((r) => r.op === '>' || r.op === '>>' || r.op === '>|');
    if (out !== undefined && head !== undefined) {
      const from = ENV_PROGRAMS.has(head) && args.every((a) => a.startsWith('-')) ? '/proc/self/environ' : args.map((a) => this.file(a)).find((a) => this.credential(a));
      if (from !== undefined) this.copies.set(this.absolute(this.file(out.target.text)), from);
    }
    // `alias c=curl`: dash, ash and busybox sh expand aliases in scripts.
    if (head === 'alias') for (const w of words.slice(at + 1)) if (w.assigns !== undefined) this.aliases.set(w.assigns, w.text.slice(w.text.indexOf('=') + 1));
    // `exec 3<>/dev/tcp/h/p`: descriptor 3 is that socket for the rest of the script (`cat … >&3`).
    if (head === 'exec' || head === undefined) for (const r of c.redirects) if (r.fd !== '' && /^\/dev\/(?:tcp|udp)\//.test(r.target.text)) this.fds.set(r.fd, r.target.text);
    // `cd /abs/dir`: where a relative name is (see ShellOptions.files).
    // `cd serviceaccount` after `cd /var/run/secrets/kubernetes.io`, `pushd …`: relative to the known one.
    if ((head === 'cd' || head === 'pushd') && args.length === 1) {
      const dir = args[0]!;
      this.cwd = dir.startsWith('/') ? normalPath(dir) : this.cwd !== undefined && /^[\w.-][\w./-]*$/.test(dir) ? normalPath(`${this.cwd}/${dir}`) : undefined;
    }
  }

  /** A path as the checker names its credential files (ShellOptions.files, isFile). */
  private credential(path: string): boolean {
    const p = path.replace(/^(?:[A-Za-z0-9_-]+=)?@/, '');
    return p.startsWith('/') && (this.options.files.includes(p) || this.options.isFile(normalPath(p)));
  }

  /** A file name made absolute against the known directory, when one is known (else as written). */
  private absolute(path: string): string {
    return path.startsWith('/') ? normalPath(path) : this.cwd !== undefined ? normalPath(`${this.cwd}/${path}`) : path;
  }

  /** A redirection written back: a descriptor opened on a socket is that socket (`>&3` is `> /dev/tcp/…`). */
  private redirect(r: Redirect): string {
    const socket = (r.op === '>&' || r.op === '<&') && this.fds.get(r.target.text);
    if (socket) return `> ${socket}`;
    // A coprocess's output (`sh <&${COPROC[0]}`) is that command's output, as `< <(X)` is X's.
    const coproc = (r.op === '<&' || r.op === '<') && this.coprocs.get(r.target.text);
    if (coproc) return `< <(${coproc})`;
    return `${r.op}${r.op.endsWith('<') || r.op.endsWith('>') ? ' ' : ''}${this.file(r.target.text)}`;
  }

  /**
   * A word that names a file the checker asks about, written as that file: a glob that may match
   * one, a path with `.`, `..` or `//` in it, a relative name (also `@name`, `f=@name`) after `cd`.
   * Other words as they are.
   */
  private file(word: string): string {
    // A copy of a credential (remember: `cp …/token /tmp/t`) is that credential.
    if (this.copies.size > 0) {
      const at = /^(?:[A-Za-z0-9_-]+=)?@/.exec(word)?.[0] ?? '';
      // The copy itself, or a file inside a copied directory (`cp -r …/serviceaccount /tmp/sa`, then `/tmp/sa/token`).
      const path = this.absolute(word.slice(at.length));
      for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
        const copy = this.copies.get(path.slice(0, end));
        if (copy !== undefined) return at + copy + path.slice(end);
      }
    }
    // Neither absolute nor relative to a known directory: as it is (most words; no regex run).
    if (this.cwd === undefined && !word.includes('/')) return word;
    const at = /^(?:[A-Za-z0-9_-]+=)?@/.exec(word)?.[0] ?? '';
    const path = word.slice(at.length);
    // A name made of a file name's characters only: not a header, an assignment, a URL or a variable.
    if (!/^[\w./*?[\]-]+$/.test(path) || path.startsWith('-')) return word;
    const absolute = path.startsWith('/') ? path : this.cwd !== undefined ? `${this.cwd}/${path}` : undefined;
    if (absolute === undefined) return word;
    const normal = normalPath(absolute);
    if (/[*?[]/.test(normal)) {
      const glob = globRegExp(normal);
      const match = this.options.files.find((f) => glob.test(f));
      return match === undefined ? word : at + match;
    }
    return normal !== path && this.options.isFile(normal) ? at + normal : word;
  }

  private assign(w: Word): void {
    const eq = w.text.indexOf('=');
    const name = w.text.slice(0, eq);
    const value = w.text.slice(eq + 1);
    // `t=$(cat …)`: t holds that substitution's output (a word of one piece after its `=`).
    if (w.substitution !== undefined) {
      this.outputs.set(name, w.substitution);
      this.vars.delete(name);
      return;
    }
    this.outputs.delete(name);
    this.vars.set(name, w.text[eq - 1] === '+' ? (this.vars.get(name.slice(0, -1)) ?? '') + value : value);
  }

  /**
   * The code an interpreter is handed, or undefined when it is handed none that is in the request
   * (a file it runs, an interactive shell): its `-c` (`-ec`, `-xc`) word, eval's words, source's
   * process substitution, a here-document or here-string, `< <(X)`.
   */
  private code(program: string, args: Word[], c: Command): { text: string; substitution?: string; at: number; rest: Word[] } | undefined {
    if (program === 'eval') return args.length === 0 ? undefined : { text: args.map((w) => w.text).join(' '), ...onlySubstitution(args), at: 0, rest: [] };
    if (program === 'source' || program === '.') return args[0]?.substitution !== undefined ? { text: args[0].text, substitution: args[0].substitution, at: 0, rest: args.slice(1) } : undefined;
    const flag = args.findIndex((w) => (SHELLS.has(program) ? /^-[a-zA-Z]*c[a-zA-Z]*$/ : /^-[a-zA-Z]*[ceEr]$|^--eval$|^-(?:-)?[Cc]ommand$/).test(w.text));
    if (flag >= 0) {
      const w = args[flag + 1];
      if (w === undefined) return undefined;
      return { text: w.text, ...(w.substitution !== undefined ? { substitution: w.substitution } : {}), at: flag, rest: args.slice(flag + 2) };
    }
    // Its standard input, when that is in the script: a here-document, a here-string, `< <(X)`.
    const stdin = c.heredocs[0]?.body ?? c.redirects.find((r) => r.op === '<<<')?.target;
    if (typeof stdin === 'string') return { text: stdin, at: args.length, rest: [] };
    if (stdin !== undefined) return { text: stdin.text, ...(stdin.substitution !== undefined ? { substitution: stdin.substitution } : {}), at: args.length, rest: [] };
    const fromProcess = c.redirects.find((r) => r.op === '<' && r.target.substitution !== undefined);
    return fromProcess === undefined ? undefined : { text: fromProcess.target.text, substitution: fromProcess.target.substitution!, at: args.length, rest: [] };
  }
}

/** `$(X)` written back: the output of a literal echo or printf, else the substitution with X as read. */
function substituted(inner: string): Piece {
  const printed = /^\s*(?:echo|printf)\s+([^|;&<>$`()\n]*?)\s*$/.exec(inner);
  if (printed === null) return { text: `$(${inner})`, substitution: inner };
  return { text: printedText(printed[1]!.replace(/^(?:-[neE]+\s+)+/, '').replace(/%[sb]\s*/, '')) };
}

/** Integer arithmetic of `+ - * / %`, unary signs and parentheses; undefined for any other character or a division by zero. */
function evaluateArithmetic(text: string): number | undefined {
  const tokens = text.match(/\d+|[-+*/%()]|\S/g) ?? [];
  let i = 0;
  const fail = (): never => {
    throw new RangeError('arithmetic');
  };
  const primary = (): number => {
    const t = tokens[i++];
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') fail();
      return v;
    }
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : fail();
  };
  const product = (): number => {
    let v = primary();
    while (tokens[i] === '*' || tokens[i] === '/' || tokens[i] === '%') {
      const op = tokens[i++];
      const r = primary();
      if (op !== '*' && r === 0) fail();
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  try {
    const v = sum();
    return i === tokens.length && Number.isSafeInteger(v) ? v : undefined;
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/** `/a/./b`, `/a//b`, `/a/x/../b` as `/a/b`. */
function normalPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** A shell glob (`*`, `?`, `[…]`) as a regular expression over a whole path; `*` stays within a directory. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      re += bracketSource(glob, i, close);
      if (close >= 0) i = close;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * A glob's `[…]` opening at `open` (its `]` at `close`, -1 for none) as a regular expression's
 * class: `!` negates as `^` does; an unclosed `[` is a literal one, as the shell reads it.
 */
function bracketSource(glob: string, open: number, close: number): string {
  return close < 0 ? '\\[' : `[${glob.slice(open + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
}

function newCommand(): Command {
  return { words: [], redirects: [], heredocs: [], separator: '' };
}

function onlySubstitution(words: Word[]): { substitution?: string } {
  return words.length === 1 && words[0]!.substitution !== undefined ? { substitution: words[0]!.substitution } : {};
}

/**
 * Programs that run a program named among their words, after flags and operands of their own whose
 * number is not known here (`timeout 60 sh -c …`, `nice -n 5 sh`, `chroot /host sh -c …`,
 * `nsenter -t 1 -m -- sh -c …`, `tini -- sh -c …`, `xargs -0 sh -c`): the program they run is the
 * first interpreter among their words. Read only as far as that interpreter: a runner of some
 * other program is left as it is.
 */
export const RUNNERS: ReadonlySet<string> = new Set([
  'timeout', 'nice', 'ionice', 'nohup', 'setsid', 'stdbuf', 'chroot', 'nsenter', 'unshare', 'tini', 'dumb-init', 'catatonit', 'gosu', 'su-exec', 'runuser', 'sudo', 'doas',
  'xargs', 'taskset', 'chrt', 'flock', 'setpriv', 'capsh', 'strace', 'ltrace', 's6-setuidgid', 'chpst', 'numactl', 'prlimit', 'time', 'ip', 'firejail', 'bwrap', 'proot', 'faketime', 'torsocks', 'proxychains', 'proxychains4',
]);

/**
 * The script `watch` hands `sh -c`: its operands after its own flags (`-n 60`, `--interval=60`,
 * `-d`, `-t`, …), joined by blanks, or with `-x`/`--exec` the command they are (each a word). Undefined
 * when it names no command.
 */
function watchCode(args: readonly string[]): string | undefined {
  let k = 0;
  let exec = false;
  while (k < args.length && args[k]!.startsWith('-') && args[k] !== '-') {
    const a = args[k]!;
    if (a === '--') {
      k++;
      break;
    }
    if (/^-[a-zA-Z]*x[a-zA-Z]*$|^--exec$/.test(a)) exec = true;
    // `-n 60`, `--interval 60`, `-q 5`: a flag whose value is the next word.
    k += /^-[a-zA-Z]*[nq]$|^--(?:interval|equexit|chgexit)$/.test(a) ? 2 : 1;
  }
  const operands = args.slice(k);
  if (operands.length === 0) return undefined;
  return exec ? operands.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(' ') : operands.join(' ');
}

/** Programs that run the code of their `-c` (`su -c '…'`, `script -qc '…'`) through a shell: read as `sh -c`. */
const SHELL_CODE_RUNNERS = new Set(['su', 'runuser', 'script']);

/** Past `env` (its flags and assignments), `busybox`, `command`, `builtin`, `exec`, a runner (RUNNERS), to the program they run, if any. */
function skipWrappers(words: Word[], from: number, interpreters: ReadonlySet<string>): number {
  let at = from;
  for (;;) {
    const w = words[at]?.text.slice(words[at]!.text.lastIndexOf('/') + 1);
    let next = at + 1;
    if (w !== undefined && RUNNERS.has(w)) {
      const run = words.findIndex((x, k) => k > at && interpreters.has(x.text.slice(x.text.lastIndexOf('/') + 1)));
      if (run < 0) return at;
      next = run;
    } else if (w === 'env') {
      while (next < words.length && (/^-/.test(words[next]!.text) || ASSIGNMENT.test(words[next]!.text))) next += /^-[uCS]$/.test(words[next]!.text) ? 2 : 1;
    } else if (w === 'command' || w === 'builtin' || w === 'exec') {
      // `command -v curl` names curl without running it.
      if (w === 'command' && words.slice(next).some((x) => /^-[a-zA-Z]*[vV]/.test(x.text))) return at;
      while (next < words.length && /^-[a-z]+$/.test(words[next]!.text)) next += words[next]!.text === '-a' ? 2 : 1;
    } else if (w !== 'busybox') return at;
    if (next >= words.length) return at;
    at = next;
  }
}

/** echo's and printf's escapes decoded; what they print as a line break or a control is a blank. */
function printed(text: string): string {
  return printedText(text);
}

function printedText(text: string): string {
  // eslint-disable-next-line no-control-regex -- the controls are what is replaced
  return /\\/.test(text) ? unescapeC(text).replace(/[\u0000-\u001f\u007f]/g, ' ') : text;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\u0007', b: '\b', e: '\u001b', E: '\u001b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** C escapes: `\x63`, `\143`, `\0143`, `\u0063`, `\n`. Unknown ones stay as written. */
function unescapeC(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|0?[0-7]{1,3}|.)/gs, (all, e: string) => {
    if (e[0] === 'x' || e[0] === 'u' || e[0] === 'U') {
      const code = parseInt(e.slice(1), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    return SIMPLE_ESCAPES[e] ?? all;
  });
}

/**
 * `{a,b,c}` in an unquoted word: its alternatives as words (`pre{a,b}post` is `preapost prebpost`).
 * What it writes is paid for as it is written (`{a,b}{a,b}…` doubles with each group).
 */
function braceExpand(word: string, spend: (n: number) => void): string {
  const m = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/s.exec(word);
  if (m === null) return word;
  const out = m[2]!
    .split(',')
    .map((alt) => braceExpand(`${m[1]!}${alt}${m[3]!}`, spend))
    .join(' ');
  spend(out.length);
  return out;
}

/** The index of the `}` that closes the `{` at `open`, or the text's end. */
function matchingBrace(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) return i;
  }
  return src.length;
}

/**
 * bash's operations on a known value (`${v//X/u}`, `${v/#x/y}`, `${v#pre}`, `${v%%suf*}`, `${v^^}`,
 * `${v,,}`), or undefined for one not read here. `expand` reads a pattern's own `$…`.
 */
function patternOperation(value: string, op: string, expand: (text: string) => string, pay: (n: number) => void): string | undefined {
  const replace = /^\/([/#%]?)((?:\\.|[^/])*)(?:\/(.*))?$/s.exec(op);
  const strip = replace === null ? /^(##?|%%?)(.*)$/s.exec(op) : null;
  if (replace !== null || strip !== null) {
    const pattern = expand((replace ?? strip)![2]!);
    // A regular expression's backtracking grows as the value's length to the power of the pattern's
    // `*`s: past a bound the operation is not read (the word stays as written, unknown).
    const stars = (pattern.match(/\*/g) ?? []).length;
    const steps = (value.length + 1) ** (stars + 1);
    if (steps > PATTERN_WORK) return undefined;
    // What the match may cost is paid from the Check's budget before it is run.
    pay(steps);
    if (replace !== null) {
      const how = replace[1]!;
      const glob = patternSource(pattern, true);
      const anchored = how === '#' ? `^(?:${glob})` : how === '%' ? `(?:${glob})$` : glob;
      const by = expand(replace[3] ?? '');
      return value.replace(new RegExp(anchored, how === '/' ? 'gs' : 's'), () => by);
    }
    const how = strip![1]!;
    if (how[0] === '#') return value.replace(new RegExp(`^(?:${patternSource(pattern, how === '##')})`, 's'), '');
    // `%` the shortest suffix (a greedy prefix before it), `%%` the longest (a lazy one).
    const m = new RegExp(`^(.${how === '%' ? '*' : '*?'})(?:${patternSource(pattern, how === '%%')})$`, 's').exec(value);
    return m === null ? value : m[1]!;
  }
  const kase = /^(\^\^|\^|,,|,|~~|~)/.exec(op);
  if (kase !== null) {
    const k = kase[1]!;
    if (k === '^^') return value.toUpperCase();
    if (k === ',,') return value.toLowerCase();
    if (k === '^') return value.charAt(0).toUpperCase() + value.slice(1);
    if (k === ',') return value.charAt(0).toLowerCase() + value.slice(1);
    return [...value].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
  }
  return undefined;
}

/** The steps a pattern operation may take (see patternOperation): any value of a script with one `*`, short ones with more. */
const PATTERN_WORK = 1 << 20;

/** A shell pattern (`*`, `?`, `[…]`, `\x`) as a regular expression's source; `greedy` for `##`, `%%` and replacement. */
function patternSource(glob: string, greedy: boolean): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '\\' && i + 1 < glob.length) re += glob[++i]!.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    else if (ch === '*') re += greedy ? '.*' : '.*?';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      re += bracketSource(glob, i, close);
      if (close >= 0) i = close;
    } else re += ch.replace(/[.+^${}()|\\/-]/g, '\\$&');
  }
  return re;
}

class Cursor {
  i = 0;
  constructor(readonly src: string) {}
  done(): boolean {
    return this.i >= this.src.length;
  }
  peek(ahead = 0): string {
    return this.src[this.i + ahead] ?? '';
  }
  rest(n: number): string {
    return this.src.slice(this.i, this.i + n);
  }
}
