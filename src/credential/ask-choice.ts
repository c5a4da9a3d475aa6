import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One open ask of the token, as `GET /.stepgate/v1/challenge` lists it (pipeline/challenge.ts AskRecord). */
export interface OpenAsk {
  ask: string;
  request?: { verb: string; resource: string; namespace: string; name: string } | undefined;
  counted?: string | undefined;
  at?: number;
}

/** What the kubectl command that ran the plugin asks for, read from its argv. */
export interface Command {
  /** The words as typed, for the prompt ("kubectl get secret db -n prod"). */
  text: string;
  /** The words that are not flags or flag values: the verb, the resource, names. */
  words: readonly string[];
  /** `-n`/`--namespace`; '' when not given. */
  namespace: string;
}

/**
 * The kubectl command whose 401 ran the plugin: client-go runs the credential plugin in the
 * kubectl process itself, so its parent's argv is that command. Linux's /proc; without it (macOS),
 * the argv `ps` prints, split at spaces (a quoted argument with a space in it becomes two words,
 * which can only make a fit fail, never make one). Windows, or a parent that is no kubectl:
 * undefined, and the plugin signs in for the newest ask.
 */
export function parentCommand(ppid: number, read: (path: string) => Buffer = readFileSync, ps: (pid: number) => string | undefined = psCommand): Command | undefined {
  let raw: Buffer;
  try {
    raw = read(`/proc/${ppid}/cmdline`);
  } catch {
    // Day 29: most engineers' laptops are Macs. Without their command the plugin named the token's
    // newest ask, which malware looping on the same login keeps its run's (its refused reads are
    // newer than the engineer's 401 by the time the plugin has started): the engineer's sign-in
    // then answered the run.
    const line = ps(ppid)?.trim();
    return line ? commandOf(line.split(/\s+/)) : undefined;
  }
  return commandOf(raw.toString('utf8').split('\0').filter((a) => a !== ''));
}

/** `ps -o command= -p PID`: the process's argv joined by spaces (macOS and the BSDs); undefined where there is no ps. */
function psCommand(pid: number): string | undefined {
  if (process.platform === 'win32' || !Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    return execFileSync('/bin/ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** Flags of kubectl that take a value as the next word (the common ones; `--flag=value` needs none). */
const VALUED = new Set(['-n', '--namespace', '-o', '--output', '-l', '--selector', '-f', '--filename', '-c', '--container', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--field-selector', '--sort-by', '--type', '--for', '-k', '--kustomize', '--as', '--as-group', '--request-timeout', '--template', '--tail', '--since', '--timeout']);

export function commandOf(argv: readonly string[]): Command | undefined {
  if (argv.length === 0) return undefined;
  const bin = argv[0]!.split('/').pop() ?? '';
  // kubectl, or a client-go tool named like one (oc, kubectl.1.32); k9s and others read nothing here.
  if (!/^(kubectl|oc)\b/.test(bin)) return undefined;
  const words: string[] = [];
  let namespace = '';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '-n' || a === '--namespace') {
      namespace = argv[++i] ?? '';
      continue;
    }
    if (a.startsWith('--namespace=')) {
      namespace = a.slice('--namespace='.length);
      continue;
    }
    if (a.startsWith('-n') && a.length > 2 && !a.startsWith('--')) {
      namespace = a.slice(2).replace(/^=/, '');
      continue;
    }
    if (VALUED.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    // `secret/db` names both.
    words.push(...a.toLowerCase().split('/').filter(Boolean));
  }
  return { text: argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ').replace(/^\S*\//, ''), words, namespace };
}

/**
 * How well an ask's request fits the command: its namespace, its name, its resource among the
 * command's words. 0 when something the command names differs (another namespace, another name).
 */
function fit(a: OpenAsk, c: Command): number {
  const r = a.request;
  if (r === undefined) return 0;
  let score = 1;
  if (c.namespace !== '' || r.namespace !== '') {
    if (c.namespace !== '' && c.namespace !== r.namespace) return 0;
    if (c.namespace === r.namespace) score += 2;
  }
  if (r.name !== '') {
    if (!c.words.includes(r.name.toLowerCase())) return 0;
    score += 4;
  }
  const res = r.resource.split('/')[0]!;
  // `secret`, `secrets`, `deploy` for deployments: kubectl's short names are prefixes or singulars.
  if (c.words.some((w) => w.length >= 2 && (res === w || res.startsWith(w) || res === `${w}s` || res === `${w}es`))) score += 1;
  return score;
}

/**
 * The ask this command signs in for: the best-fitting one of the asks listed (the newest when two
 * fit alike), else the newest of them (`matched` false: the prompt says it could not tell).
 */
export function chooseAsk(asks: readonly OpenAsk[], command: Command | undefined): { ask: OpenAsk; matched: boolean } | undefined {
  if (asks.length === 0) return undefined;
  if (command === undefined) return { ask: asks[0]!, matched: false };
  let best: OpenAsk | undefined;
  let bestScore = 0;
  for (const a of asks) {
    const f = fit(a, command);
    if (f > bestScore) {
      best = a;
      bestScore = f;
    }
  }
  return best === undefined ? { ask: asks[0]!, matched: false } : { ask: best, matched: true };
}
