/**
 * What the token cache's key costs natively (verifier.ts cacheKey: SHA-256 of the raw token), next
 * to the alternatives perf32 weighed, in CPU ns per key from process.cpuUsage (a time: compare rows
 * of one run, never runs on a loaded machine). Under valgrind OpenSSL cannot use the SHA extensions
 * (valgrind does not offer them), so callgrind's `sha256_block_data_order_avx2` row overstates the
 * digest; `OPENSSL_ia32cap=":~0x20000000"` runs this file with the same code path natively.
 *
 *   node bench/token-key.mjs [token bytes, default 1100]
 */
import { hash } from 'node:crypto';

const len = Number(process.argv[2] ?? 1100);
const N = 200_000;
// 64 distinct tokens, as bytes as the decoder gets them; each case decodes a fresh string first,
// as every Check does, so a Map keyed by the token pays for hashing a new string.
const bytes = Array.from({ length: 64 }, (_, i) => Buffer.from(`${'x'.repeat(len)}${1000 + i}`.slice(-len), 'latin1'));
const flat = bytes.map((b) => b.toString('latin1'));
const byToken = new Map(flat.map((t) => [t, 1]));
const same = flat.map((t) => Buffer.from(t, 'latin1').toString('latin1'));

const cases = {
  'decode only (the baseline of the rows below)': (i) => bytes[i & 63].toString('latin1'),
  'sha256, base64url (the key today)': (i) => hash('sha256', bytes[i & 63].toString('latin1'), 'base64url'),
  'sha256, buffer output': (i) => hash('sha256', bytes[i & 63].toString('latin1'), 'buffer'),
  'sha256 of the bytes, no string': (i) => hash('sha256', bytes[i & 63], 'base64url'),
  'sha512-256, base64url': (i) => hash('sha512-256', bytes[i & 63].toString('latin1'), 'base64url'),
  'blake2b512, base64url': (i) => hash('blake2b512', bytes[i & 63].toString('latin1'), 'base64url'),
  'sha256 of the signature only (342 B, binds less)': (i) => hash('sha256', bytes[i & 63].toString('latin1').slice(-342), 'base64url'),
  'Map lookup by the raw token (V8 hashes it)': (i) => byToken.get(bytes[i & 63].toString('latin1')),
  'equality with the previous token (a per-connection memo)': (i) => bytes[i & 63].toString('latin1') === same[i & 63],
};

console.log(`${len}-byte tokens, ${N} keys per case, ns per key (CPU), third of three rounds`);
// Every answer is used, so no case's work can be left out by the compiler.
let used = 0;
for (let round = 0; round < 3; round++) {
  for (const [name, f] of Object.entries(cases)) {
    const before = process.cpuUsage();
    for (let i = 0; i < N; i++) used += f(i) ? 1 : 0;
    const cpu = process.cpuUsage(before);
    if (round === 2) console.log(`${(((cpu.user + cpu.system) * 1000) / N).toFixed(0).padStart(6)}  ${name}`);
  }
}
if (used === 0) console.log('no case answered');
