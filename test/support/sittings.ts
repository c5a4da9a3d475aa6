/**
 * How days 41 onwards turn their people's sittings into events: each sitting a run of tasks at the
 * person's pace, a sign-in at its start and again after an hour's pause, and a day's one-off plans
 * (a release, a night's hotfix) pushed with the token the person's kubelogin cache holds then.
 * The days differ in who their people are, where they sit, what their tasks are and how fast they
 * work; the mechanics are the same, and a change to them (how a cached token is found, how a
 * browser's request looks) must reach every day alike.
 */
import { cachedLogin, type DayEvent, type Login, PLATFORM_HINT, type StaffMember } from './workday.js';

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

/** A person of such a day: their kubectl's user agent and the assurance of their sign-ins beside the staff fields. */
export interface Sitter<W extends string> extends StaffMember<W> {
  ua: string;
  acr: Login['acr'];
}

/** One request of a task or a plan; `browser` sends it from the person's browser, `ua`/`ip` from another client or address. */
export interface SittingRequest {
  method: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string;
  browser?: boolean;
  ua?: string;
  ip?: string;
}

/** A sign-in at `authMs` (its session id `sid`) at the person's usual assurance. */
export const signInAt = (sub: string, sid: string, authMs: number, acr: Login['acr']): Login => ({ sub, sid, authTime: Math.floor(authMs / 1000), acr });

export interface SittingsOptions<W extends string, P extends Sitter<W>> {
  /** The day's events so far; sittings and plans are appended, and cached tokens are found here. */
  events: DayEvent[];
  /** The day's Kubernetes API host (a request names another with `host`). */
  api: string;
  /** The person's address at `where` at `t` (ms). */
  addressOf(p: P, where: W, t: number): string;
  /** Where the person is outside their listed sittings (a plan at another hour). */
  usualPlace(p: P): W;
  /** The person's browser: its user agent and the client hints it sends (Chromium's: `chromium`). */
  browser?: (p: P) => { ua: string; hints?: Record<string, string> };
  /** The session id of the sign-in a sitting starts with (default: person, day and the sitting's start). */
  sittingSession?: (p: P, day: number, where: W, from: number) => string;
}

/** A Chromium browser on the person's OS: `ua(os)` and the `sec-ch-ua` brand list it sends beside the mobile and platform hints. */
export const chromium =
  (ua: (os: string) => string, chUa: string) =>
  (p: { os: string }): { ua: string; hints: Record<string, string> } => ({ ua: ua(p.os), hints: { 'sec-ch-ua': chUa, 'sec-ch-ua-mobile': '?0', 'sec-ch-ua-platform': PLATFORM_HINT[p.os]! } });

export interface SittingDay<W extends string, P extends Sitter<W>> {
  /** Hour `h` of the day as ms (`at(9.5)` is 09:30). */
  at: (h: number) => number;
  /**
   * Appends `reqs`, `gap` ms apart from `t`, from where the person is then (or `where`), with the
   * token their kubelogin cache holds (their request last before `t` within the hour, from that
   * address), or a sign-in made for the step.
   */
  push: (p: P, t: number, reqs: readonly SittingRequest[], gap: number, where?: W) => void;
}

export interface SittingPlan<W extends string, P extends Sitter<W>> {
  /** The task the person does at `t` (their `n`th of the day). */
  task(p: P, n: number, t: number, where: W): readonly SittingRequest[];
  /** The pause after a task: at least `[0]` minutes plus up to `[1]` more. */
  pace(p: P, t: number): readonly [number, number];
  /** Sittings that are a plan of their own (pushed by the day), not a run of tasks. */
  skip?(p: P, where: W): boolean;
}

export function sittings<W extends string, P extends Sitter<W>>(rand: () => number, people: readonly P[], o: SittingsOptions<W, P>) {
  const eventOf = (p: P, scored: boolean, t: number, where: W, login: Login, q: SittingRequest): DayEvent => {
    const browser = q.browser === true ? o.browser?.(p) : undefined;
    const ua = q.ua ?? browser?.ua ?? p.ua;
    const headers = browser?.hints || q.headers ? { ...browser?.hints, ...q.headers } : undefined;
    return { at: Math.round(t), actor: p.name, scored, ip: q.ip ?? o.addressOf(p, where, t), ua, login, method: q.method, path: q.path, host: q.host ?? o.api, ...(headers ? { headers } : {}), ...(q.body !== undefined ? { body: q.body } : {}) };
  };
  const sittingSession = o.sittingSession ?? ((p: P, day: number, _where: W, from: number) => `${p.name}:${day}:${Math.round(from * 10)}`);
  /** Replays every person's sittings of one day (`scored` or the warm-up), then hands back what the day's plans push with. */
  return (day: number, scored: boolean, plan: SittingPlan<W, P>): SittingDay<W, P> => {
    const at = (h: number) => day + h * H;
    const whereAt = (p: P, t: number): W => (scored ? p.scored : p.warm).find(([a, b]) => t >= at(a) - 30 * M && t <= at(b) + 30 * M)?.[2] ?? o.usualPlace(p);
    const fresh = (p: P, t: number) => signInAt(p.name, `${p.name}:${day}:${Math.round(t / M)}`, t - 40 * S, p.acr);
    for (const p of people) {
      let n = 0;
      for (const [from, to, where] of scored ? p.scored : p.warm) {
        if (plan.skip?.(p, where)) continue;
        let t = at(from) + M;
        // A machine that locks: a sign-in at the sitting's start (the token's refresh then holds it).
        let login = signInAt(p.name, sittingSession(p, day, where, from), t - 40 * S, p.acr);
        let lastAt = t;
        while (t < at(to)) {
          const reqs = plan.task(p, n, t, where);
          if (t - lastAt > H) login = fresh(p, t);
          const gap = 1500 + rand() * 2500;
          reqs.forEach((q, i) => o.events.push(eventOf(p, scored, t + i * gap, where, login, q)));
          lastAt = t;
          n++;
          const [least, more] = plan.pace(p, t);
          t += reqs.length * gap + least * M + rand() * more * M;
        }
      }
    }
    return {
      at,
      push: (p, t, reqs, gap, where = whereAt(p, t)) => {
        const login = cachedLogin(o.events, p.name, scored, t, o.addressOf(p, whereAt(p, t), t), H) ?? fresh(p, t);
        reqs.forEach((q, i) => o.events.push(eventOf(p, scored, t + i * gap, where, login, q)));
      },
    };
  };
}
