import { describe, expect, it } from 'vitest';
import { copyOf, type PodCopy } from '../../src/risk/pod-copy.js';

/** Which execs carry files or a database through their streams (`unfamiliar_kind`'s `pod_copy`). */
describe('copiesFiles', () => {
  it.each<[string, boolean]>([
    // kubectl cp, both directions, as kubectl 1.32 sends them.
    ['command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata&container=postgres&stdout=true', true],
    ['command=tar&command=cf&command=-&command=-C&command=%2Foutputs&command=.&container=x&stderr=true&stdout=true', true],
    ['command=tar&command=-xmf&command=-&command=-C&command=%2Ftmp&stdin=true', true],
    ['container=db&command=%2Fbin%2Ftar&command=czf&command=-&command=%2Fdata', true],
    ['command=busybox&command=tar&command=cf&command=-&command=%2Fdata', true],
    ['command=pg_dump&command=-U&command=app&command=orders', true],
    ['command=mysqldump&command=--all-databases', true],
    ['command=mongodump&command=--archive', true],
    // The same through a shell's script.
    ['command=sh&command=-c&command=tar+cf+-+%2Fvar%2Flib%2Fpostgresql%2Fdata', true],
    ['command=bash&command=-c&command=cd+%2Fdata%3B+tar+czf+-+.', true],
    ['command=sh&command=-c&command=PGPASSWORD%3D%24P+pg_dumpall%7Cgzip', true],
    // Behind a wrapper, and a shell's -c among its other options.
    ['command=env&command=LANG%3DC&command=tar&command=cf&command=-&command=%2Fdata', true],
    ['command=timeout&command=600&command=pg_dump&command=orders', true],
    ['command=nice&command=-n&command=19&command=ionice&command=-c3&command=tar&command=cf&command=-&command=%2Fdata', true],
    ['command=%2Fbin%2Fsh&command=-ec&command=tar+cf+-+%2Fdata', true],
    ['command=bash&command=-lc&command=mysqldump+shop', true],
    ['command=env&command=sh&command=-c&command=rsync+-a+%2Fdata+x%3A', true],
    ['command=env&command=LANG%3DC&command=bash', false],
    ['command=timeout&command=30&command=psql&command=-c&command=select+1', false],
    // Shells, clients and a word that only contains a program's name.
    ['', false],
    ['command=sh&stdin=true&tty=true', false],
    ['command=bash&command=-il&stdin=true&tty=true', false],
    ['command=sh&command=-c&command=env', false],
    ['command=sh&command=-c&command=cat+%2Fetc%2Fstartar.conf', false],
    ['command=psql&command=-U&command=analyst', false],
    ['command=redis-cli&command=info', false],
    ['command=ls&command=tar', false],
    ['command=sh&command=-c', false],
    // A malformed escape is no command to read.
    ['command=ta%ZZr&command=cf', false],
  ])('%s: %s', (q, copies) => {
    expect(copyOf(q) !== '').toBe(copies);
  });
});

/** Which of those copies carry a database (`unfamiliar_kind`'s `database_copy`) rather than files. */
describe('copyOf', () => {
  it.each<[string, PodCopy]>([
    // Dump programs, directly, behind a wrapper and in a script.
    ['command=pg_dump&command=-Fc&command=-f&command=%2Ftmp%2Fledger.dump&command=ledger', 'database'],
    ['command=pg_dumpall', 'database'],
    ['command=%2Fusr%2Fbin%2Fpg_basebackup&command=-D&command=-&command=-Ft', 'database'],
    ['command=mariadb-dump&command=shop', 'database'],
    ['command=mongoexport&command=--collection%3Dusers', 'database'],
    ['command=timeout&command=600&command=mysqldump&command=--all-databases', 'database'],
    ['command=sh&command=-c&command=PGPASSWORD%3D%24P+pg_dumpall%7Cgzip', 'database'],
    // A database client told to dump; its other uses are no copy at all.
    ['command=redis-cli&command=--rdb&command=-', 'database'],
    ['command=redis-cli&command=-h&command=cache&command=--rdb%3D%2Ftmp%2Fd.rdb', 'database'],
    ['command=sh&command=-c&command=redis-cli+--rdb+%2Ftmp%2Fdump.rdb+%26%26+cat+%2Ftmp%2Fdump.rdb', 'database'],
    ['command=etcdctl&command=snapshot&command=save&command=%2Ftmp%2Fe.db', 'database'],
    ['command=redis-cli&command=-h&command=cache&command=info', ''],
    ['command=redis-cli&command=FLUSHALL', ''],
    ['command=etcdctl&command=endpoint&command=health', ''],
    // kubectl cp out of a data directory: `tar cf - <path>` (to 1.33), `tar cf - -C <dir> -- <base>` (1.34 on).
    ['command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata&container=postgres', 'database'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fvar%2Flib%2Fpostgresql&command=--&command=data', 'database'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fvar%2Flib&command=--&command=mysql', 'database'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fbitnami%2Fmongodb&command=.', 'database'],
    ['command=tar&command=czf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2F..%2Fmysql%2Fibdata1', 'database'],
    ['command=tar&command=cf&command=-&command=%2F', 'database'],
    ['command=tar&command=cf&command=-&command=-C&command=%2F&command=--&command=var', 'database'],
    ['command=rsync&command=-a&command=%2Fvar%2Flib%2Fetcd%2F&command=%2Fmnt', 'database'],
    ['command=sh&command=-c&command=cd+%2Fvar%2Flib%2Fmysql+%26%26+tar+czf+-+.', 'database'],
    // Extracting into a data directory writes the database's files.
    ['command=tar&command=xmf&command=-&command=-C&command=%2Fvar%2Flib%2Fpostgresql%2Fdata', 'database'],
    ['command=tar&command=-xmf&command=-&command=--directory%3D%2Fdata%2Fdb', 'database'],
    ['command=tar&command=-C&command=%2Fvar%2Flib%2Fmysql&command=-x&command=-f&command=-', 'database'],
    ['command=tar&command=--create&command=--file%3D-&command=%2Fvar%2Flib%2Fmysql', 'database'],
    ['command=tar&command=-c&command=-f&command=-&command=%2F%2Fvar%2F%2Flib%2F.%2Fpostgresql%2Fdata', 'database'],
    // review46: spellings copyOf misread before (each was '' or 'files').
    // tar's -C joined to its directory, and the traditional first word's valued letters in order.
    ['command=tar&command=cf&command=-&command=-C%2Fvar%2Flib%2Fpostgresql&command=data', 'database'],
    ['command=tar&command=-cf-&command=-C%2Fvar%2Flib%2Fpostgresql%2Fdata&command=.', 'database'],
    ['command=tar&command=Ccf&command=%2Fvar%2Flib%2Fpostgresql&command=-&command=data', 'database'],
    ['command=tar&command=-xC%2Fvar%2Flib%2Fmysql&command=-f&command=-', 'database'],
    // Wrappers whose options take a word, and those with an operand before the command.
    ['command=timeout&command=-s&command=KILL&command=600&command=pg_dump&command=orders', 'database'],
    ['command=sudo&command=-u&command=postgres&command=pg_dump&command=orders', 'database'],
    ['command=env&command=-u&command=HISTFILE&command=pg_dump&command=orders', 'database'],
    ['command=gosu&command=postgres&command=pg_dump&command=orders', 'database'],
    ['command=su-exec&command=postgres&command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata', 'database'],
    ['command=runuser&command=-u&command=postgres&command=--&command=pg_dumpall', 'database'],
    ['command=chroot&command=%2Fhost&command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fetcd', 'database'],
    // Day 40: in a node-debug pod the node's root is at /host; a copy under it is the node's
    // (etcd's data and snapshots on a control-plane node; was 'files').
    ['command=tar&command=cf&command=-&command=-C&command=%2Fhost%2Fvar%2Flib%2Fetcd%2Fsnapshots&command=post-1.35.db', 'database'],
    ['command=tar&command=cf&command=-&command=%2Fhost%2Fvar%2Flib%2Fetcd%2Fmember', 'database'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fhost&command=--&command=var', 'database'],
    ['command=sh&command=-c&command=cd+%2Fhost%2Fvar%2Flib%2Fetcd+%26%26+tar+cf+-+.', 'database'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fhost%2Fvar%2Flog&command=kubelet.log', 'files'],
    ['command=tar&command=cf&command=-&command=%2Fhostdata%2Fvar%2Flib%2Fetcd', 'files'],
    ['command=su&command=postgres&command=-c&command=pg_dump+orders', 'database'],
    // A script's quotes removed as the shell removes them, and postgres' PGDATA.
    ['command=sh&command=-c&command=pg_d%22%22ump+orders', 'database'],
    ['command=sh&command=-c&command=pg_d%5Cump+orders', 'database'],
    ['command=sh&command=-c&command=tar+cf+-+%24PGDATA', 'database'],
    // Words joined to an expansion: the first held by session 46's split at `$` (red against this
    // review's first cut, ab392211), the second a path after one (was 'files').
    ['command=sh&command=-c&command=pg_dump%24%7BIFS%7Dledger', 'database'],
    ['command=sh&command=-c&command=tar%24%7BIFS%7Dcf%24%7BIFS%7D-%24%7BIFS%7D%2Fvar%2Flib%2Fmysql', 'database'],
    ['command=sh&command=-c&command=cd+%22%24%7BPGDATA%7D%2Fbase%22+%26%26+tar+cf+-+.', 'database'],
    // sqlite3's dot-commands that write the whole database.
    ['command=sqlite3&command=%2Fapp%2Fdata%2Fapp.db&command=.dump', 'database'],
    ['command=sqlite3&command=%2Fapp%2Fdata%2Fapp.db&command=.backup+%2Ftmp%2Fa.db', 'database'],
    ['command=sqlite3&command=%2Fapp%2Fdata%2Fapp.db&command=SELECT+count(*)+FROM+users', ''],
    ['command=sudo&command=-u&command=postgres&command=psql&command=-AXtc&command=SELECT+1', ''],
    ['command=timeout&command=-s&command=KILL&command=60&command=tar&command=cf&command=-&command=%2Ftmp%2Freport.csv', 'files'],
    ['command=sh&command=-c&command=tar+cf+-+%24PGDATA_EXPORT', 'files'],
    // cmd47b: spellings and tools session 46's list missed (each was '' or 'files').
    // absolute path of a versioned pg_dump
    ['command=%2Fusr%2Flib%2Fpostgresql%2F16%2Fbin%2Fpg_dump&command=-Fc&command=ledger', 'database'],
    // pg_dumpall behind nsenter
    ['command=nsenter&command=-t&command=1&command=-m&command=--&command=pg_dumpall', 'database'],
    // pg_basebackup behind taskset
    ['command=taskset&command=-c&command=0-3&command=pg_basebackup&command=-D&command=-&command=-Ft', 'database'],
    // mariadb-dump in ksh
    ['command=ksh&command=-c&command=mariadb-dump%20--all-databases', 'database'],
    // mongoexport behind flock
    ['command=flock&command=%2Ftmp%2Fl&command=mongoexport&command=--collection%3Dusers', 'database'],
    // mydumper
    ['command=mydumper&command=-o&command=%2Ftmp%2Fd', 'database'],
    // pg_receivewal
    ['command=pg_receivewal&command=-D&command=%2Ftmp%2Fwal', 'database'],
    // mysqlsh util.dumpInstance
    ['command=mysqlsh&command=--js&command=-e&command=util.dumpInstance%28%27%2Ftmp%2Fd%27%29', 'database'],
    // mysqlsh util dump-instance
    ['command=mysqlsh&command=--&command=util&command=dump-instance&command=%2Ftmp%2Fd', 'database'],
    // vault operator raft snapshot save
    ['command=vault&command=operator&command=raft&command=snapshot&command=save&command=%2Ftmp%2Fv.snap', 'database'],
    // consul snapshot save in sh
    ['command=sh&command=-c&command=consul%20snapshot%20save%20%2Ftmp%2Fc.snap%20%26%26%20cat%20%2Ftmp%2Fc.snap', 'database'],
    // etcdctl with flags before snapshot
    ['command=etcdctl&command=--endpoints%3Dhttps%3A%2F%2F127.0.0.1%3A2379&command=--cacert%3D%2Fetc%2Fkubernetes%2Fpki%2Fetcd%2Fca.crt&command=snapshot&command=save&command=%2Ftmp%2Fe.db', 'database'],
    // ETCDCTL_API=3 etcdctl in sh
    ['command=sh&command=-c&command=ETCDCTL_API%3D3%20etcdctl%20snapshot%20save%20%2Ftmp%2Fe.db', 'database'],
    // etcdutl backup
    ['command=etcdutl&command=backup&command=--data-dir&command=%2Fvar%2Flib%2Fetcd&command=--backup-dir&command=%2Ftmp%2Fb', 'database'],
    // pgbackrest backup
    ['command=pgbackrest&command=--stanza%3Dmain&command=backup', 'database'],
    // wal-g backup-push
    ['command=wal-g&command=backup-push&command=%2Fvar%2Flib%2Fpostgresql%2Fdata', 'database'],
    // clickhouse-backup create
    ['command=clickhouse-backup&command=create&command=b1', 'database'],
    // influx backup
    ['command=influx&command=backup&command=%2Ftmp%2Fb', 'database'],
    // neo4j-admin database dump
    ['command=neo4j-admin&command=database&command=dump&command=neo4j&command=--to-path%3D%2Ftmp', 'database'],
    // nodetool snapshot
    ['command=nodetool&command=snapshot&command=-t&command=x', 'database'],
    // sqlite3 .save
    ['command=sqlite3&command=%2Fapp%2Fdata%2Fapp.db&command=.save%20%2Ftmp%2Fa.db', 'database'],
    // a glob naming pg_dump
    ['command=sh&command=-c&command=%2Fusr%2Flib%2Fpostgresql%2F%2A%2Fbin%2Fpg_du%3Fp%20ledger', 'database'],
    // a glob naming the data directory
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Fvar%2Flib%2Fpostgre%2A%2Fdata', 'database'],
    // a glob naming a parent
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Fv%3Fr%2Fl%2Ab', 'database'],
    // an assignment's value
    ['command=sh&command=-c&command=d%3D%2Fvar%2Flib%2Fmysql%3B%20tar%20czf%20-%20%24d', 'database'],
    // a program in a variable
    ['command=sh&command=-c&command=P%3Dpg_dump%3B%20%24P%20ledger', 'database'],
    // an unset variable inside the name
    ['command=sh&command=-c&command=pg_d%24%7Bx%7Dump%20ledger', 'database'],
    // an unset variable inside the path
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Fvar%2Flib%2Fmy%24%7Bx%7Dsql', 'database'],
    // kubectl cp of redis's dump.rdb (1.34)
    ['command=tar&command=cf&command=-&command=-C&command=%2Fdata&command=--&command=dump.rdb', 'database'],
    // redis BGSAVE then the file in one script
    ['command=sh&command=-c&command=redis-cli%20BGSAVE%20%26%26%20sleep%205%20%26%26%20tar%20cf%20-%20%2Fdata%2Fdump.rdb', 'database'],
    // an append-only directory
    ['command=tar&command=cf&command=-&command=%2Fdata%2Fappendonlydir', 'database'],
    // an sqlite file
    ['command=tar&command=cf&command=-&command=%2Fapp%2Fdata%2Fapp.sqlite3', 'database'],
    // CockroachDB's data directory
    ['command=tar&command=cf&command=-&command=%2Fcockroach%2Fcockroach-data', 'database'],
    // Bitnami etcd
    ['command=tar&command=cf&command=-&command=-C&command=%2Fbitnami%2Fetcd&command=--&command=data', 'database'],
    // Vault's raft data
    ['command=tar&command=cf&command=-&command=%2Fvault%2Fdata', 'database'],
    // InfluxDB 2
    ['command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Finfluxdb2', 'database'],
    // script -qc
    ['command=script&command=-qc&command=pg_dump%20ledger&command=%2Fdev%2Fnull', 'database'],
    // A glob's class, and a `[` no `]` closes (a plain character, never a thrown pattern).
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Fvar%2Flib%2F%5Bmp%5D%5Byo%5Dsql', 'database'],
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Fvar%2Flib%2F%5B%21x%5Dostgresql%2Fdata', 'database'],
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Ftmp%2F%5Babc%2A%20%2Ftmp%2Fa%5Db%3F', 'files'],
    ['command=sh&command=-c&command=pg_dum%5B', ''],
    // cmd47b: still not a database's copy (docs/risk.md, by choice), and routine words of the new tools.
    // clickhouse-client INTO OUTFILE (SQL through a client, by choice)
    ['command=clickhouse-client&command=--query&command=SELECT%20%2A%20FROM%20events%20INTO%20OUTFILE%20%27%2Ftmp%2Fe.csv%27', ''],
    // cockroach dump (gone since 21.2, by choice)
    ['command=cockroach&command=dump&command=bank', ''],
    // redis-cli BGSAVE alone (the file stays in the pod)
    ['command=redis-cli&command=BGSAVE', ''],
    // vault status
    ['command=vault&command=status', ''],
    // nodetool status
    ['command=nodetool&command=status', ''],
    // influx query
    ['command=influx&command=query&command=from%28bucket%3A%22b%22%29', ''],
    // a glob of reports
    ['command=sh&command=-c&command=tar%20cf%20-%20%2Ftmp%2Freport-%2A.csv', 'files'],
    // an assignment of another path
    ['command=sh&command=-c&command=d%3D%2Ftmp%2Fout%3B%20tar%20cf%20-%20%24d', 'files'],
    // a file named like a backup that is no database's
    ['command=tar&command=cf&command=-&command=%2Ftmp%2Fapp.db.bak', 'files'],
    // Files: reports, profiles and volumes that are not a database's.
    ['command=tar&command=cf&command=-&command=%2Ftmp%2Fq1-recon-ledger-1.csv&container=postgres', 'files'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Ftmp&command=--&command=ledger.dump', 'files'],
    ['command=tar&command=xmf&command=-&command=-C&command=%2Ftmp&stdin=true', 'files'],
    ['command=tar&command=cf&command=-&command=%2Fdata', 'files'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fvar%2Flog&command=.', 'files'],
    ['command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql-exporter', 'files'],
    ['command=tar&command=cf&command=-&command=-C&command=%2Fvar&command=--&command=log', 'files'],
    ['command=tar&command=cf&command=-&command=data', 'files'],
    ['command=tar&command=-c&command=-f&command=-&command=-C&command=%2Fvar%2Flib%2Fmysql&command=..%2F..%2Flog', 'files'],
    ['command=sh&command=-c&command=cd+%2Ftmp+%26%26+tar+czf+-+.', 'files'],
    // No copy: shells and clients.
    ['command=psql&command=-U&command=analyst', ''],
    ['command=sh&stdin=true&tty=true', ''],
    ['command=sh&command=-c&command=ls+%2Fvar%2Flib%2Fpostgresql%2Fdata', ''],
  ])('%s: %s', (q, copy) => {
    expect(copyOf(q)).toBe(copy);
  });
});
