import type { Observation } from './store.js';

/**
 * A session's client list (SubjectHistory.sessionClients), kept the same way by both stores: the
 * memory store with these functions, the Redis scripts with their Lua twin (redis-scripts.ts).
 */

/** The session's entry for this request's client: `family@platform`, or the family alone. */
export function clientToken(o: Observation): string {
  return o.uaFamily === '' ? '' : o.platform ? `${o.uaFamily}@${o.platform}` : o.uaFamily;
}

/**
 * The list as read: a record whose last family (written alone by a replica of the previous
 * version, or read from its snapshot) is not the family leading the list gets it in front.
 */
export function sessionClientsRead(list: string, lastFamily: string): string {
  return lastFamily !== '' && familyOf(list) !== lastFamily ? sessionClientsWith(list, lastFamily) : list;
}

/** The family of the most recent entry of a session's client list ('' for none). */
export function familyOf(list: string): string {
  const sp = list.indexOf(' ');
  const first = sp < 0 ? list : list.slice(0, sp);
  const at = first.indexOf('@');
  return at < 0 ? first : first.slice(0, at);
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
