import { WEEKDAYS, type HoursConfig, type Weekday } from '../config/schema.js';

/**
 * `match.outside_hours`: whether an instant falls in none of a subject's windows (a contract's
 * hours, a vendor's maintenance window), read on the wall clock of the window's IANA time zone.
 *
 * Windows are wall-clock times because contracts are: "08:00–18:00 UK" means 08:00 in January and
 * in July, so a window is one hour shorter on the night the clocks go forward and one hour longer
 * when they go back. A window whose `to` is not after its `from` (`22:00`–`06:00`) runs past
 * midnight: it opens on each of its `days` and closes the next morning, as a night shift that
 * starts on Friday is Friday's. The instant is stepgate's injected clock, never the token's.
 */
export type Outside = (nowMs: number) => boolean;

/** Minutes since local midnight of `HH:MM` (`24:00` is 1440). */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

interface Window {
  /** Bit per weekday (0 = Sunday) on which the window opens. */
  days: number;
  from: number;
  to: number;
}

export function compileOutsideHours(h: HoursConfig): Outside {
  const windows: Window[] = h.windows.map((w) => ({
    days: dayBits(w.days ?? WEEKDAYS),
    from: minutesOf(w.from),
    to: minutesOf(w.to),
  }));
  const local = localClock(h.time_zone);
  // A request a second answers the same: the last minute's reading is kept (offsets change on
  // whole minutes), so the hot path formats a date once a minute per rule, not per request.
  let lastMinute = NaN;
  let lastOutside = true;
  return (nowMs) => {
    const minute = Math.floor(nowMs / 60_000);
    if (minute === lastMinute) return lastOutside;
    const { day, minutes } = local(nowMs);
    lastOutside = !windows.some((w) => within(w, day, minutes));
    lastMinute = minute;
    return lastOutside;
  };
}

function dayBits(days: readonly Weekday[]): number {
  let bits = 0;
  for (const d of days) bits |= 1 << WEEKDAYS.indexOf(d);
  return bits;
}

function within(w: Window, day: number, minutes: number): boolean {
  const opensOn = (d: number) => (w.days & (1 << d)) !== 0;
  if (w.from < w.to) return opensOn(day) && minutes >= w.from && minutes < w.to;
  // Past midnight: the evening part on a day it opens, the morning part on the day after one.
  return (opensOn(day) && minutes >= w.from) || (opensOn((day + 6) % 7) && minutes < w.to);
}

/** The weekday (0 = Sunday) and minutes since midnight of an instant on a zone's wall clock. */
function localClock(zone: string): (ms: number) => { day: number; minutes: number } {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (ms) => {
    let day = 0;
    let minutes = 0;
    for (const p of fmt.formatToParts(ms)) {
      if (p.type === 'weekday') day = WEEKDAYS.indexOf(p.value.toLowerCase() as Weekday);
      else if (p.type === 'hour') minutes += Number(p.value) * 60;
      else if (p.type === 'minute') minutes += Number(p.value);
    }
    return { day, minutes };
  };
}
