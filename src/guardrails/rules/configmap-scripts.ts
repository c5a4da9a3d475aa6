import { isObject, type Json } from '../types.js';
import { binaryText } from './binary-text.js';
import { CommandWork } from './command-work.js';
import { readCommand, SHAPE_TEXT } from './commands.js';
import { uploadsOutside } from './uploads.js';
import type { RuleContext } from './context.js';
import { RUN_BY_SHEBANG, runKeyOf } from './run-scripts.js';
import { joinPath } from './walk.js';

/**
 * container_command_egress for the scripts a ConfigMap or a Secret holds. Most charts mount their
 * scripts from a ConfigMap (some from a Secret) and run them by path (`command: [/scripts/setup.sh]`):
 * the pod's request shows the path, and the script is in the request that writes the ConfigMap.
 * Whoever can change that ConfigMap changes what the workload runs at its next start without
 * touching the workload, so a value that is a script is read as the container's command is
 * (commands.ts commandShape: the same reader, the same shapes), with the interpreter its `#!` line,
 * its key's extension or the pod that runs it names.
 *
 * A value is a script, in this order of evidence:
 * - a pod of the same request runs its key (run-scripts.ts: `sh /scripts/run` with the ConfigMap
 *   mounted at `/scripts`, `items` renaming it, `subPath`, a projected volume): read with that pod's
 *   interpreter, whatever the key or the text looks like;
 * - its key ends in one of SCRIPT_EXTENSIONS, or it starts with `#!`;
 * - its key has no extension (`run`, `entrypoint`, GitLab's `configure`, a hidden `.profile`) and its text has no
 *   configuration file's shape (configShaped: JSON, PEM) and is text: read as `sh`, which is how
 *   `sh /config/configure` or `bash -c "$(cat /cfg/entry)"` runs it.
 * Other values (a key with another extension: `nginx.conf`, `values.yaml`, a dashboard's `.json`,
 * `tls.crt`, `.dockerconfigjson`) are files of that type and are not read unless a pod of the same
 * request runs them. `binaryData` and a Secret's `data` are read decoded, `stringData` as it is.
 */
export function checkStoredScripts(doc: Json, prefix: string, ctx: RuleContext, kind: StoreKind, name: string): void {
  const root = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  // One budget for all the keys (and all the documents, when the Check passes its own).
  const work = ctx.commandWork ?? new CommandWork();
  const run = name === '' ? undefined : ctx.runs?.get(runKeyOf(kind, name));
  const uploads = uploadsOutside(ctx.settings.uploadAllowed);
  for (const [field, base64] of VALUE_FIELDS[kind]) {
    const values = doc[field];
    if (!isObject(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'string') continue;
      // dash and bash drop every NUL from a script as they read it (dash's preadbuffer, bash's
      // shell_getc), so `cu\0rl` runs curl; bash alone refuses a file whose first line holds one.
      const text = (base64 ? binaryText(value) : value).replaceAll('\0', '');
      const ran = run?.get(key);
      const interpreter = ran !== undefined ? (text.startsWith(SHEBANG) || ran === RUN_BY_SHEBANG ? SHEBANG : ran) : interpreterOf(key, text);
      if (interpreter === undefined) continue;
      // A `#!` line names its own interpreter (commandShape reads it, sh without one); a key's
      // extension or the pod names one for a script without, as `python3 /scripts/x.py` runs it.
      const { shape, upload } = readCommand(interpreter === SHEBANG ? [] : [interpreter], text, { env: NO_ENV, namesRedirected: false, work }, uploads);
      const why = ran !== undefined ? `, which a container of this request runs` : '';
      const at = joinPath(joinPath(root, field), key);
      if (shape !== undefined) ctx.out.push({ code: 'container_command_egress', detail: `${kind} key ${JSON.stringify(key.slice(0, 253))}'s script ${SHAPE_TEXT[shape]}${why}, and a container that runs it does so at its next start`, path: at });
      if (upload !== undefined) ctx.out.push({ code: 'data_upload_outside', detail: `${kind} key ${JSON.stringify(key.slice(0, 253))}'s script ${upload}${why}, and a container that runs it does so at its next start`, path: at });
    }
  }
}

/** container_command_egress for a ConfigMap's scripts (checkStoredScripts). */
export function checkConfigMapScripts(doc: Json, prefix: string, ctx: RuleContext, name = nameOf(doc)): void {
  checkStoredScripts(doc, prefix, ctx, 'ConfigMap', name);
}

/** container_command_egress for a Secret's scripts (checkStoredScripts). */
export function checkSecretScripts(doc: Json, prefix: string, ctx: RuleContext, name = nameOf(doc)): void {
  checkStoredScripts(doc, prefix, ctx, 'Secret', name);
}

export type StoreKind = 'ConfigMap' | 'Secret';

/** The object's own name; '' where it names none (a patch: the request line's name is passed instead). */
function nameOf(doc: Json): string {
  return isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '';
}

/** Where a ConfigMap or a Secret keeps its values, and whether they are base64. */
export const VALUE_FIELDS: Readonly<Record<StoreKind, readonly (readonly [string, boolean])[]>> = {
  ConfigMap: [
    ['data', false],
    ['binaryData', true],
  ],
  Secret: [
    ['data', true],
    ['stringData', false],
  ],
};

const SHEBANG = '#!';
const NO_ENV: ReadonlyMap<string, string> = new Map();

/** The interpreter a key's extension names, for a script with no `#!` line. */
const SCRIPT_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['.sh', 'sh'],
  ['.bash', 'bash'],
  ['.ksh', 'ksh'],
  ['.zsh', 'zsh'],
  ['.mksh', 'mksh'],
  ['.py', 'python3'],
  ['.pl', 'perl'],
  ['.rb', 'ruby'],
  ['.js', 'node'],
  ['.mjs', 'node'],
  ['.cjs', 'node'],
  ['.php', 'php'],
  ['.ps1', 'pwsh'],
  ['.lua', 'lua'],
]);

/**
 * SHEBANG for a value that names its interpreter, the extension's interpreter, `sh` for a key with
 * no extension whose text may be a shell script, or undefined for a value that is no script.
 */
function interpreterOf(key: string, text: string): string | undefined {
  if (text.startsWith(SHEBANG)) return SHEBANG;
  // A leading dot is a hidden file's name (`.profile`, `.env`, `.dockerconfigjson`), not an
  // extension: such a file is read as one with none (a shell sources `.profile`).
  const dot = key.lastIndexOf('.');
  // In any case (`START.SH`, `Setup.Py`): the extension is the chart's hint that the value is a
  // script, and its case is only the chart's spelling. An interpreter runs the file whatever its
  // name (`sh /scripts/START.SH`), and PowerShell and Windows match extensions without case.
  if (dot > 0) return SCRIPT_EXTENSIONS.get(key.slice(dot).toLowerCase());
  return !PLAIN_WORD.test(text) && !configShaped(text) ? 'sh' : undefined;
}

/**
 * One word with nothing a shell expands, splits or redirects (`info`, `db.dev.svc:5432`, `true`, a
 * base64 or alphanumeric password): run as sh it is one program with no arguments, no shape at
 * all, so it is not read (most values of an env-style ConfigMap or a Secret are such words).
 */
const PLAIN_WORD = /^[A-Za-z0-9._:/@%+,=-]*$/;

/**
 * A value that is data by its shape, not a shell script: empty, a PEM block (a certificate or a key: every line a
 * marker, a header or base64), or a JSON object or array (a `.dockerconfigjson`, a dashboard) with
 * no `$(` or backquote in it (JSON's lines read as sh run `"key":` and the like; a substitution
 * inside a string would run). Anything else with no extension is read as sh: a single word (`info`,
 * a password, a URL) shows no shape, and reading it costs its length.
 *
 * Bytes are no shape either: a value of bytes that are not text (a keystore, a `.p12`, a DER
 * certificate, an image, CBOR) is read as sh too, as dash and bash run it: neither stops at a
 * control character or at bytes that are no UTF-8 (bash refuses a file only for a NUL in its first
 * line), so a comment of such bytes is padding around a script that runs, wherever it sits. Their
 * text holds U+FFFD for those bytes, a word's character to the reader as the byte is to sh; the
 * reader's cost is linear in the bytes (about 13 units a byte on random bytes: a keystore of 8 KiB
 * costs 1/40 of the budget), and random bytes show no shape.
 */
export function configShaped(text: string): boolean {
  const t = text.trim();
  if (t === '') return true;
  if (t.startsWith('-----BEGIN ') && t.split('\n').every((line) => PEM_LINE.test(line.trim()))) return true;
  if (t.includes('$(') || t.includes('`')) return false;
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      JSON.parse(t);
      // A line whose first word is a whole string followed by more words runs that string as a
      // program: `"eval" : ";curl … | sh"` on its own line, or after `{ `, which sh reads as a
      // group's opening, is valid JSON that runs its payload.
      return !JSON_PROGRAM_LINE.test(t);
    } catch {
      // Not JSON: an INI file starts with `[section]` too (below).
    }
  }
  return linesRunNothing(t);
}

/**
 * A YAML or properties file in which no line runs a program, read as sh: every line that is not
 * blank or a comment starts with a word no program is named (`key:`, `-`, `---`, `key=value`, an
 * assignment), and nothing joins or expands (no `|`, `;`, `&`, `<(`, `>(`, `$(`,
 * backquote: a pipeline, a list or a substitution would run a second word). A
 * Prometheus rules file or a kubeconfig under a key with no extension is such a file, and reading
 * a few hundred KiB of it as sh would cost the Check's whole command-reading budget.
 */
function linesRunNothing(t: string): boolean {
  if (SHELL_JOINS.test(t)) return false;
  for (const line of t.split('\n')) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (!CONFIG_LINE.test(l)) return false;
  }
  return true;
}

/** What runs a second word: a pipeline, a list, a background job, a process substitution. A plain redirection (`expr: a > 0.05`) runs nothing: the line's program is no program. */
const SHELL_JOINS = /[|;&]|[<>]\(/;
/**
 * A line whose first word names no program: a YAML key or item, a document marker, an assignment
 * alone on its line (`A=1 curl …` runs curl). A key is a whole quoted string or a word with nothing
 * that makes it more than a word to sh: no `=` (`A=: curl …` is an assignment, then curl), no `<`
 * or `>` (`>f: curl …` is a redirection, then curl), no quote or backslash (one left open runs on
 * into later lines), no `$`, `(`, `)` (bash's `${X: 0}url` is curl), no glob character (`a*:` as
 * a program word would match a file of the mount, another key). An assignment's value holds no
 * quote, backslash, `$` or brace for the same reason: `X='` on one line and `a: b' curl …` on a
 * later one is an assignment, then curl.
 */
const CONFIG_LINE = /^(?:(?:- +)*(?:[^\s:*?[\]=<>'"\\$()`]+|"[^"\\$`]*"|'[^']*'):(?:\s|$)|-(?:\s|$)|---(?:\s|$)|\.\.\.$|[A-Za-z_][A-Za-z0-9_]*=[^\s'"\\$`{}()<>]*$)/;

/** A JSON line that starts with a whole string and then more words, after `{ ` groups sh opens: sh runs the string. */
const JSON_PROGRAM_LINE = /^[ \t]*(?:\{[ \t]+)*"(?:[^"\\\n]|\\.)*"[ \t]+\S/m;

const PEM_LINE = /^(?:-----(?:BEGIN|END) [A-Z0-9 ]+-----|[A-Za-z0-9+/=]*|[A-Za-z-]+: .*)$/;
