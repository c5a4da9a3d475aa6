import { createHash } from 'node:crypto';

export { askNonce, askOfNonce } from '../core/ask-nonce.js';

/**
 * Step-ups bound to the request they answer (issue 12, session 37). Each context-bound step-up
 * stepgate asks has an ask id; the kubectl credential plugin signs in with the OIDC `nonce`
 * `<ask id>.<random>`, which the identity provider signs into the ID token, so the sign-in says
 * which ask it was made for. A count's run (machine pace, distinct sensitive objects) is then
 * answered only by a sign-in naming it, not by one the engineer made for another command while
 * malware on the laptop kept its own run over (docs/risk.md, "Session 37").
 *
 * The id is a pure function of the subject and what was asked, so every replica computes the same
 * one and verifies one without shared state: `<bound, base 36><kind><subject digest><object
 * digest>`. The bound is the ask's `authAfter` (epoch s: a run's crossing, a namespace's first
 * sighting less its grace…); kind `r` is a count's run, `o` anything asked of one request. The
 * subject digest ties the id to its subject (another subject's id is no binding); the object
 * digest says which object an `o` ask was for (askedObject in engine.ts). Unguessability is no part
 * of the defence: whoever holds the token reads its asks from the challenge endpoint anyway, and
 * a nonce is only ever in a sign-in the identity provider made; what an id cannot do is answer
 * anything but what it names.
 */

export type AskKind = 'r' | 'o';

/** An ask id read back from a sign-in's nonce, checked against the token's subject. */
export interface NamedAsk {
  /** The ask's bound (epoch s). */
  bound: number;
  kind: AskKind;
  /** objectDigest of the object an `o` ask was for ('' for `r`). */
  object: string;
  /**
   * False when no sign-in can have been made for it (its bound is after the sign-in): the sign-in
   * still names an ask of this subject, so it answers none of the subject's runs.
   */
  answers: boolean;
}

const SUBJECT_CHARS = 12;
const OBJECT_CHARS = 8;

/**
 * Digests computed lately, by their exact input: a step-up the engine asks for is asked again on
 * every retry of the refused command (and of malware's run) until the sign-in, and each computed
 * two or three SHA-256s of the same strings (crypto40: issue 17's "no per-request crypto"). Keyed
 * by the whole input (a Map compares it in full); bounded by entries and by input length, emptied
 * when full, as run-cover.ts' digests are: under 1 MB (not per credential, so not in the token gauge).
 */
const digests = new Map<string, string>();
const MAX_DIGESTS = 1024;
const MAX_INPUT = 384;

function digest(parts: string, n: number): string {
  let d = digests.get(parts);
  if (d === undefined) {
    d = createHash('sha256').update(parts, 'utf8').digest('base64url');
    if (parts.length <= MAX_INPUT) {
      if (digests.size >= MAX_DIGESTS) digests.clear();
      digests.set(parts, d);
    }
  }
  return d.slice(0, n);
}

export function objectDigest(object: string): string {
  return digest(`stepgate ask object v1\0${object}`, OBJECT_CHARS);
}

function subjectDigest(subject: string, bound: number, kind: AskKind): string {
  return digest(`stepgate ask v1\0${subject}\0${bound}\0${kind}`, SUBJECT_CHARS);
}

/** The ask id of a step-up asked of `subject` (its store key) with this bound, kind and object. */
export function askId(subject: string, bound: number, kind: AskKind, object: string): string {
  return `${bound.toString(36)}${kind}${subjectDigest(subject, bound, kind)}${kind === 'o' ? objectDigest(object) : ''}`;
}

const BOUND = /^[0-9a-z]{1,9}$/;
const TAIL = /^[A-Za-z0-9_-]+$/;

/**
 * The ask a sign-in names: undefined (no binding) for no id, a malformed one or another subject's;
 * one that answers nothing (`answers: false`) when its bound is after the sign-in (no sign-in
 * answers an ask not yet made). An id of this subject is never read as no ask because of its
 * bound's age: the bound is no time the ask was made at (a namespace's is its first sighting less
 * `unfamiliar_namespace.grace_seconds`, a network's its first sighting, hours before the request
 * it refused), and a sign-in naming no ask answers every run crossed before it, so an age limit
 * turned the engineer's own ask into an answer for malware's run (redteam38). Never an allow by
 * itself: a named ask only ever narrows what the sign-in answers (engine.ts boundAnswers).
 */
export function namedAsk(ask: string | undefined, subject: string, authTime: number | undefined): NamedAsk | undefined {
  if (ask === undefined || authTime === undefined || ask.length > 40) return undefined;
  // The digests are base64url, so a subject digest may itself begin with `r` or `o`: the kind is
  // found by the fixed length of what follows it, never by the first letter that could be one
  // (a regex's first match misread such ids as no ask, which unbinds the sign-in). Both readings
  // can fit one id; only the right one's subject digest verifies.
  const parsed = readAsk(ask, subject, 'r') ?? readAsk(ask, subject, 'o');
  if (parsed === undefined) return undefined;
  // An `o` ask's bound may be a grace before the first sighting it was asked at, so only a bound
  // in the future of the sign-in is impossible.
  if (parsed.bound > authTime) parsed.answers = false;
  return parsed;
}

/** `ask` read as an id of `kind`: its bound, kind and object when the subject digest verifies. */
function readAsk(ask: string, subject: string, kind: AskKind): NamedAsk | undefined {
  const at = ask.length - 1 - SUBJECT_CHARS - (kind === 'o' ? OBJECT_CHARS : 0);
  if (at < 1 || ask[at] !== kind) return undefined;
  const head = ask.slice(0, at);
  const tail = ask.slice(at + 1);
  if (!BOUND.test(head) || !TAIL.test(tail)) return undefined;
  const bound = parseInt(head, 36);
  if (tail.slice(0, SUBJECT_CHARS) !== subjectDigest(subject, bound, kind)) return undefined;
  return { bound, kind, object: kind === 'o' ? tail.slice(SUBJECT_CHARS) : '', answers: true };
}
