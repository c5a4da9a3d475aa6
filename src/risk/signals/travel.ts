import type { Signal } from './context.js';

/**
 * Impossible travel: the token is used at an operator-named site (`risk.locations`) the subject
 * never proved, farther from its last proven site than `impossible_travel.max_kmh` allows in the
 * time between. The engine works out the move (engine.ts); this only reports it.
 */
export const travelSignal: Signal = (ctx, cfg, out) => {
  const t = ctx.travel;
  const c = cfg.impossible_travel;
  if (t === undefined || c.weight === 0) return;
  out.push({
    code: 'impossible_travel',
    weight: c.weight,
    detail: `${t.to} ${t.minutes} min after ${t.from}: ${t.km} km, ${t.kmh} km/h (over ${c.max_kmh})`,
  });
};
