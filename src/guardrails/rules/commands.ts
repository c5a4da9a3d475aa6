import { stringsOf, type Json, type Violation } from '../types.js';
import type { RuleContext } from './context.js';

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
 *   `printenv > /dev/tcp/…`): the pod's Secrets and identity handed out at each start.
 * An exec into a pod (`pods/exec`, its command in the query: `kubectl exec -- sh -c '…'`) is read
 * the same way (checkExecCommand): the debug container's command run through exec instead.
 * A shell script is read as one: commands split at `;`, `&&`, `||`, `&` and line breaks, pipelines
 * at `|`; quotes are ignored, so a pipe inside `sh -c "…"` of an `nsenter` is still a pipe. The
 * detail names the shape, never the address or the script (both are the body's).
 */
export function checkCommand(at: Container, ctx: RuleContext): void {
  const c = at.container;
  if (c.command === undefined && c.args === undefined && c.source === undefined) return;
  const words = [...stringsOf(c.command), ...stringsOf(c.args)];
  const found = commandShape(words, typeof c.source === 'string' ? c.source : undefined);
  if (found === undefined) return;
  ctx.out.push({ code: 'container_command_egress', detail: `container${at.name}'s command ${SHAPE_TEXT[found]}`, path: at.path });
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

export type CommandShape = 'fetch_run' | 'decoded_run' | 'download_run' | 'send_credentials';

const SHAPE_TEXT: Record<CommandShape, string> = {
  fetch_run: 'runs a program it downloads (a downloader piped into an interpreter)',
  decoded_run: 'pipes decoded text into an interpreter',
  download_run: 'downloads a program and runs it from a scratch directory',
  send_credentials: 'sends its environment or a credential file to the network',
};

/**
 * The first shape a container's command shows, or undefined. `words` is `command` then `args`;
 * each word with a space or line break in it is a script of its own (`sh -c '…'`), and the words
 * together are one command (`curl -F f=@/var/run/secrets/… https://…`). Pure: exported for tests.
 */
export function commandShape(words: readonly string[], source?: string): CommandShape | undefined {
  const scripts: string[] = [];
  for (const w of words) if (/\s/.test(w)) scripts.push(w);
  if (source !== undefined) scripts.push(source);
  if (words.length > 0) scripts.push(words.map((w) => (/\s/.test(w) ? '' : w)).join(' '));
  for (const s of scripts) {
    const shape = scriptShape(s);
    if (shape !== undefined) return shape;
  }
  return undefined;
}

const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'aria2c']);
const INTERPRETERS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php', 'pwsh', 'powershell', 'lua', 'eval', 'source', '.']);
const SENDERS = new Set(['nc', 'ncat', 'netcat', 'socat', 'telnet']);
/** curl's and wget's flags that send a body (curl `-d@-`, `--data-binary @file`, `-F`, `-T`). */
const SEND_FLAG = /^(?:-d|-F|-T|--data(?:-[a-z]+)?|--form(?:-string)?|--upload-file|--json|--post-(?:data|file)|--body-(?:data|file))(?:$|=|@)|^-[a-zA-Z]*[dFT](?:$|@)/;
/** curl's and wget's flags that write a file (`-o x`, `-O`, `--output`, wget's default unless `-O-`). */
const FILE_FLAG = /^(?:-o|-O|--output|--remote-name(?:-all)?|--output-document|-[a-zA-Z]*[oO])(?:$|=)/;
const UNPACKERS = new Set(['tar', 'unzip', 'gunzip', 'bunzip2', 'xz', 'unxz', 'zcat', 'cpio', 'busybox']);
/** Where a pod keeps what identifies it or its node, and the environment of a process. */
const CREDENTIAL_PATH = /serviceaccount\/token|serviceaccount\/?(?:\s|$)|\/proc\/[^/\s]+\/environ|\.kube\/config|\/etc\/kubernetes\/|\/var\/lib\/kubelet\/|\.aws\/credentials|\.docker\/config\.json|\/secrets\/azure\/tokens\//;
/** The environment handed to a sender inline: `-d "$(env)"`, `` `printenv` ``. */
const ENV_INLINE = /(?:\$\(|`)\s*(?:env|printenv|set|export\s+-p)\s*(?:\)|`)/;
/** An interpreter handed a download's text (`sh -c "$(curl …)"`, `bash <(wget -qO- …)`). */
const SUBSTITUTED_DOWNLOAD = /(?:\$\(|<\(|`)\s*(?:[\w./-]*\/)?(?:curl|wget)\b/;
const WRAPPERS = new Set(['sudo', 'exec', 'nohup', 'command', 'time', 'nice', 'setsid', 'stdbuf', 'doas']);
const SCRATCH_RUN = /^(?:\.\/|\/tmp\/|\/dev\/shm\/|\/var\/tmp\/)/;

interface Stage {
  readonly program: string;
  readonly words: readonly string[];
  readonly text: string;
}

function scriptShape(script: string): CommandShape | undefined {
  let downloaded = false;
  for (const segment of script.split(/&&|\|\||;|&|\n/)) {
    const stages = segment.split('|').map(stageOf);
    const first = stages[0];
    if (first === undefined || first.program === '') continue;
    if (downloaded && SCRATCH_RUN.test(first.program)) return 'download_run';
    if (INTERPRETERS.has(first.program) && SUBSTITUTED_DOWNLOAD.test(segment)) return 'fetch_run';
    let fetchAt = -1;
    let decodeAt = -1;
    let sourceAt = -1;
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i]!;
      if (fetchAt >= 0 && runsInput(s)) return 'fetch_run';
      if (decodeAt >= 0 && runsInput(s)) return 'decoded_run';
      const source = isSource(s);
      if (isSender(s) && (sourceAt >= 0 || source || ENV_INLINE.test(s.text))) return 'send_credentials';
      // A download kept as a file: written by the downloader, or by a later stage of its pipeline
      // (an unpacker, a redirection). One pass: a pipeline of half a million stages costs as much.
      if (fetchAt >= 0 && (UNPACKERS.has(s.program) || s.text.includes('>'))) downloaded = true;
      if (fetches(s)) {
        fetchAt = i;
        if (writesFile(s)) downloaded = true;
      }
      if (source) sourceAt = i;
      if (decodes(s)) decodeAt = i;
    }
  }
  return undefined;
}

function stageOf(text: string): Stage {
  const words = text
    .replace(/["']/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
  let i = 0;
  while (i < words.length && (WRAPPERS.has(words[i]!) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!))) i++;
  const head = words[i] ?? '';
  // `/usr/bin/curl` is curl, `./xmrig` keeps its directory (where it runs from is the point).
  const program = SCRATCH_RUN.test(head) ? head : head.slice(head.lastIndexOf('/') + 1);
  return { program, words: words.slice(i), text };
}

function fetches(s: Stage): boolean {
  return s.words.some((w) => DOWNLOADERS.has(w.slice(w.lastIndexOf('/') + 1)));
}

/** `base64 -d`, `base64 --decode`, `openssl base64 -d`, `openssl enc -d`, `xxd -r`, `uudecode`. */
function decodes(s: Stage): boolean {
  if (s.program === 'base64' || s.program === 'openssl' || s.program === 'base32') return s.words.some((w) => w === '-d' || w === '-D' || w === '--decode' || /^-[a-zA-Z]*d$/.test(w));
  if (s.program === 'xxd') return s.words.some((w) => /^-[a-zA-Z]*r/.test(w));
  return s.program === 'uudecode';
}

function writesFile(s: Stage): boolean {
  if (s.text.includes('>')) return true;
  if (s.program === 'wget') return !s.words.some((w, i) => w === '-O-' || w === '-qO-' || /^-[a-zA-Z]*O-$/.test(w) || ((w === '-O' || w === '-qO') && s.words[i + 1] === '-'));
  return s.words.some((w) => FILE_FLAG.test(w));
}

/**
 * An interpreter that runs what it is piped (`sh`, `sh -s -- …`, `python3 -`), not one given its
 * own code that reads the pipe as data (`python3 -c 'import json,sys; …'`, `node -e …`, `jq`).
 */
function runsInput(s: Stage): boolean {
  return INTERPRETERS.has(s.program) && !s.words.slice(1).some((w) => /^-[a-zA-Z]*[ceEm]$|^--eval$|^--command$/.test(w));
}

/** The in-cluster API server is not "the network" a pod sends its own token out to. */
const IN_CLUSTER_API = /kubernetes\.default|KUBERNETES_SERVICE_HOST|KUBERNETES_PORT/;

function isSender(s: Stage): boolean {
  if (IN_CLUSTER_API.test(s.text)) return false;
  if (s.text.includes('/dev/tcp/') || s.text.includes('/dev/udp/')) return true;
  if (s.words.some((w) => SENDERS.has(w.slice(w.lastIndexOf('/') + 1)))) return true;
  return fetches(s) && s.words.some((w) => SEND_FLAG.test(w));
}

/** A stage whose output is the environment or a credential: `env`, `printenv`, `cat …/token`. */
function isSource(s: Stage): boolean {
  if (CREDENTIAL_PATH.test(s.text)) return true;
  if (s.program === 'env' || s.program === 'printenv' || s.program === 'set') return s.words.slice(1).every((w) => w.startsWith('-') || s.program === 'printenv');
  return s.program === 'export' && s.words.slice(1).every((w) => w === '-p');
}
