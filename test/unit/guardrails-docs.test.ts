import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUARDRAIL_CODES, UNREADABLE_TITLES } from '../../src/config/guardrail-codes.js';

describe('docs/guardrails.md', () => {
  const doc = readFileSync(new URL('../../docs/guardrails.md', import.meta.url), 'utf8');
  const headings = [...doc.matchAll(/^## `([^`]+)`\s*$/gm)].map((m) => m[1]!);

  it.each(GUARDRAIL_CODES)('documents %s in its own section', (code) => {
    expect(headings).toContain(code);
  });

  it('has no section for a code that does not exist, and none twice', () => {
    expect(headings.filter((h) => !(GUARDRAIL_CODES as readonly string[]).includes(h))).toEqual([]);
    expect(new Set(headings).size).toBe(headings.length);
  });

  it('documents every unreadable outcome', () => {
    for (const o of Object.keys(UNREADABLE_TITLES)) expect(doc).toMatch(new RegExp(`^\\| \`${o}\` \\|`, 'm'));
  });
});
