import { createHash } from 'node:crypto';

/**
 * What a machine-pace run covered, for `machine_pace.resume_seconds`: a run the engineer answered
 * with a sign-in may be resumed after it without another only where the loop was going, not
 * wherever the next burst goes (issue 12: a sign-in answers what it was asked for). Malware on the
 * laptop that starts within the minutes after the engineer's answered loop reads Secrets of its own
 * choosing; the loop reads the next namespace's copy of the same object, or the next object in the
 * same namespace.
 *
 * So the run keeps, while it lasts and until it is resumed, the loop's shape in digests: each
 * distinct object (`x`), and its namespace (`n`) and its group, resource and name (`o`), which
 * become confirmed (`N`, `O`) once a second distinct object of the run shares them. A resumed run's
 * object is covered when its namespace or its name is a confirmed one: `regcred` in the 26th
 * namespace after 25 (day 9's rotation), the 6th Secret of prod-cart after five. One object alone
 * confirms nothing, so a run that read one Secret each in four namespaces covers none of them.
 *
 * A space-separated string (`' xab… nab… Oab… '`), at most RUN_COVER_TOKENS tokens of 13
 * characters (one letter, 12 hex digits of SHA-1: 48 bits, against objects the attacker does not
 * name but must match), the first objects of the run kept when it is longer. The Redis store
 * keeps the same string with the same operations (redis-scripts.ts, the work block): the two must
 * agree to the character, which test/integration/risk-work-store.test.ts checks.
 */
export const RUN_COVER_TOKENS = 96;

/** An empty cover. */
export const EMPTY_COVER = ' ';

const digests = new Map<string, string>();

function digest(s: string): string {
  let d = digests.get(s);
  if (d === undefined) {
    d = createHash('sha1').update(s, 'utf8').digest('hex').slice(0, 12);
    if (digests.size >= 4096) digests.clear();
    digests.set(s, d);
  }
  return d;
}

/**
 * An object's group and resource with its namespace, and with its name (context-bound.ts
 * sensitiveObject: `group|resource|namespace|name`), and whether it is a list of every namespace
 * (`|secrets||*`); a string of another shape is all name, in namespace ''.
 *
 * The namespace goes with the resource: a loop through prod-cart's Secrets goes on to its next
 * Secret, not to a shell in its pods, and two cluster-scoped objects (namespace '') confirm their
 * own resource's, not every list of every namespace.
 */
function parts(object: string): [ns: string, name: string, everywhere: boolean] {
  const i = object.lastIndexOf('|');
  const j = i > 0 ? object.lastIndexOf('|', i - 1) : -1;
  if (j < 0) return ['', object, false];
  const kind = object.slice(0, j);
  const ns = object.slice(j + 1, i);
  const name = object.slice(i + 1);
  return [`${kind}|${ns}`, `${kind}|${name}`, ns === '' && name === '*'];
}

/**
 * Whether a resumed run's `object` stays within what `cover` confirmed ('' touches nothing: covered).
 * A list of every namespace is no next namespace of a loop that listed them one by one: only a
 * confirmed namespace of its own (two such lists) covers it.
 */
export function covered(cover: string, object: string): boolean {
  if (object === '') return true;
  const [ns, name, everywhere] = parts(object);
  return cover.includes(` N${digest(ns)} `) || (!everywhere && cover.includes(` O${digest(name)} `));
}

/** `cover` with `object` of the run added (unchanged for '', an object already in it, or a full cover). */
export function coverWith(cover: string, object: string): string {
  if (object === '' || (cover.length - 1) / 14 + 3 > RUN_COVER_TOKENS) return cover;
  const x = ` x${digest(object)} `;
  if (cover.includes(x)) return cover;
  let c = cover + x.slice(1);
  const [ns, name] = parts(object);
  for (const [p, t] of [['n', digest(ns)], ['o', digest(name)]] as const) {
    const confirmed = ` ${p.toUpperCase()}${t} `;
    if (c.includes(confirmed)) continue;
    const pending = ` ${p}${t} `;
    c = c.includes(pending) ? c.replace(pending, confirmed) : `${c}${p}${t} `;
  }
  return c;
}
