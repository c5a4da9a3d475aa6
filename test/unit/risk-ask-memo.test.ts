import { createRequire, syncBuiltinESMExports } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askId, objectDigest, type AskKind } from '../../src/risk/ask.js';
import { prng as rng } from '../support/workday.js';

/**
 * risk/ask.ts keeps the digests it computed lately (crypto40): a step-up the engine asks for is
 * asked again on every retry, and each computed the same two or three SHA-256s. The memo must
 * give every id the hash would (seeded sequences against the plain computation, inputs past the
 * memo's length bound and enough distinct ones to empty it included), and stay within its bounds:
 * an input over 384 characters is never kept, and no more than 1,024 inputs are. createHash is
 * counted (node:crypto's named exports rebound with syncBuiltinESMExports).
 */
const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
const sha = nodeCrypto.createHash;
let hashed = 0;

beforeAll(() => {
  (nodeCrypto as { createHash: unknown }).createHash = (...a: Parameters<typeof sha>) => {
    hashed++;
    return sha(...a);
  };
  syncBuiltinESMExports();
});

afterAll(() => {
  (nodeCrypto as { createHash: unknown }).createHash = sha;
  syncBuiltinESMExports();
});

/** ask.ts' ids as they were computed before the memo: a hash on every call. */
const plain = (parts: string, n: number) => sha('sha256').update(parts, 'utf8').digest('base64url').slice(0, n);
const plainObject = (object: string) => plain(`stepgate ask object v1\0${object}`, 8);
const plainAsk = (subject: string, bound: number, kind: AskKind, object: string) =>
  `${bound.toString(36)}${kind}${plain(`stepgate ask v1\0${subject}\0${bound}\0${kind}`, 12)}${kind === 'o' ? plainObject(object) : ''}`;

describe('ask ids with the digest memo: the same ids as hashing every time', () => {
  for (let seed = 1; seed <= 6; seed++) {
    it(`seed ${seed}: 4,000 ids of repeated, long, non-Latin-1 and ever new inputs`, () => {
      const r = rng(seed);
      // Two issuers' alice and two namespaces' long-named Secret: inputs that differ only well
      // before their end, as a memo keyed by less than the whole input would confuse.
      const subjects = ['https://idp.example.com\nalice', 'https://sso.example.com\nalice', 'https://idp.example.com\nbob', `https://idp.example.com\n${'l'.repeat(400)}`, 'https://idp.example.com\nzoë', 'https://idp.example.com\n\u4e2d\u6587'];
      const objects = ['secrets/prod/db', 'secrets/dev/regcred', '', `configmaps/${'x'.repeat(390)}`, `secrets/prod/${'n'.repeat(40)}`, `secrets/dev/${'n'.repeat(40)}`];
      for (let step = 0; step < 4000; step++) {
        // One in five inputs never seen before: the memo fills and is emptied along the way.
        const fresh = r() < 0.2;
        const subject = fresh ? `https://idp.example.com\nuser${seed}-${step}` : subjects[Math.floor(r() * subjects.length)]!;
        const bound = 1_765_000_000 + Math.floor(r() * (fresh ? 1e6 : 4));
        const kind: AskKind = r() < 0.5 ? 'r' : 'o';
        const object = objects[Math.floor(r() * objects.length)]!;
        expect(askId(subject, bound, kind, object)).toBe(plainAsk(subject, bound, kind, object));
        expect(objectDigest(object)).toBe(plainObject(object));
      }
    });
  }
});

describe('the digest memo: its bounds', () => {
  it('hashes an input once while kept, an input over 384 characters every time', () => {
    const t = 1_765_100_000;
    hashed = 0;
    askId('https://idp.example.com\nmemo-a', t, 'r', '');
    askId('https://idp.example.com\nmemo-a', t, 'r', '');
    expect(hashed).toBe(1);
    const long = `https://idp.example.com\n${'m'.repeat(380)}`;
    hashed = 0;
    askId(long, t, 'r', '');
    askId(long, t, 'r', '');
    expect(hashed).toBe(2);
  });

  it('keeps at most 1,024 inputs', () => {
    const t = 1_765_200_000;
    // Emptied once full: after 1,024 more, the first is hashed again, the last still kept.
    for (let i = 0; i < 1025; i++) objectDigest(`bound-${i}`);
    hashed = 0;
    objectDigest('bound-1024');
    expect(hashed).toBe(0);
    objectDigest('bound-0');
    expect(hashed).toBe(1);
    expect(askId('https://idp.example.com\nmemo-b', t, 'o', 'bound-1024')).toBe(plainAsk('https://idp.example.com\nmemo-b', t, 'o', 'bound-1024'));
  });
});
