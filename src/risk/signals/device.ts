import { certifiedIn, platformOfEntry } from '../../state/session-clients.js';
import type { Signal, SignalContext } from './context.js';

/**
 * New device: a certificate, device cookie or fingerprint never made known for this subject. A
 * fingerprint is weak evidence (anyone can send the same user agent, and a major update changes
 * it), so it weighs less and never binds the requirement to the context on its own (engine.ts).
 *
 * Client change: a kind of client never proven for this subject (`interactive` covers kubectl-like
 * tools and browsers alike, so kubectl ↔ dashboard within one login is no signal). Known kinds are
 * learned only from allowed requests, so a refused request never makes its client familiar.
 *
 * Session on a new device: a device never proven, used from a network other than the one this
 * login was first used from, that first appeared after the login was already in use and more than
 * `grace_seconds` after its authentication. A new laptop comes with its own sign-in, so its first
 * sighting is its login's first use; its browser may share that login (the IdP session of the
 * sign-in kubectl opened there), but on the same network. A stolen cookie or token replayed from
 * another device carries a login older than the device, made elsewhere. This holds for a
 * fingerprint too, weak as it is: the timing and the place say the login travelled, not what the
 * client claims to be.
 */
export const deviceSignal: Signal = (ctx, cfg, out) => {
  const h = ctx.history;
  // A known device of a known client kind (nearly every Check): every contribution below needs
  // one or the other unknown, so none is looked at (perf49).
  if (h.deviceKnown && h.clientKnown) return;
  const d = ctx.device;
  if (d.id !== '' && !h.deviceKnown) {
    // A certificate or a signed device cookie is a device; a fingerprint only resembles one.
    const w = d.strength === 'fingerprint' ? cfg.new_device_fingerprint : cfg.new_device;
    const what = d.strength === 'session' ? 'step-up session without its device cookie, a device' : `${d.strength} device`;
    if (w > 0) out.push({ code: 'new_device', weight: w, detail: `${what} not seen for this subject (${h.knownDevices} known)` });
  }
  // A change needs a usual client to change from: a new subject, or automation that never proves
  // one, has none (first_seen and the rest speak for them).
  if (cfg.ua_family_change > 0 && ctx.client !== '' && !h.clientKnown && h.knownClients > 0) {
    const was = h.previousUaFamily !== '' && h.previousUaFamily !== d.uaFamily ? ` (this session used ${h.previousUaFamily})` : '';
    out.push({ code: 'ua_family_change', weight: cfg.ua_family_change, detail: `client ${d.uaFamily} never proven for this subject${was}` });
  }
  if (cfg.platform_change > 0) {
    const was = platformChange(ctx);
    if (was !== '') out.push({ code: 'platform_change', weight: cfg.platform_change, detail: `${d.uaFamily} on ${d.platform}, from a device not seen for this subject, in a sign-in used by ${d.uaFamily} on ${was}` });
  }
  if (cfg.certificate_missing > 0 && certificateMissing(ctx)) {
    out.push({ code: 'certificate_missing', weight: cfg.certificate_missing, detail: `${d.strength} device without a client certificate, not seen for this subject, in a sign-in used with one` });
  }
  const sd = cfg.session_new_device;
  if (sd.weight > 0 && sessionNewDevice(ctx, sd.grace_seconds)) {
    const min = Math.round((h.deviceSince - h.sessionStart) / 60_000);
    out.push({ code: 'session_new_device', weight: sd.weight, detail: `${d.strength} device first seen ${min} min after this sign-in was first used, on another network` });
  }
};

/**
 * The other platform this login was used on by the same kind of client ('' when none): a device
 * never proven, whose client names a platform, in a login whose earlier requests came from that
 * client family on another platform. kubectl on a Linux laptop and kubectl on Windows sharing one
 * login means the token or kubeconfig was copied; a new computer signs in on its own (a new login,
 * a new list). Other families on other platforms (kubectl on a Linux jump host, the browser on a
 * Mac) are the routine split of one person's work and say nothing.
 */
export function platformChange(ctx: SignalContext): string {
  const d = ctx.device;
  const list = ctx.history.sessionClients;
  if (d.platform === '' || d.id === '' || ctx.history.deviceKnown || list === '' || ctx.identity.automation === true) return '';
  const prefix = `${d.uaFamily}@`;
  for (const t of list.split(' ')) {
    if (!t.startsWith(prefix)) continue;
    const p = platformOfEntry(t.slice(prefix.length));
    if (p !== '' && p !== d.platform) return p;
  }
  return '';
}

/**
 * A device never proven, without a client certificate, in a login whose earlier requests came
 * with one (the session's list, CERT_MARK). A managed laptop presents its certificate on every
 * request the gateway asks it for, and a new laptop comes with its own sign-in (a new login, an
 * empty list); the login's token replayed from a machine without that certificate (an unmanaged
 * laptop on the same office network, a client-written x-forwarded-client-cert that stepgate does
 * not trust) is what remains. Any kind of client: an attacker picks the user agent. A device the
 * subject proved (a browser's device cookie, or a fingerprint learned on a sign-in) is not it.
 */
export function certificateMissing(ctx: SignalContext): boolean {
  const d = ctx.device;
  return d.strength !== 'certificate' && d.id !== '' && !ctx.history.deviceKnown && ctx.identity.automation !== true && certifiedIn(ctx.history.sessionClients);
}

/** A device never proven, on another network than this login's first use, first seen after that use and more than `graceSeconds` after its authentication. */
export function sessionNewDevice(ctx: SignalContext, graceSeconds: number): boolean {
  const h = ctx.history;
  const auth = ctx.identity.authTime;
  return (
    ctx.device.id !== '' &&
    !h.deviceKnown &&
    h.deviceSince > 0 &&
    h.sessionStart > 0 &&
    h.deviceSince > h.sessionStart &&
    h.sessionOrigin !== '' &&
    h.sessionOrigin !== ctx.address.prefix &&
    auth !== undefined &&
    auth * 1000 < h.deviceSince - graceSeconds * 1000 &&
    ctx.identity.automation !== true
  );
}
