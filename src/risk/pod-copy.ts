/**
 * An exec that carries files or a database out of (or into) a pod rather than opening a shell:
 * `kubectl cp`, which execs `tar cf -` (from the pod) or `tar xmf -` (to it), and the dump tools
 * that write a database to the exec's stdout. An engineer who opens shells in a namespace every
 * day may never copy out of a pod; malware with their token copies a database's data directory in
 * one request (day 24's `loyalty-db-0`), which a shell count cannot tell from their shells. Run
 * through `sh -c '…'` the program is a word of the script, so that spelling counts too; an
 * interactive shell in which the same tar is typed is indistinguishable from a shell and stays
 * one (`pod_shell`).
 */

/** Programs whose exec moves files or a database's contents through the exec's streams. */
const COPY_PROGRAMS: ReadonlySet<string> = new Set([
  'tar',
  'cpio',
  'rsync',
  'pg_dump',
  'pg_dumpall',
  'pg_basebackup',
  'mysqldump',
  'mariadb-dump',
  'mongodump',
  'mongoexport',
]);

const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

/** The exec's `command` parameters in order (kubectl sends one per argument), decoded; [] when there is none or one is malformed. */
function commandOf(query: string): string[] {
  if (!query.includes('command=')) return [];
  const out: string[] = [];
  for (const pair of query.split('&')) {
    if (!pair.startsWith('command=')) continue;
    try {
      out.push(decodeURIComponent(pair.slice(8).replace(/\+/g, ' ')));
    } catch {
      return [];
    }
  }
  return out;
}

const program = (word: string): string => word.slice(word.lastIndexOf('/') + 1);

/**
 * Programs that run the next word as the command (`env tar …`, `timeout 60 pg_dump …`, `busybox
 * tar …`): their options, variable assignments and durations are skipped to reach it.
 */
const WRAPPERS: ReadonlySet<string> = new Set(['env', 'nice', 'nohup', 'timeout', 'stdbuf', 'ionice', 'chroot', 'exec', 'command', 'sudo', 'busybox', 'setsid']);
const WRAPPER_ARG = /^(-.*|[A-Za-z_][A-Za-z0-9_]*=.*|\d+[smhd]?)$/;

/** Whether an exec's query runs a copy or dump program, directly, behind a wrapper, or as a word of a shell's `-c` script. */
export function copiesFiles(query: string): boolean {
  const argv = commandOf(query);
  let i = 0;
  while (i < argv.length && WRAPPERS.has(program(argv[i]!))) {
    i++;
    while (i < argv.length && WRAPPER_ARG.test(argv[i]!)) i++;
  }
  if (i >= argv.length) return false;
  const first = program(argv[i]!);
  if (COPY_PROGRAMS.has(first)) return true;
  if (!SHELLS.has(first)) return false;
  // `-c` alone or among other one-letter options (`sh -ec`, `bash -lc`): the script is the next argument.
  const c = argv.findIndex((a, k) => k > i && /^-[a-z]*c[a-z]*$/.test(a));
  if (c < 0 || c + 1 >= argv.length) return false;
  // The script's words, split where a shell splits commands and arguments.
  return argv[c + 1]!.split(/[\s;&|()`$'"<>]+/).some((w) => w !== '' && COPY_PROGRAMS.has(program(w)));
}
