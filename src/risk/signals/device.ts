import type { Signal } from './context.js';

/**
 * New device: a certificate, device cookie or fingerprint never made known for this subject. A
 * fingerprint is weak evidence (anyone can send the same user agent, and a major update changes
 * it), so it weighs less and never binds the requirement to the context on its own (engine.ts).
 *
 * Client change: a kind of client never proven for this subject (`interactive` covers kubectl-like
 * tools and browsers alike, so kubectl ↔ dashboard within one login is no signal). Known kinds are
 * learned only from allowed requests, so a refused request never makes its client familiar.
 */
export const deviceSignal: Signal = (ctx, cfg, out) => {
  const d = ctx.device;
  const h = ctx.history;
  if (d.id !== '' && !h.deviceKnown) {
    // A certificate or a signed device cookie is a device; a fingerprint only resembles one.
    const w = d.strength === 'fingerprint' ? cfg.new_device_fingerprint : cfg.new_device;
    if (w > 0) out.push({ code: 'new_device', weight: w, detail: `${d.strength} device not seen for this subject (${h.knownDevices} known)` });
  }
  // A change needs a usual client to change from: a new subject, or automation that never proves
  // one, has none (first_seen and the rest speak for them).
  if (cfg.ua_family_change > 0 && ctx.client !== '' && !h.clientKnown && h.knownClients > 0) {
    const was = h.previousUaFamily !== '' && h.previousUaFamily !== d.uaFamily ? ` (this session used ${h.previousUaFamily})` : '';
    out.push({ code: 'ua_family_change', weight: cfg.ua_family_change, detail: `client ${d.uaFamily} never proven for this subject${was}` });
  }
};
