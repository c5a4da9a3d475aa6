import { isObject, type Json } from '../types.js';
import { walkObjects } from './walk.js';

/**
 * Which ConfigMap and Secret keys a pod of the same request runs (rules/configmap-scripts.ts reads
 * them as scripts, whatever their key or text looks like). A chart, a List, a ManifestWork or a
 * rendered kustomization often carries the ConfigMap and the workload that mounts it together:
 * there the pod says what a key is (`command: ["sh", "/scripts/run"]` with the ConfigMap mounted at
 * `/scripts`), where the ConfigMap alone only says what it looks like.
 *
 * A path is run when a container's `command`/`args` (or a shell script given to it with `-c`) has it
 * as a command's program (`/scripts/run`), after an interpreter (`sh /scripts/run`, `python3 -u
 * /x/main`; a runner in front: `timeout 300 sh f`, `nice -n 5 sh f`, `busybox sh f`, `gosu app sh f`),
 * after `.`, `source` or `exec`, as the shell's stdin (`sh < f`, `cat f | sh`), or as the text a
 * substitution reads (`bash -c "$(cat /cfg/entry)"`, `$(< /cfg/entry)`). The path is mapped to a key through the container's
 * `volumeMounts` (`subPath` too) and the pod's `volumes`: `configMap`, `secret` and `projected`
 * sources, with their `items` renaming (`{key: x, path: run.sh}` runs key `x`).
 *
 * Pure; reads only what the documents show. A pod in another request is not seen here (the
 * ConfigMap's own reading, configmap-scripts.ts, stands alone).
 */

/** `ConfigMap/<name>` or `Secret/<name>` → key → the interpreter (RUN_BY_SHEBANG: as its `#!` line says, else sh). */
export type RunKeys = ReadonlyMap<string, ReadonlyMap<string, string>>;

export const NO_RUN_KEYS: RunKeys = new Map();

/** The interpreter of a file run as a program: its `#!` line, or sh when it has none (execvp's fallback). */
export const RUN_BY_SHEBANG = '#!';

/** The key a store's object is found under in RunKeys. */
export function runKeyOf(kind: 'ConfigMap' | 'Secret', name: string): string {
  return `${kind}/${name}`;
}

/** The keys run by the pods of `docs`, added to `known` (a wrapper's own, for what it carries). */
export function keysRun(docs: readonly Json[], known: RunKeys = NO_RUN_KEYS): RunKeys {
  let out: Map<string, Map<string, string>> | undefined;
  const add = (store: string, key: string, interpreter: string) => {
    out ??= new Map([...known].map(([k, v]) => [k, new Map<string, string>(v)]));
    let keys = out.get(store);
    if (keys === undefined) out.set(store, (keys = new Map<string, string>()));
    if (!keys.has(key)) keys.set(key, interpreter);
  };
  for (const doc of docs) {
    walkObjects(doc, '', (node) => {
      if (!Array.isArray(node.containers) && !Array.isArray(node.initContainers)) return;
      const volumes = volumesOf(node.volumes);
      if (volumes.size === 0) return;
      for (const field of CONTAINER_FIELDS) {
        const list = node[field];
        if (!Array.isArray(list)) continue;
        for (const c of list) {
          if (!isObject(c)) continue;
          const runs = pathsRun(words(c.command).concat(words(c.args)));
          if (runs.length === 0) continue;
          const dir = typeof c.workingDir === 'string' && c.workingDir.startsWith('/') ? c.workingDir : undefined;
          for (const [path, interpreter] of runs) {
            // A relative file is the working directory's; with none set, the image's, which no mount is known to be.
            const file = path.startsWith('/') ? path : dir !== undefined ? `${dir}/${path}` : undefined;
            if (file !== undefined) for (const [store, key] of keysAt(file, c.volumeMounts, volumes)) add(store, key, interpreter);
          }
        }
      }
    });
  }
  return out ?? known;
}

const CONTAINER_FIELDS = ['containers', 'initContainers', 'ephemeralContainers'];

/** A volume's stores: each with the key → file renaming of its `items` (undefined: every key as its own file). */
interface Source {
  readonly store: string;
  readonly items?: ReadonlyMap<string, string>;
}

function volumesOf(volumes: unknown): Map<string, Source[]> {
  const out = new Map<string, Source[]>();
  if (!Array.isArray(volumes)) return out;
  for (const v of volumes) {
    if (!isObject(v) || typeof v.name !== 'string') continue;
    const sources: Source[] = [];
    const from = (ref: unknown, kind: 'ConfigMap' | 'Secret', nameField: string) => {
      if (!isObject(ref) || typeof ref[nameField] !== 'string') return;
      sources.push({ store: runKeyOf(kind, ref[nameField]), ...(Array.isArray(ref.items) && { items: itemsOf(ref.items) }) });
    };
    from(v.configMap, 'ConfigMap', 'name');
    from(v.secret, 'Secret', 'secretName');
    if (isObject(v.projected) && Array.isArray(v.projected.sources)) {
      for (const s of v.projected.sources) {
        if (!isObject(s)) continue;
        from(s.configMap, 'ConfigMap', 'name');
        from(s.secret, 'Secret', 'name');
      }
    }
    if (sources.length > 0) out.set(v.name, sources);
  }
  return out;
}

/** `items: [{key, path}]` as file path → key. */
function itemsOf(items: unknown[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of items) if (isObject(i) && typeof i.key === 'string' && typeof i.path === 'string') out.set(normal(i.path), i.key);
  return out;
}

/** The store keys that a file path of the container is, through its mounts. */
function keysAt(path: string, mounts: unknown, volumes: ReadonlyMap<string, Source[]>): [string, string][] {
  const out: [string, string][] = [];
  if (!Array.isArray(mounts)) return out;
  const file = normal(path);
  for (const m of mounts) {
    if (!isObject(m) || typeof m.name !== 'string' || typeof m.mountPath !== 'string') continue;
    const sources = volumes.get(m.name);
    if (sources === undefined) continue;
    const at = normal(m.mountPath);
    const sub = typeof m.subPath === 'string' && m.subPath !== '' ? normal(m.subPath) : '';
    // The file inside the volume: the mount is the file itself with subPath, a directory without.
    let inside: string | undefined;
    if (sub !== '') inside = file === at ? sub : file.startsWith(`${at}/`) ? `${sub}/${file.slice(at.length + 1)}` : undefined;
    else inside = file.startsWith(`${at}/`) ? file.slice(at.length + 1) : undefined;
    if (inside === undefined) continue;
    // kubelet's atomic writer keeps each key behind `..data/`: the same file.
    if (inside.startsWith('..data/')) inside = inside.slice('..data/'.length);
    for (const s of sources) {
      const key = s.items !== undefined ? s.items.get(inside) : inside.includes('/') ? undefined : inside;
      if (key !== undefined) out.push([s.store, key]);
    }
  }
  return out;
}

/** A path with `.` and empty segments dropped and no trailing `/` (`/scripts/./run` is `/scripts/run`). */
function normal(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return (path.startsWith('/') ? '/' : '') + parts.join('/');
}

function words(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : [];
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);
const INTERPRETER = /^(?:python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|tclsh|Rscript)$/;
/** Words that run the next word as the command (`exec /x/run`, `env A=b /x/run`). */
const PREFIXES = new Set(['exec', 'env', 'nohup', 'command', 'time', 'nice', 'setsid', 'tini', 'dumb-init', '--']);
/** `$(cat P)`, `` `cat P` ``, `$(< P)`: the file's text becomes part of the code around it. */
const READ_IN = /\$\(\s*(?:cat\s+|<\s*)([^\s)]+)\s*\)|`\s*cat\s+([^\s`]+)\s*`/g;

/** [path, interpreter] for each file the words run (see the file's comment). */
export function pathsRun(argv: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  const scan = (tokens: readonly string[], depth: number) => {
    // The files of a `cat f … |` stage just before: a shell reading its stdin next runs them.
    let piped: string[] = [];
    let i = 0;
    while (i < tokens.length) {
      if (SEPARATORS.has(tokens[i]!)) {
        i++;
        continue;
      }
      let end = i;
      while (end < tokens.length && !SEPARATORS.has(tokens[end]!)) end++;
      const intoPipe = tokens[end] === '|';
      const cat = command(tokens, i, end, depth, out, piped);
      piped = intoPipe ? cat : [];
      i = end;
    }
  };
  const command = (tokens: readonly string[], from: number, end: number, depth: number, found: [string, string][], piped: readonly string[]): string[] => {
    let j = from;
    // Assignments and prefixes before the program.
    while (j < end && (PREFIXES.has(tokens[j]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(tokens[j]!))) j++;
    // A redirection before the program (`</cfg/run sh`) is not it.
    while (j < end && tokens[j]!.startsWith('<') && !tokens[j]!.startsWith('<<')) j += tokens[j] === '<' ? 2 : 1;
    let program = tokens[j];
    if (program === undefined || j >= end) return [];
    let base = program.slice(program.lastIndexOf('/') + 1);
    if (program === '.' || program === 'source') {
      const f = tokens[j + 1];
      if (j + 1 < end && f !== undefined && isFile(f)) found.push([f, 'sh']);
      return [];
    }
    if (base === 'cat') return tokens.slice(j + 1, end).filter((t) => isFile(t) && !t.startsWith('<') && !t.startsWith('>'));
    if (!interpreterWord(base)) {
      if (program.startsWith('/') || program.startsWith('./') || program.startsWith('../')) {
        found.push([program, RUN_BY_SHEBANG]);
        return [];
      }
      // A runner in front of the interpreter (`timeout 30 sh f`, `nice -n 5 sh f`, `busybox sh f`,
      // `gosu app sh f`, `env -i sh f`, `xargs sh`): the interpreter is a later word of the command.
      let k = j + 1;
      while (k < end && !interpreterWord(tokens[k]!.slice(tokens[k]!.lastIndexOf('/') + 1))) k++;
      if (k >= end) return [];
      j = k;
      program = tokens[j]!;
      base = program.slice(program.lastIndexOf('/') + 1);
    }
    // `busybox sh f`: the applet is the interpreter.
    if (base === 'busybox' && j + 1 < end && interpreterWord(tokens[j + 1]!)) base = tokens[++j]!;
    const shell = SHELLS.has(base);
    const interpreter = shell ? 'sh' : base;
    // Options first; `-c` (or `-ec`) hands code, read in turn; `-m` and `-e` name no file; `-o`
    // takes a value. Anything else names the file.
    let k = j + 1;
    let code = false;
    while (k < end && tokens[k]!.startsWith('-')) {
      if (shell ? SHELL_CODE.test(tokens[k]!) : INTERPRETER_CODE.test(tokens[k]!)) {
        code = true;
        if (depth < 2 && k + 1 < end) scan(tokenize(tokens[k + 1]!), depth + 1);
      }
      if (shell && (tokens[k] === '-o' || tokens[k] === '+o')) k++;
      k++;
    }
    const f = k < end ? tokens[k] : undefined;
    const named = !code && f !== undefined && isFile(f) && !f.startsWith('<') && !f.startsWith('>');
    if (named) found.push([f, interpreter]);
    if (!code && !named) {
      // Its code on stdin: a `<` redirection of this command (`sh < /cfg/run`, `sh -s </cfg/run`)
      // or the files a `cat` before it in the pipeline reads (`cat /cfg/run | sh`).
      for (let r = from; r < end; r++) {
        const t = tokens[r]!;
        if (t.startsWith('<<') || t.startsWith('<(')) continue;
        const file = t === '<' ? tokens[r + 1] : t.startsWith('<') ? t.slice(1) : undefined;
        if (file !== undefined && r + (t === '<' ? 1 : 0) < end && isFile(file)) found.push([file, interpreter]);
      }
      for (const p of piped) found.push([p, interpreter]);
    }
    return [];
  };
  // The container's words are the argv itself: each is one token, and a word with a space or line break in it is code of its own (`sh -c '…'`).
  scan(argv, 0);
  for (const w of argv) {
    if (/\s/.test(w)) scan(tokenize(w), 1);
    for (const m of w.matchAll(READ_IN)) out.push([m[1] ?? m[2]!, 'sh']);
  }
  return out;
}

/** A shell or an interpreter that runs a file it is given. */
function interpreterWord(base: string): boolean {
  return SHELLS.has(base) || INTERPRETER.test(base);
}

/** A shell's options that hand it code rather than a file (`-c`, `-ec`, `-xc`). */
const SHELL_CODE = /^-[A-Za-z]*c[A-Za-z]*$/;
/** An interpreter's options after which no file follows (`python3 -c`, `-m`; `perl -e`; `node -e`/`-p`; `ruby -e`). */
const INTERPRETER_CODE = /^-(?:c|m|e|E|p|-eval|-print)$/;

/** A word that can name a file: not an option, not an operator, not empty. */
function isFile(word: string): boolean {
  return word !== '' && !word.startsWith('-') && !SEPARATORS.has(word) && !word.includes('$');
}

const SEPARATORS = new Set([';', '&&', '||', '|', '&', '\n', '(', ')', '{', '}', 'then', 'do', 'else', 'elif', '!']);

/** A shell text as tokens, roughly: quotes dropped, operators and line breaks their own tokens. Enough to find what it runs by path. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/&&|\|\||[;&|()\n]|"([^"]*)"|'([^']*)'|[^\s;&|()"']+/g)) {
    out.push(m[1] ?? m[2] ?? m[0]);
  }
  return out;
}
