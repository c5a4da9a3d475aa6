import { NO_ADDRESS_NETWORK } from '../../request/client-ip.js';
import type { Signal } from './context.js';

/**
 * New IP: an address never made known for this subject. Within a known network (same /24 or
 * /56 by default) it is a DHCP lease or a phone hotspot away; a network never seen weighs more.
 * Inside the operator's trusted networks the address says little, so it lowers the score instead.
 * A new network inside the wider network of a proven one (`risk.nearby_networks`) weighs like a
 * new address and does not bind the requirement: phones behind carrier NAT and rotated IPv6
 * delegations move there all day.
 *
 * A request without a readable client address is in a network of its own (NO_ADDRESS_NETWORK):
 * new until a sign-in after its first sighting proves it, like any network, and said as such
 * rather than as an empty address. It has no address to be new within it, and no neighbours.
 */
export const networkSignal: Signal = (ctx, cfg, out) => {
  const a = ctx.address;
  if (a.prefix === NO_ADDRESS_NETWORK) {
    if (ctx.history.prefixKnown) return;
    if (ctx.certificateRoams === true) {
      if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: 'no client address, from a client certificate this subject proved' });
    } else if (cfg.new_network > 0) out.push({ code: 'new_network', weight: cfg.new_network, detail: 'no client address, never seen for this subject' });
    return;
  }
  if (ctx.trustedNetwork) {
    if (cfg.trusted_network !== 0) out.push({ code: 'trusted_network', weight: cfg.trusted_network, detail: `${a.ip} is in a trusted network` });
    return;
  }
  const h = ctx.history;
  if (h.ipKnown) return;
  if (h.prefixKnown) {
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new address ${a.ip} in known network ${a.prefix}` });
  } else if (ctx.work?.nearbyKnown === true) {
    // A carrier's NAT pool or a rotated IPv6 delegation: a new network, but next to a proven one.
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix} next to a known one` });
  } else if (ctx.nearbyVouched === true) {
    // The sign-in this token carries has just proven a neighbouring network (engine.ts vouched).
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix} next to one this sign-in proved minutes ago` });
  } else if (ctx.roamedIn !== undefined && ctx.roamedIn !== '') {
    // Another network of a site whose networks the subject moves between (engine.ts roamed).
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix} of site ${ctx.roamedIn}, after a pause at another of its networks` });
  } else if (ctx.certificateRoams === true) {
    // The subject's own certificate, in a login used with it: the laptop moved (engine.ts certificateRoams).
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix}, from a client certificate this subject proved` });
  } else if (ctx.certificateNearby === true) {
    // The train's or the tether's carrier NAT moved the laptop to the next /24 (engine.ts carriedBy).
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix}, next to one this client certificate proved in this sign-in` });
  } else if (ctx.certificateMoved === true) {
    // The laptop left the network its certificate and login proved, and arrived here after a pause (engine.ts movedWith).
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix}, reached after a pause by a client certificate that proved another network in this sign-in` });
  } else if (ctx.loginMoved === true) {
    // The login left the network its own sign-in proved, and arrived here after a pause (engine.ts movedWith).
    if (cfg.new_ip > 0) out.push({ code: 'new_ip', weight: cfg.new_ip, detail: `new network ${a.prefix}, reached after a pause by the login and client that proved another network with a sign-in` });
  } else if (cfg.new_network > 0) {
    out.push({ code: 'new_network', weight: cfg.new_network, detail: `address ${a.ip} in network ${a.prefix}, never seen for this subject` });
  }
};
