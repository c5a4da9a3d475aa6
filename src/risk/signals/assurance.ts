import type { DeviceStrength } from '../device.js';
import type { Signal, SignalContext } from './context.js';

/**
 * Assurance downgrade: a token below the strongest level this identity's allowed requests have
 * proven, on a new network from a device not proven by a certificate. A
 * helpdesk-reset caller enrols their own authenticator and signs in as the engineer, fresh and with
 * two factors, from their own machine and network: a sign-in after the change is what they can
 * make, the engineer's hardware key is not. Each part alone is routine: the engineer who forgot the
 * key signs in with a code on the usual laptop and network; a new laptop comes on a known network.
 * An identity that never proved more than its factor gives (an SMS-only contractor) has nothing to
 * fall from. Weighs nothing: what it changes is the level asked (context-bound.ts), not the band.
 *
 * A device known by its user-agent fingerprint alone is not proven here (since session 41): the
 * fingerprint of kubectl is its OS and architecture, a handful of values, and the caller who sends
 * `kubectl/v1.34.1 (darwin/arm64)` passed as the engineer's Mac. Its price, measured on the 31
 * replayed days (docs/risk.md, "Session 41"): no challenge added; the engineer whose phone was
 * replaced, on its tether with the usual laptop, is asked for the key they hold instead of a code;
 * the engineer without their key on a new network is asked for it, and works from a known one.
 */
export const assuranceSignal: Signal = (ctx, cfg, out) => {
  const s = ctx.strongest;
  if (!cfg.assurance_downgrade || s === undefined || s.rank <= ctx.identity.level) return;
  if (!newNetworkUnprovenDevice(ctx)) return;
  out.push({ code: 'assurance_downgrade', weight: 0, detail: `a sign-in at ${ctx.identity.levelName} where this identity has proven ${s.name}, from a network new to it and ${deviceWords(ctx)}` });
};

/**
 * The network is not proven for the subject, nor is the device by a certificate. A network is as good as proven when trusted, vouched for by a fresh proof of its
 * neighbour, a roaming site's, reached by a proven client certificate or carried by one inside
 * the wider network it proved in this login (engine.ts), as new_network treats it; a request with
 * no device evidence at all, a fingerprint or a device cookie only, has no proven device.
 */
export function newNetworkUnprovenDevice(ctx: SignalContext): boolean {
  const h = ctx.history;
  if (h.prefixKnown || ctx.trustedNetwork || ctx.nearbyVouched === true || (ctx.roamedIn ?? '') !== '' || ctx.certificateRoams === true || ctx.certificateNearby === true || ctx.certificateMoved === true || ctx.loginMoved === true) return false;
  return !deviceProvenAnywhere(h.deviceKnown, ctx.device.id, ctx.device.strength);
}

/**
 * A known device whose evidence cannot be carried to another network: a client certificate (its
 * key stays on the machine). A browser's device cookie is not one: it travels with the session an
 * infostealer takes, beside the exact user agent, so on a network never proven it is no more proof
 * than the agent is (redteam51); on a known network it still names the browser.
 */
export function deviceProvenAnywhere(known: boolean, id: string, strength: DeviceStrength): boolean {
  return known && id !== '' && strength === 'certificate';
}

/** The device in the words of the signal's detail: new, or known by its user agent only. */
function deviceWords(ctx: SignalContext): string {
  if (!ctx.history.deviceKnown || ctx.device.id === '') return 'a device new to it';
  return ctx.device.strength === 'cookie' ? 'a browser known only by its device cookie' : 'a device known only by its user agent';
}
