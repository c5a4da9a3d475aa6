import type { Signal, SignalContext } from './context.js';

/**
 * Assurance downgrade: a token below the strongest level this identity's allowed requests have
 * proven, on a network and a device both new to it. A helpdesk-reset caller enrols their own
 * authenticator and signs in as the engineer, fresh and with two factors, from their own machine
 * and network: a sign-in after the change is what they can make, the engineer's hardware key is
 * not. Each part alone is routine: the engineer who forgot the key signs in with a code on the
 * usual laptop and network; a replaced phone's tether is a new network under the usual laptop; a
 * new laptop comes on a known network. An identity that never proved more than its factor gives
 * (an SMS-only contractor) has nothing to fall from. Weighs nothing: what it changes is the level
 * asked (context-bound.ts), not the band.
 */
export const assuranceSignal: Signal = (ctx, cfg, out) => {
  const s = ctx.strongest;
  if (!cfg.assurance_downgrade || s === undefined || s.rank <= ctx.identity.level) return;
  if (!newNetworkAndDevice(ctx)) return;
  out.push({ code: 'assurance_downgrade', weight: 0, detail: `a sign-in at ${ctx.identity.levelName} where this identity has proven ${s.name}, from a network and a device both new to it` });
};

/**
 * Neither the network nor the device is proven for the subject. A network is as good as proven
 * when trusted, vouched for by a fresh proof of its neighbour, a roaming site's or reached by a
 * proven client certificate (engine.ts), as new_network treats it; a request with no device
 * evidence at all has no proven device.
 */
export function newNetworkAndDevice(ctx: SignalContext): boolean {
  const h = ctx.history;
  if (h.prefixKnown || ctx.trustedNetwork || ctx.nearbyVouched === true || (ctx.roamedIn ?? '') !== '' || ctx.certificateRoams === true) return false;
  return !h.deviceKnown || ctx.device.id === '';
}
