import { z } from 'zod';
import type { ApplyTable } from './apply.js';
import { stringList } from './common.js';

/**
 * An RFC 3339 date-time (`2027-05-07T06:00:00Z`, `2027-05-07T08:00:00+02:00`) as milliseconds since
 * the epoch, or a sentence saying what is wrong. Stricter than Date.parse, which takes a date
 * without a time, a time without an offset (read as local time: another instant on every host),
 * `2027-02-30` (rolled into March) and other spellings: an end date that meant another instant
 * than the operator wrote would open or close an account at the wrong hour. The offset is
 * required; a leap second (`:60`) is refused, since JavaScript's clock has none.
 */
export function rfc3339Ms(text: string): number | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (m === null) {
    return /^\d{4}-\d{2}-\d{2}$/.test(text)
      ? 'a date alone is not an instant: write the time and its offset, e.g. 2027-05-07T06:00:00Z'
      : /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
        ? 'a time without an offset is read differently on every host: end it with Z (UTC) or an offset such as +02:00'
        : 'an RFC 3339 date-time with its offset, e.g. 2027-05-07T06:00:00Z or 2027-05-07T08:00:00+02:00';
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (month! < 1 || month! > 12) return `month ${m[2]} does not exist`;
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! < 1 || day! > days) return `${m[1]}-${m[2]} has no day ${m[3]}`;
  if (hour! > 23 || minute! > 59) return `${m[4]}:${m[5]} is not a time of day`;
  if (second! > 59) return second === 60 ? 'a leap second (:60) cannot be represented; use :59' : `second ${m[6]} does not exist`;
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return `offset ${m[9]}${m[10]}:${m[11]} does not exist`;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  // Date.UTC takes the year as written (four digits here, so never its 0–99 → 1900s shortcut).
  return Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, frac) - offsetMin * 60_000;
}

const instant = z.string().superRefine((v, ctx) => {
  const ms = rfc3339Ms(v);
  if (typeof ms === 'string') ctx.addIssue({ code: 'custom', message: ms });
});

/**
 * `access_windows[]`: who may use the gateway only from one instant, until another (issue 12, day
 * 42: a freelancer's or an agency's temporary accounts for one night). Outside its window a
 * matching identity's every request is refused (`access_window_closed`, pipeline/access-windows.ts).
 * The cross-checks (issuers named, names their issuers can carry, unique names) are in index.ts.
 */
export const accessWindowSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only'),
    description: z.string().optional(),
    // Whose window this is: every given condition must hold, any entry of a list. At least one,
    // since a window for everybody is an end date for the whole gateway, not an account's.
    match: z
      .strictObject({
        issuers: stringList.optional(),
        subjects: stringList.optional(),
        groups: stringList.optional(),
      })
      .refine((m) => m.issuers !== undefined || m.subjects !== undefined || m.groups !== undefined, 'name whose window this is: issuers, subjects or groups (a window for everybody would close the whole gateway)'),
    valid_from: instant.optional(),
    valid_until: instant.optional(),
    // The sentence shown to the refused caller (and printed by kubectl) instead of the generic one.
    message: z.string().max(300).optional(),
  })
  .superRefine((w, ctx) => {
    if (w.valid_from === undefined && w.valid_until === undefined) {
      ctx.addIssue({ code: 'custom', path: ['valid_until'], message: 'a window needs valid_until, valid_from or both' });
      return;
    }
    if (w.valid_from === undefined || w.valid_until === undefined) return;
    const [from, until] = [rfc3339Ms(w.valid_from), rfc3339Ms(w.valid_until)];
    if (typeof from === 'number' && typeof until === 'number' && until <= from) {
      ctx.addIssue({ code: 'custom', path: ['valid_until'], message: `${w.valid_until} is not after valid_from ${w.valid_from}: the window would never be open` });
    }
  });

export const accessWindowsSchema = z.array(accessWindowSchema).min(1);

/** How each `access_windows` key applies on reload (schema/apply.ts): a new runtime compiles them. */
export const ACCESS_WINDOWS_APPLY = {
  'access_windows[].name': 'live',
  'access_windows[].description': 'live',
  'access_windows[].match.issuers': 'live',
  'access_windows[].match.subjects': 'live',
  'access_windows[].match.groups': 'live',
  'access_windows[].valid_from': 'live',
  'access_windows[].valid_until': 'live',
  'access_windows[].message': 'live',
} as const satisfies ApplyTable;
