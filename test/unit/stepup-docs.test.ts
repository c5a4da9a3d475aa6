import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLOW_ERROR_CODES, FLOW_ERRORS } from '../../src/web/stepup/errors.js';

const doc = readFileSync(new URL('../../docs/stepup.md', import.meta.url), 'utf8');
const rows = new Map([...doc.matchAll(/^\| `((?:stepup|approval)_[a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));

describe('docs/stepup.md', () => {
  it.each(FLOW_ERROR_CODES)('documents %s with its status', (code) => {
    expect(rows.get(code)).toBe(FLOW_ERRORS[code].status);
  });

  it('documents no code that does not exist', () => {
    expect([...rows.keys()].filter((c) => !(FLOW_ERROR_CODES as string[]).includes(c))).toEqual([]);
  });

  it('never answers a client-side failure with a 500', () => {
    const fiveHundreds = FLOW_ERROR_CODES.filter((c) => FLOW_ERRORS[c].status === 500);
    expect(fiveHundreds).toEqual(['stepup_internal_error']);
  });
});
