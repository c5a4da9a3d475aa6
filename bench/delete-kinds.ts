/**
 * What the replayed days delete, by kind, and what a per-identity "delete of a kind this identity
 * does not delete" signal would cost and catch (issue 12, day 6's slow deletes; docs/risk.md,
 * "Deletes of what holds a service"):
 *
 *   npx tsx bench/delete-kinds.ts [--days=1,2,3,4,5,6]
 *
 * Per day over its seeds: routine deletes by API group/resource and by namespace class (prod*,
 * other), and whether each delete attack's first delete is of a kind its subject deleted before.
 * The signal is simulated from the fixtures alone, not run through the engine: a subject's kinds
 * are those it deleted earlier (routine requests only; with the warm-up day, that day's too), and
 * a routine delete of a kind not yet among them counts as one challenge (the engineer signs in and
 * the kind is learned). "Quiet when empty" is the working set's rule (nothing learned yet: no
 * signal); "strict" fires on every first kind.
 */
import { kubeRequestInfo } from '../src/request/kube.js';
import { normalisePath } from '../src/request/path.js';
import { workday, type DayEvent } from '../test/support/workday.js';
import { workday2 } from '../test/support/workday2.js';
import { workday3 } from '../test/support/workday3.js';
import { workday4 } from '../test/support/workday4.js';
import { workday5 } from '../test/support/workday5.js';
import { workday6 } from '../test/support/workday6.js';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dayList = (flag('days') ?? '1,2,3,4,5,6').split(',');
const DAYS: [string, (seed: number) => DayEvent[], number[]][] = [
  ['1', workday, [12, 1, 2, 3, 4]],
  ['2', workday2, [12, 1, 2, 3, 4]],
  ['3', workday3, [5, 6, 7, 8, 9]],
  ['4', workday4, [21, 22, 23, 24, 25]],
  ['5', workday5, [31, 32, 33, 34, 35]],
  ['6', workday6, [41, 42, 43, 44, 45]],
];

function kindOf(e: DayEvent): { kind: string; ns: string } | undefined {
  if (e.host !== undefined) return undefined;
  const p = normalisePath(e.path);
  if (!p.ok) return undefined;
  const i = kubeRequestInfo(e.method, p.path, p.query, () => undefined);
  if (!i.isResourceRequest || (i.verb !== 'delete' && i.verb !== 'deletecollection')) return undefined;
  return { kind: `${i.apiGroup || 'core'}/${i.resource}${i.subresource ? `/${i.subresource}` : ''}`, ns: i.namespace };
}

for (const [day, build, seeds] of DAYS) {
  if (!dayList.includes(day)) continue;
  const byKind = new Map<string, { prod: number; other: number }>();
  const cost = { warmQuiet: 0, warmStrict: 0, coldQuiet: 0, coldStrict: 0 };
  const engineersAsked = { warmQuiet: new Set<string>(), warmStrict: new Set<string>(), coldQuiet: new Set<string>(), coldStrict: new Set<string>() };
  const attacks: string[] = [];
  for (const seed of seeds) {
    const events = build(seed).slice().sort((a, b) => a.at - b.at);
    const known = { warm: new Map<string, Set<string>>(), cold: new Map<string, Set<string>>() };
    const firstAttack = new Map<string, true>();
    for (const e of events) {
      const k = kindOf(e);
      if (!k) continue;
      const sub = e.login.sub;
      if (e.attack) {
        if (firstAttack.has(e.attack)) continue;
        firstAttack.set(e.attack, true);
        const w = known.warm.get(sub);
        const c = known.cold.get(sub);
        attacks.push(`seed ${seed} ${e.attack}${e.signsIn ? ' (insider)' : ''}: ${k.kind} in ${k.ns || '(cluster)'}; kinds known with warm-up [${[...(w ?? [])].join(' ')}], without [${[...(c ?? [])].join(' ')}]`);
        continue;
      }
      if (e.scored) {
        const b = byKind.get(k.kind) ?? { prod: 0, other: 0 };
        if (k.ns.startsWith('prod')) b.prod++;
        else b.other++;
        byKind.set(k.kind, b);
      }
      for (const mode of ['warm', 'cold'] as const) {
        if (mode === 'cold' && !e.scored) continue;
        const set = known[mode].get(sub) ?? new Set<string>();
        known[mode].set(sub, set);
        if (e.scored && !set.has(k.kind)) {
          const [strict, quiet] = mode === 'warm' ? (['warmStrict', 'warmQuiet'] as const) : (['coldStrict', 'coldQuiet'] as const);
          cost[strict]++;
          engineersAsked[strict].add(`${seed}:${sub}`);
          if (set.size > 0) {
            cost[quiet]++;
            engineersAsked[quiet].add(`${seed}:${sub}`);
          }
        }
        set.add(k.kind);
      }
    }
  }
  console.log(`day ${day} (seeds ${seeds.join(', ')}): routine deletes on the scored days`);
  for (const [kind, b] of [...byKind].sort()) console.log(`  ${kind}: ${b.prod} in prod*, ${b.other} elsewhere`);
  const n = (k: keyof typeof cost) => `${cost[k]} (${engineersAsked[k].size} engineer-days)`;
  console.log(`  "kind not deleted before" challenges on routine work: with warm-up, quiet when empty ${n('warmQuiet')}, strict ${n('warmStrict')}; without, quiet when empty ${n('coldQuiet')}, strict ${n('coldStrict')}`);
  for (const a of attacks) console.log(`  attack ${a}`);
}
