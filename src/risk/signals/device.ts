import type { Signal } from './context.js';

/**
 * New device: a certificate or fingerprint never made known for this subject. A fingerprint is
 * weak evidence (a browser update changes it), so it weighs less. A user-agent family switching
 * in the middle of one session (chrome → curl with the same token) suggests the token moved.
 */
export const deviceSignal: Signal = (ctx, cfg, out) => {
  const d = ctx.device;
  const h = ctx.history;
  if (d.id !== '' && !h.deviceKnown) {
    // A certificate or a signed device cookie is a device; a fingerprint only resembles one.
    const w = d.strength === 'fingerprint' ? cfg.new_device_fingerprint : cfg.new_device;
    if (w > 0) out.push({ code: 'new_device', weight: w, detail: `${d.strength} device not seen for this subject (${h.knownDevices} known)` });
  }
  if (cfg.ua_family_change > 0 && d.uaFamily !== '' && h.previousUaFamily !== '' && h.previousUaFamily !== d.uaFamily) {
    out.push({ code: 'ua_family_change', weight: cfg.ua_family_change, detail: `client changed from ${h.previousUaFamily} to ${d.uaFamily} within the session` });
  }
};
