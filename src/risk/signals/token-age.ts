import type { Signal } from './context.js';

/** An old authentication is more likely to be a token that has travelled. Unknown age counts as old. */
export const tokenAgeSignal: Signal = (ctx, cfg, out) => {
  const t = cfg.token_age;
  if (t.weight === 0) return;
  const authTime = ctx.identity.authTime;
  if (authTime === undefined) {
    out.push({ code: 'token_age', weight: t.weight, detail: 'the token does not say when the user authenticated' });
    return;
  }
  const age = Math.floor(ctx.nowMs / 1000) - authTime;
  if (age > t.after_seconds) out.push({ code: 'token_age', weight: t.weight, detail: `authenticated ${age}s ago (over ${t.after_seconds}s)` });
};
