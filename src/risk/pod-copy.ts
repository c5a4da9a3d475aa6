/**
 * An exec that carries files or a database out of (or into) a pod rather than opening a shell:
 * `kubectl cp`, which execs `tar cf -` (from the pod) or `tar xmf -` (to it), and the dump tools
 * that write a database to the exec's stdout. An engineer who opens shells in a namespace every
 * day may never copy out of a pod; malware with their token copies a database's data directory in
 * one request (day 24's `loyalty-db-0`), which a shell count cannot tell from their shells. Run
 * through `sh -c '…'` the program is a word of the script, so that spelling counts too; an
 * interactive shell in which the same tar is typed is indistinguishable from a shell and stays
 * one (`pod_shell`).
 *
 * A copy of a database is told from a copy of files (copyOf): a DBA who copies reports out of
 * the replica's /tmp every hour has never dumped the database, and malware with their token that
 * runs `pg_dump` into /tmp and copies the dump out with the DBA's own `kubectl cp` (day 37) makes
 * one request that is not the DBA's (`unfamiliar_kind`'s `database_copy`).
 */

/** Programs whose exec moves files through the exec's streams: what they reach is in their operands. */
const FILE_PROGRAMS: ReadonlySet<string> = new Set(['tar', 'cpio', 'rsync']);

/** Programs whose exec writes a database's contents out (to the exec's stdout or a file in the pod to copy next). */
const DUMP_PROGRAMS: ReadonlySet<string> = new Set([
  'pg_dump',
  'pg_dumpall',
  'pg_basebackup',
  'mysqldump',
  'mysqlpump',
  'mariadb-dump',
  'mariadb-backup',
  'mariabackup',
  'xtrabackup',
  'mongodump',
  'mongoexport',
  // cmd47b: dump tools session 46 did not list. mydumper (MySQL's parallel dump), pg_receivewal
  // (the WAL stream: every change, as it is written), ArangoDB's and Couchbase's exports.
  'mydumper',
  'pg_receivewal',
  'pg_receivexlog',
  'arangodump',
  'arangoexport',
  'cbexport',
]);

/**
 * Programs that dump a database only when told to: `redis-cli --rdb <file>` (the whole keyspace as
 * an RDB file, `-` for stdout) and `etcdctl snapshot save` (the whole of etcd: every Secret of the
 * cluster). Their other uses (`redis-cli info`, `etcdctl endpoint health`) are a client's.
 */
const DUMP_WORDS: ReadonlyMap<string, RegExp> = new Map(
  (
    [
      ['redis-cli', ['--rdb', '--functions-rdb']],
      ['valkey-cli', ['--rdb', '--functions-rdb']],
      ['etcdctl', ['snapshot']],
      // sqlite3's dot-commands write the whole database out (`sqlite3 app.db .dump`, `.backup /tmp/x`; `.save` is `.backup`).
      ['sqlite3', ['.dump', '.backup', '.save', '.clone']],
      // cmd47b: the backup subcommands of other databases' own tools (each the whole database, to a
      // file, a repository or object storage): etcd's offline backup of its data directory, Vault's
      // and Consul's Raft snapshots (every secret and key), pgBackRest, WAL-G and WAL-E base backups,
      // clickhouse-backup, InfluxDB, Neo4j, Cassandra's snapshot, Couchbase's backup manager.
      ['etcdutl', ['backup', 'snapshot']],
      ['vault', ['snapshot']],
      ['consul', ['snapshot']],
      ['pgbackrest', ['backup']],
      ['wal-g', ['backup-push']],
      ['wal-e', ['backup-push']],
      ['clickhouse-backup', ['create', 'create_remote', 'upload']],
      ['influx', ['backup']],
      ['influxd', ['backup']],
      ['neo4j-admin', ['dump', 'backup']],
      ['nodetool', ['snapshot']],
      ['cbbackupmgr', ['backup']],
      // MySQL Shell's dump utilities, in its JavaScript (`util.dumpInstance(…)`) or its command line (`util dump-instance`).
      ['mysqlsh', ['util.dumpInstance', 'util.dumpSchemas', 'util.dumpTables', 'util.exportTable', 'dump-instance', 'dump-schemas', 'dump-tables', 'export-table']],
    ] as const
  ).map(([prog, words]) => [prog, new RegExp(`^(?:${words.map((w) => w.replace(/[.]/g, '\\.')).join('|')})(?=$|[=\\s(])`)]),
);

/**
 * Where database images keep their data (the official images' and Bitnami's volumes, CloudNativePG's
 * and Spilo's): a copy of a path inside one of these, or of the whole filesystem above it, carries
 * the database's files. `/data` (Redis's and MongoDB's parent of `/data/db`) is left out: many
 * images mount an application's volume there, and a copy of it is not a database's by its name.
 */
const DATA_DIRECTORIES: readonly string[] = [
  // cmd47b: the official images' and Bitnami's data volumes of databases session 46 did not list.
  '/var/lib/influxdb',
  '/var/lib/influxdb2',
  '/var/lib/neo4j',
  '/var/lib/arangodb3',
  '/var/lib/scylla',
  '/opt/couchbase/var',
  '/opt/couchdb/data',
  '/cockroach/cockroach-data',
  '/usr/share/opensearch/data',
  '/vault/data',
  '/bitnami/etcd',
  '/bitnami/cassandra',
  '/bitnami/clickhouse',
  '/bitnami/influxdb',
  '/bitnami/neo4j',
  '/bitnami/elasticsearch',
  '/bitnami/opensearch',
  '/bitnami/valkey',
  '/bitnami/couchdb',
  '/bitnami/mariadb-galera',
  '/var/lib/postgresql',
  '/var/lib/pgsql',
  '/var/lib/postgres',
  '/pgdata',
  '/home/postgres/pgdata',
  '/bitnami/postgresql',
  '/var/lib/mysql',
  '/bitnami/mysql',
  '/bitnami/mariadb',
  '/var/lib/mongodb',
  '/data/db',
  '/data/configdb',
  '/bitnami/mongodb',
  '/var/lib/redis',
  '/bitnami/redis',
  '/var/lib/etcd',
  '/var/opt/mssql',
  '/var/lib/cassandra',
  '/var/lib/clickhouse',
  '/usr/share/elasticsearch/data',
];

/** The parents a copy of which takes a data directory with it (`tar cf - -C / -- var`); not `/data` or `/home` (see DATA_DIRECTORIES). */
const SYSTEM_PARENTS: ReadonlySet<string> = new Set(['/', '/var', '/var/lib', '/var/opt', '/bitnami']);

/** `p` normalised: `.` and empty segments dropped, `..` resolved, no trailing slash ('/' for the root). */
function normalise(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/**
 * Where `kubectl debug node/…` mounts the node's root filesystem in its pod: a path under it is the
 * node's own (`/host/var/lib/etcd` is a control-plane node's etcd data, every Secret of the
 * cluster; day 40's snapshot copied off cp-1), as `chroot /host tar cf - /var/lib/etcd` reads.
 */
const NODE_ROOT = '/host';

/** Whether an absolute path is a database's data directory, inside one, or a system parent of one, in the pod or, under NODE_ROOT, on the node. */
function reachesData(path: string): boolean {
  const p = normalise(path);
  const onNode = p === NODE_ROOT ? '/' : p.startsWith(`${NODE_ROOT}/`) ? p.slice(NODE_ROOT.length) : undefined;
  return DATABASE_FILE.test(p.slice(p.lastIndexOf('/') + 1)) || [p, onNode].some((q) => q !== undefined && (SYSTEM_PARENTS.has(q) || DATA_DIRECTORIES.some((d) => q === d || q.startsWith(`${d}/`))));
}

/**
 * A database's own file by its name, wherever it is: Redis's and Valkey's snapshot and append-only
 * files (`/data/dump.rdb` after `redis-cli BGSAVE`: `/data` itself is no database's by its name, see
 * DATA_DIRECTORIES), SQLite's files.
 */
const DATABASE_FILE = /\.rdb$|^appendonly[\w.-]*\.aof$|^appendonlydir$|\.sqlite3?$/;

/**
 * A shell glob's path (`/var/lib/postgre*`, `/usr/bin/pg_du?p`) as a test of the paths it may name,
 * segment by segment (`*` within a segment); undefined for a word with no glob.
 */
function globOf(word: string): ((path: string) => boolean) | undefined {
  if (!/[*?[]/.test(word)) return undefined;
  const segs = word.split('/').map((seg) => new RegExp(`^${globSegment(seg)}$`));
  return (path) => {
    const parts = path.split('/');
    return parts.length === segs.length && segs.every((re, k) => re.test(parts[k]!));
  };
}

/** One segment of a glob as a regular expression's source: `*` and `?` within the segment, `[!…]` as `[^…]`. */
function globSegment(seg: string): string {
  let re = '';
  let inClass = false;
  for (let k = 0; k < seg.length; k++) {
    const ch = seg[k]!;
    // A `[` opens a class only where a `]` closes it (else it is a `[`, as the shell reads it).
    if (ch === '[' && !inClass && seg.indexOf(']', k + 2) > 0) {
      inClass = true;
      re += seg[k + 1] === '!' || seg[k + 1] === '^' ? '[^' : '[';
      if (seg[k + 1] === '!' || seg[k + 1] === '^') k++;
    } else if (ch === ']' && inClass) {
      inClass = false;
      re += ']';
    } else if (ch === '*' && !inClass) re += '[^/]*';
    else if (ch === '?' && !inClass) re += '[^/]';
    else re += /[\w]/.test(ch) || (inClass && ch === '-') ? ch : `\\${ch}`;
  }
  return re;
}

/**
 * Whether a glob in a script may name a data directory, a path inside one (its segments past the
 * directory's), or a system parent of one: each compared at its own depth.
 */
function globReachesData(word: string): boolean {
  const match = word.startsWith('/') ? globOf(word) : undefined;
  if (match === undefined) return false;
  if (globOf(word.slice(word.lastIndexOf('/') + 1)) === undefined && DATABASE_FILE.test(word.slice(word.lastIndexOf('/') + 1))) return true;
  const segments = word.split('/');
  return [...DATA_DIRECTORIES, ...SYSTEM_PARENTS].some((d) => {
    if (d === '/') return false;
    const parts = d.split('/');
    // The glob names the directory itself or a parent of it, or something inside it.
    if (parts.length >= segments.length) return match(parts.slice(0, segments.length).join('/'));
    const prefix = segments.slice(0, parts.length).join('/');
    return globOf(prefix)?.(d) ?? prefix === d;
  });
}

/** Whether a glob in a script may name a dump program (`pg_du*p`, `/usr/lib/postgresql/1?/bin/pg_dum?`). */
function globNamesDump(word: string): boolean {
  const match = globOf(program(word));
  return match !== undefined && [...DUMP_PROGRAMS].some((d) => match(d));
}

/** Programs whose `-c` runs a script (`su postgres -c 'pg_dump orders'` too). */
const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'su', 'runuser', 'script']);

/**
 * The environment variable the postgres images (official, Bitnami's, CloudNativePG's) set to the
 * data directory: `tar cf - $PGDATA` in a script reaches it wherever the image put it.
 */
const DATA_VARIABLES: readonly string[] = ['$PGDATA', '${PGDATA}'];
/** What follows a `$` as the expansion's name: `{…}`, a variable's name, or a special parameter. */
const EXPANSION = /^(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?!-])/;
const namesDataVariable = (word: string): boolean => DATA_VARIABLES.some((v) => word === v || word.startsWith(`${v}/`));

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
 * Programs that run a later word as the command (`env tar …`, `timeout 60 pg_dump …`, `busybox
 * tar …`, `sudo -u postgres pg_dump`, `gosu postgres pg_dump`): their options, variable
 * assignments and durations are skipped to reach it, with the word each option in `takes` is
 * given (`-u postgres`, `timeout -s KILL`) and the `operands` before the command (chroot's new
 * root, gosu's user).
 */
const WRAPPERS: ReadonlyMap<string, { takes: ReadonlySet<string>; operands: number }> = new Map(
  (
    [
      ['env', ['-u', '--unset', '-C', '--chdir'], 0],
      ['nice', ['-n', '--adjustment'], 0],
      ['nohup', [], 0],
      ['timeout', ['-s', '--signal', '-k', '--kill-after'], 0],
      ['stdbuf', ['-i', '-o', '-e'], 0],
      ['ionice', ['-c', '-n', '-p', '-P', '-u'], 0],
      ['chroot', ['--userspec', '--groups'], 1],
      ['exec', ['-a'], 0],
      ['command', [], 0],
      ['sudo', ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U', '--user', '--group', '--chdir'], 0],
      ['doas', ['-u', '-C'], 0],
      ['runuser', ['-u', '-g', '-G', '--user', '--group', '--supp-group'], 0],
      ['setpriv', [], 0],
      ['gosu', [], 1],
      ['su-exec', [], 1],
      ['busybox', [], 0],
      ['setsid', [], 0],
      ['xargs', ['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s'], 0],
      // cmd47b: runners session 46 did not list (each runs the command after its own options and operands).
      ['nsenter', ['-t', '--target', '-S', '--setuid', '-G', '--setgid'], 0],
      ['unshare', [], 0],
      ['taskset', [], 1],
      ['chrt', [], 1],
      ['flock', ['-w', '--timeout', '-E', '--conflict-exit-code'], 1],
      ['numactl', ['-N', '-m', '-C', '-p'], 0],
      ['prlimit', ['-p', '--pid'], 0],
      ['setarch', [], 1],
      ['strace', ['-o', '-e', '-p', '-s', '-u'], 0],
      ['ltrace', ['-o', '-e', '-p', '-s', '-u'], 0],
      ['time', ['-o', '-f'], 0],
      ['tini', [], 0],
      ['dumb-init', [], 0],
      ['catatonit', [], 0],
      ['s6-setuidgid', [], 1],
      ['chpst', ['-u', '-U', '-e', '-n', '-l', '-L'], 0],
    ] as const
  ).map(([name, takes, operands]) => [name, { takes: new Set<string>(takes), operands }]),
);
const WRAPPER_ARG = /^(-.*|[A-Za-z_][A-Za-z0-9_]*=.*|\d+[smhd]?)$/;

/** The index of the command a run of wrappers runs (argv.length when none is given). */
function commandStart(argv: readonly string[]): number {
  let i = 0;
  for (let w = WRAPPERS.get(program(argv[0] ?? '')); w !== undefined && i < argv.length; w = WRAPPERS.get(program(argv[i] ?? ''))) {
    i++;
    let operands = w.operands;
    while (i < argv.length) {
      const a = argv[i]!;
      if (a === '--') {
        i += 1 + operands;
        break;
      }
      if (w.takes.has(a)) i += 2;
      else if (WRAPPER_ARG.test(a)) i++;
      else if (operands > 0) {
        operands--;
        i++;
      } else break;
    }
  }
  return i;
}

/**
 * The absolute paths a file program's arguments reach: its operands, a relative one resolved against
 * the `-C` / `--directory` before it (kubectl cp since 1.34 sends `tar cf - -C <dir> -- <base>`,
 * before it `tar cf - <path>`), and where tar extracts (`x`, `--extract`: `tar xmf - -C <dir>`)
 * the directory it writes into. A relative path with no directory given is the image's working
 * directory, which the request does not say: it is not read.
 */
/** GNU tar's short options that take a value (`-f <archive>`, `-C <dir>`, `-T <list>`…). */
const TAR_VALUED: ReadonlySet<string> = new Set(['b', 'C', 'f', 'F', 'g', 'H', 'I', 'K', 'L', 'N', 'T', 'V', 'X']);

function pathsOf(prog: string, args: readonly string[]): string[] {
  const out: string[] = [];
  const dirs: string[] = [];
  let dir = '';
  let extract = false;
  let operandsOnly = false;
  const add = (p: string): void => {
    if (p.startsWith('/')) out.push(p);
    else if (dir !== '' && p !== '') out.push(`${dir}/${p}`);
  };
  const chdir = (d: string): void => {
    dir = d.startsWith('/') ? d : dir !== '' ? `${dir}/${d}` : '';
    if (dir !== '') dirs.push(dir);
  };
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (operandsOnly || a === '-' || !a.startsWith('-')) {
      // tar's traditional first word (`cf`, `xmf`, `Ccf <dir> -`): its letters are options, each
      // that takes a value taking the next word, in order.
      if (prog === 'tar' && k === 0 && !operandsOnly && /^[A-Za-z]+$/.test(a)) {
        extract = a.includes('x');
        for (const letter of a) {
          if (!TAR_VALUED.has(letter)) continue;
          const value = args[++k] ?? '';
          if (letter === 'C') chdir(value);
        }
        continue;
      }
      if (a !== '-') add(a);
      continue;
    }
    if (a === '--') operandsOnly = true;
    else if (a === '-C' || a === '--directory') chdir(args[++k] ?? '');
    else if (a.startsWith('--directory=')) chdir(a.slice(12));
    else if (a === '--extract' || a === '--get') extract = true;
    else if (a === '-f' || a === '--file') k++;
    else if (prog === 'tar' && /^-[A-Za-z]/.test(a) && !a.startsWith('--')) {
      // A bundle of short options (`-cf`, `-xmf`, `-cvf-`, `-C/var/lib/postgresql`): as getopt
      // reads it, the first letter that takes a value takes the rest of the word, else the next.
      for (let j = 1; j < a.length; j++) {
        const letter = a[j]!;
        if (letter === 'x') extract = true;
        if (!TAR_VALUED.has(letter)) continue;
        const value = j + 1 < a.length ? a.slice(j + 1) : (args[++k] ?? '');
        if (letter === 'C') chdir(value);
        break;
      }
    }
  }
  // Where an extraction writes, whichever order its options came in (`-C <dir> -x`).
  return extract ? [...out, ...dirs] : out;
}

/** What an exec moves through its streams: a database's contents, other files, or nothing it names. */
export type PodCopy = 'database' | 'files' | '';

/**
 * What an exec's query copies: `database` for a dump program, a dump option of a database's client
 * (`redis-cli --rdb`, `etcdctl snapshot`), or a file program reaching a database's data directory
 * (day 24's `tar cf - /var/lib/postgresql/data`); `files` for any other copy (`kubectl cp` of a
 * report out of /tmp); '' otherwise. Read directly, behind a wrapper, or in a shell's `-c` script,
 * whose words stand for the arguments (a `cd /var/lib/mysql && tar czf - .` reaches the directory).
 */
export function copyOf(query: string): PodCopy {
  const argv = commandOf(query);
  const i = commandStart(argv);
  if (i >= argv.length) return '';
  const first = program(argv[i]!);
  const args = argv.slice(i + 1);
  if (DUMP_PROGRAMS.has(first)) return 'database';
  const dumpWords = DUMP_WORDS.get(first);
  if (dumpWords !== undefined) return args.some((a) => dumpWords.test(a)) ? 'database' : '';
  if (FILE_PROGRAMS.has(first)) return pathsOf(first, args).some(reachesData) ? 'database' : 'files';
  if (!SHELLS.has(first)) return '';
  // `-c` alone or among other one-letter options (`sh -ec`, `bash -lc`): the script is the next argument.
  const c = argv.findIndex((a, k) => k > i && /^-[a-z]*c[a-z]*$/.test(a));
  if (c < 0 || c + 1 >= argv.length) return '';
  // The script's words, split where a shell splits commands and arguments, its quotes removed
  // as the shell removes them (`pg_d""ump`, `pg_d\ump` and `"$PGDATA"` are the words they spell);
  // split again at each expansion (`$NAME`, `${…}`), so that the literal text joined to one
  // (`pg_dump${IFS}ledger`, `${IFS}/var/lib/mysql`) is read as the word it becomes.
  const unquoted = argv[c + 1]!
    .split(/[\s;&|()`<>]+/)
    .map((w) => w.replace(/['"\\]/g, ''))
    .filter((w) => w !== '');
  // Each word also as its value when it is an assignment (`d=/var/lib/mysql; tar cf - $d`,
  // `P=pg_dump; $P …`), and with its expansions dropped, as an unset variable is
  // (`pg_d${x}ump`, `/var/lib/my${x}sql`).
  const values = unquoted.map((w) => w.replace(/^[A-Za-z_][A-Za-z0-9_]*=/, ''));
  const joined = values.filter((w) => w.includes('$')).map((w) => w.replace(/\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?!-])/g, ''));
  const words = [...values, ...joined].flatMap((w) => w.split('$').map((part, k) => (k === 0 ? part : part.replace(EXPANSION, '')))).filter((w) => w !== '');
  const programs = words.map(program);
  if (programs.some((w) => DUMP_PROGRAMS.has(w)) || words.some(globNamesDump)) return 'database';
  for (const [prog, opts] of DUMP_WORDS) if (programs.includes(prog) && words.some((w) => opts.test(w))) return 'database';
  if (!programs.some((w) => FILE_PROGRAMS.has(w))) return '';
  return words.some((w) => w.startsWith('/') && (reachesData(w) || globReachesData(w))) || unquoted.some(namesDataVariable) ? 'database' : 'files';
}
