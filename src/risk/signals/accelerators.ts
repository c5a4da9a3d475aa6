import { ALL_DEVICES, CLAIM_TEMPLATE_PREFIX } from '../../core/accelerators.js';
import { historyText } from './behaviour.js';
import type { AcceleratorHistory, Signal, SignalContext } from './context.js';

/**
 * `accelerators_above_history` (docs/risk.md): a write whose pod templates ask for more of an
 * accelerator (`nvidia.com/gpu`, `google.com/tpu`, a MIG slice…) than `ratio` times the largest
 * this identity's allowed writes asked before, or for one it never asked, once its history is
 * `min_history_seconds` old (a first Job is what a new ML engineer does on their first day; until
 * then nothing is compared, only learnt). Day 43:
 * a malicious package in a data scientist's notebook, who never asked for a GPU, starts six 8-GPU
 * Jobs; the ML engineers ask one or two. Bound to a sign-in at most `grace_seconds` before the
 * request (context-bound.ts), which teaches the new largest (engine.ts acceleratorsToLearn).
 * A write's ask is summed with what the identity's allowed writes of the last `window_seconds`
 * asked (sixteen one-GPU Jobs in two minutes ask sixteen, review50): the comparison is per burst.
 */
export const acceleratorsSignal: Signal = (ctx, cfg, out) => {
  const a = ctx.accelerators;
  const c = cfg.accelerators_above_history;
  if (a === undefined || c.weight <= 0) return;
  const worst = aboveHistory(ctx, a.asked, a.before, c.ratio, c.min_history_seconds);
  if (worst === undefined) return;
  out.push({ code: 'accelerators_above_history', weight: c.weight, detail: acceleratorText(worst.name, worst.asked, worst.before, ctx, earlierPart(a, worst.name)) });
};

/** The accelerator furthest above the identity's history (never asked counts as furthest), or undefined. */
export function aboveHistory(
  ctx: Pick<SignalContext, 'nowMs' | 'work'>,
  asked: Readonly<Record<string, number>>,
  before: Readonly<Record<string, number>>,
  ratio: number,
  minHistorySeconds: number,
): { name: string; asked: number; before: number } | undefined {
  // An identity whose history is younger than the allowance asks unasked, whatever its counts: a
  // first day's first Job of 1 GPU is no measure of its second of 4 (day 14's students, cold:
  // 3 routine challenges and 2 engineer-days over when the ratio applied from the first Job). One
  // with no working-set history at all (a cluster-scoped write) has nothing to depart from.
  const mature = ctx.work !== undefined && ctx.work.historySince > 0 && ctx.nowMs - ctx.work.historySince >= minHistorySeconds * 1000;
  if (!mature) return undefined;
  let worst: { name: string; asked: number; before: number; score: number } | undefined;
  for (const name in asked) {
    const n = asked[name]!;
    const b = before[name] ?? 0;
    if (n <= 0) continue;
    if (b > 0 && n <= ratio * b) continue;
    const score = b > 0 ? n / b : Infinity;
    if (worst === undefined || score > worst.score || (score === worst.score && n > worst.asked)) worst = { name, asked: n, before: b, score };
  }
  return worst === undefined ? undefined : { name: worst.name, asked: worst.asked, before: worst.before };
}

/** What the identity's writes of the window asked of `name` beside this one's, and over how long; undefined none. */
export function earlierPart(a: AcceleratorHistory, name: string): { count: number; windowMs: number } | undefined {
  if (a.own === undefined || a.windowMs === undefined) return undefined;
  const count = (a.asked[name] ?? 0) - (a.own[name] ?? 0);
  return count > 0 ? { count, windowMs: a.windowMs } : undefined;
}

/**
 * "8 GPUs (nvidia.com/gpu), your largest before: 0 in 30 days of history"; with `earlier`, "16 GPUs
 * (nvidia.com/gpu), 15 of them by your writes of the last 10 minutes, your largest before: 1".
 */
export function acceleratorText(name: string, asked: number, before: number, ctx?: Pick<SignalContext, 'nowMs' | 'work'>, earlier?: { count: number; windowMs: number }): string {
  const tail = before === 0 && ctx?.work !== undefined && ctx.work.historySince > 0 ? ` in ${historyText(ctx.nowMs - ctx.work.historySince)} of history` : '';
  // A DRA request of `allocationMode: All` asks every matching device of a node (ALL_DEVICES).
  const count = (n: number) => (n >= ALL_DEVICES ? 'every' : String(n));
  const burst = earlier === undefined ? '' : `, ${count(earlier.count)} of them by your writes of the last ${windowText(earlier.windowMs)}`;
  return `${count(asked)} ${unitOf(name, asked >= ALL_DEVICES ? 1 : asked)} (${name})${burst}, your largest before: ${count(before)}${tail}`;
}

/** "10 minutes", "90 seconds", "2 hours". */
function windowText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120 || s % 60 !== 0) return `${s} seconds`;
  const m = s / 60;
  return m < 120 || m % 60 !== 0 ? `${m} minutes` : `${m / 60} hours`;
}

function unitOf(name: string, n: number): string {
  const s = name.slice(name.indexOf('/') + 1);
  const plural = n === 1 ? '' : 's';
  if (name.startsWith(CLAIM_TEMPLATE_PREFIX)) return `pod${plural} claiming from a template`;
  // A DRA DeviceClass (no `/`): `gpu.nvidia.com` is GPUs, another class its devices.
  if (!name.includes('/')) return name.startsWith('gpu.') ? `GPU${plural}` : name.startsWith('tpu.') ? `TPU${plural}` : `device${plural}`;
  if (s === 'gpu' || name.startsWith('gpu.')) return `GPU${plural}`;
  if (s === 'tpu') return `TPU${plural}`;
  if (s.startsWith('mig-')) return `MIG slice${n === 1 ? '' : 's'}`;
  if (s.startsWith('neuron')) return `Neuron device${plural}`;
  return `accelerator${plural}`;
}
