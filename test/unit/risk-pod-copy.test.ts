import { describe, expect, it } from 'vitest';
import { copiesFiles } from '../../src/risk/pod-copy.js';

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
    expect(copiesFiles(q)).toBe(copies);
  });
});
