import type { Observation } from './store.js';

/**
 * A session's client list (SubjectHistory.sessionClients), kept the same way by both stores: the
 * memory store with these functions, the Redis scripts with their Lua twin (redis-scripts.ts).
 */

/**
 * What a client's platform carries into the session's list when the request came with a client
 * certificate the gateway verified (`kubectl@linux+cert`): the login was used from a device with
 * a certificate, so a later request of it without one is that login on another machine
 * (`certificate_missing`). Part of the platform, so both stores keep it with no change of theirs
 * (the Redis scripts build the entry from the platform as sent).
 */
export const CERT_MARK = '+cert';

/** The platform an observation carries: the client's, with CERT_MARK when it presented a certificate. */
export function observedPlatform(platform: string, certificate: boolean): string {
  return certificate ? platform + CERT_MARK : platform;
}

/** Whether a session's client list holds a client that presented a certificate. */
export function certifiedIn(list: string): boolean {
  return list.includes(CERT_MARK);
}

/** An entry's platform without CERT_MARK. */
export function platformOfEntry(p: string): string {
  return p.endsWith(CERT_MARK) ? p.slice(0, -CERT_MARK.length) : p;
}

/** The session's entry for this request's client: `family@platform`, or the family alone. */
export function clientToken(o: Observation): string {
  return o.uaFamily === '' ? '' : o.platform ? `${o.uaFamily}@${o.platform}` : o.uaFamily;
}

/**
 * Whether the list's first entry is this request's client (clientToken(o)), told without building
 * the token: then sessionClientsWith would return the list as it is, which is what most requests
 * of a session find.
 */
export function ledBy(list: string, o: Observation): boolean {
  const f = o.uaFamily;
  if (f === '' || !list.startsWith(f)) return false;
  let end = f.length;
  const p = o.platform;
  if (p) {
    if (list.charCodeAt(end) !== 64 /* @ */ || !list.startsWith(p, end + 1)) return false;
    end += 1 + p.length;
  }
  return end === list.length || list.charCodeAt(end) === 32 /* space */;
}

/**
 * The list as read: a record whose last family (written alone by a replica of the previous
 * version, or read from its snapshot) is not the family leading the list gets it in front.
 */
export function sessionClientsRead(list: string, lastFamily: string): string {
  return lastFamily !== '' && !leads(list, lastFamily) ? sessionClientsWith(list, lastFamily) : list;
}

/** Whether the list's first entry is of family `f`: `f`, then '@', ' ' or nothing. */
function leads(list: string, f: string): boolean {
  if (!list.startsWith(f)) return false;
  if (list.length === f.length) return true;
  const next = list.charCodeAt(f.length);
  return next === 64 /* @ */ || next === 32 /* space */;
}

/**
 * A session's clients, most recent first, at most SESSION_CLIENTS (redis-scripts.ts keeps the same
 * list the same way): `token` moved to the front.
 */
export function sessionClientsWith(list: string, token: string): string {
  if (token === '') return list;
  if (list === token || list.startsWith(`${token} `)) return list;
  const out = [token];
  for (const t of list.split(' ')) if (t !== '' && t !== token && out.length < SESSION_CLIENTS) out.push(t);
  return out.join(' ');
}

export const SESSION_CLIENTS = 6;
