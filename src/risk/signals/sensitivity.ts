import type { Signal } from './context.js';

/** Path sensitivity: what the matching rules say the request touches (secrets, exec, prod writes…). */
export const sensitivitySignal: Signal = (ctx, _cfg, out) => {
  if (ctx.sensitivity > 0) out.push({ code: 'path_sensitive', weight: ctx.sensitivity, detail: `matching rules weigh ${ctx.sensitivity}` });
};
