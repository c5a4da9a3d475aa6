import { describe, expect, it } from 'vitest';
import { copiesFiles } from '../../src/risk/pod-copy.js';

/** Which execs carry files or a database through their streams (`unfamiliar_kind`'s `pod_copy`). */
describe('copiesFiles', () => {
  it.each([
    // kubectl cp, both directions, as kubectl 1.32 sends them.
    'command=tar&command=cf&command=-&command=%2Fvar%2Flib%2Fpostgresql%2Fdata&container=postgres&stdout=true',
    'command=tar&command=cf&command=-&command=-C&command=%2Foutputs&command=.&container=x&stderr=true&stdout=true',
    'command=tar&command=-xmf&command=-&command=-C&command=%2Ftmp&stdin=true',
    'container=db&command=%2Fbin%2Ftar&command=czf&command=-&command=%2Fdata',
    'command=busybox&command=tar&command=cf&command=-&command=%2Fdata',
    'command=pg_dump&command=-U&command=app&command=orders',
    'command=mysqldump&command=--all-databases',
    'command=mongodump&command=--archive',
    // The same through a shell's script.
    'command=sh&command=-c&command=tar+cf+-+%2Fvar%2Flib%2Fpostgresql%2Fdata',
    'command=bash&command=-c&command=cd+%2Fdata%3B+tar+czf+-+.',
    'command=sh&command=-c&command=PGPASSWORD%3D%24P+pg_dumpall%7Cgzip',
  ])('%s copies', (q) => {
    expect(copiesFiles(q)).toBe(true);
  });

  it.each([
    '',
    'command=sh&stdin=true&tty=true',
    'command=bash&command=-il&stdin=true&tty=true',
    'command=sh&command=-c&command=env',
    'command=sh&command=-c&command=cat+%2Fetc%2Fstartar.conf',
    'command=psql&command=-U&command=analyst',
    'command=redis-cli&command=info',
    'command=ls&command=tar',
    'command=sh&command=-c',
    // A malformed escape is no command to read.
    'command=ta%ZZr&command=cf',
  ])('%s does not', (q) => {
    expect(copiesFiles(q)).toBe(false);
  });
});
