#!/usr/bin/env node
/**
 * The chain behind issue 17's GC cycle, reduced to one Map (bench/README.md, "Issue 17: the chain
 * behind the GC cycle"): a long-lived Map with one set and one delete per "request", 16 entries
 * live at a time, each value ~1.6 KB that dies when deleted, as Node's HTTP/2 session does with its
 * streams. Three phases of 200,000 requests; before the second, `mode`:
 *   none       nothing
 *   gc         one full collection (what a mark-compact under load does)
 *   gc-renew   one full collection, and the Map replaced by a copy every 1,000 requests (what
 *              src/server/grpc/session-streams.ts does every 100 ms)
 * and prints, per phase, the scavenges, the bytes they promoted and the mark-compacts.
 *
 *   node bench/map-chain.mjs            (runs the three modes, each in a child with --trace-gc-nvp)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const mode = process.argv[2];
if (mode === undefined) {
  for (const m of ['none', 'gc', 'gc-renew']) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--trace-gc-nvp', '--max-semi-space-size=32', fileURLToPath(import.meta.url), m], { encoding: 'utf8' });
    let scavenges = 0;
    let promoted = 0;
    let mcs = 0;
    const rows = [];
    for (const line of r.stdout.split('\n')) {
      // --trace-gc-nvp: name=value pairs (Node 20), or JSON (Node 24 and later).
      const kind = /\bgc=(\w+)|"gc":"(\w+)"/.exec(line)?.slice(1).find(Boolean);
      if (kind === 's') {
        scavenges++;
        promoted += Number(/\bpromoted=(\d+)|"promoted":(\d+)/.exec(line)?.slice(1).find(Boolean) ?? 0);
      } else if (kind === 'mc') mcs++;
      else if (line.startsWith('phase ')) {
        rows.push(`${line}: ${scavenges} scavenges promoted ${(promoted / 1048576).toFixed(1)} MiB, ${mcs} mark-compacts`);
        scavenges = promoted = mcs = 0;
      }
    }
    console.log(`${m}\n  ${rows.join('\n  ')}`);
  }
} else {
  let map = new Map();
  const live = [];
  let id = 0;
  const request = () => {
    map.set(id, { payload: new Array(200).fill(null), id });
    live.push(id);
    if (live.length > 16) map.delete(live.shift());
    id++;
    if (mode === 'gc-renew' && id % 1000 === 0) map = new Map(map);
  };
  for (let phase = 0; phase < 3; phase++) {
    if (phase === 1 && mode !== 'none') globalThis.gc();
    for (let i = 0; i < 200_000; i++) request();
    console.log(`phase ${phase}`);
  }
}
