/**
 * The Cookie header, read the way the least forgiving and the most forgiving upstream would both
 * read it. stepgate's own cookies (the session, the device id, the per-flow state cookies) are its
 * credentials and bookkeeping, never the application's: they are cut out of every request that
 * goes upstream, whatever else the request carries.
 */

/** Every cookie stepgate sets starts with this; anything in this namespace is ours. */
export const OWN_COOKIE_PREFIX = 'stepgate_';

/**
 * The values of every cookie named exactly `name`, in order. Names are compared after trimming
 * blanks, because some application frameworks trim them (`stepgate_session =x` is the session to
 * them); a pair without `=` has no value and is skipped.
 *
 * Only for stepgate's own cookies, whose values never hold a ',' (a sealed session is a compact
 * JWE, base64url and '.'): a ',' in the header is then Envoy's join of two Cookie lines (its
 * CheckRequest `headers` map joins every repeated header with ','), so the text after it is the
 * next line's cookie. `stepgate_session=A,stepgate_session=B` is two sessions, which the
 * duplicate checks (credentials.ts, the step-up callback) must see, not one session
 * `A,stepgate_session=B` that merely fails to open.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined || !header.includes(name)) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    if (part.includes(',')) {
      for (const piece of part.split(',')) pushValue(out, piece, name);
    } else {
      pushValue(out, part, name);
    }
  }
  return out;
}

function pushValue(out: string[], pair: string, name: string): void {
  const eq = pair.indexOf('=');
  if (eq >= 0 && pair.slice(0, eq).trim() === name) out.push(pair.slice(eq + 1).trim());
}

/**
 * The Cookie header for the upstream: `header` without stepgate's cookies (names starting with
 * `stepgate_`, and the configured session cookie name, compared case-insensitively after trimming,
 * with or without a value). `changed` says whether anything was cut; `value` is undefined when
 * nothing is left (the header must then be removed, not sent empty).
 */
export function upstreamCookie(header: string, sessionCookie: string | undefined): { changed: boolean; value: string | undefined } {
  const lower = header.toLowerCase();
  const session = sessionCookie?.toLowerCase();
  if (!lower.includes(OWN_COOKIE_PREFIX) && (session === undefined || !lower.includes(session))) {
    return { changed: false, value: header };
  }
  const kept: string[] = [];
  let changed = false;
  const ours = (p: string) => {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    return name.startsWith(OWN_COOKIE_PREFIX) || name === session;
  };
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    if (ours(p)) {
      changed = true;
      continue;
    }
    // Two Cookie lines reach stepgate joined with ',' (Envoy's CheckRequest headers map), and the
    // upstream may read each line: one of ours after a ',' is cut too. Another cookie's value may
    // hold a ',' (Go allows it), so only the pieces that are ours go and the rest keep their commas.
    if (p.includes(',')) {
      const pieces = p.split(',');
      const rest = pieces.filter((x, i) => i === 0 || !ours(x.trim()));
      if (rest.length !== pieces.length) {
        changed = true;
        kept.push(rest.join(','));
        continue;
      }
    }
    kept.push(p);
  }
  if (!changed) return { changed: false, value: header };
  return { changed: true, value: kept.length > 0 ? kept.join('; ') : undefined };
}
