import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readable, readableLine } from '../../src/core/readable.js';

/**
 * readable() for text from elsewhere shown to a person (the approval pages, the credential plugin's
 * and the admin CLI's terminal lines): what would make a page or a terminal show something other
 * than the bytes is written as `\u{…}`. Controls and bidi overrides were; the other invisible
 * format characters were not (redteam41a): a soft hyphen, a word joiner, the invisible operators,
 * the interlinear annotations and the tag characters (U+E0000 block, "ASCII smuggling": text a
 * person never sees, as one astral code point each, which the old pattern could not match).
 */
describe('readable', () => {
  it.each<[string, string]>([
    ['soft hyphen', '\u00ad'],
    ['Mongolian vowel separator', '\u180e'],
    ['word joiner', '\u2060'],
    ['invisible plus', '\u2064'],
    ['deprecated digit shapes', '\u206f'],
    ['interlinear annotation anchor', '\ufff9'],
    ['a tag letter', '\u{e0041}'],
    ['the cancel tag', '\u{e007f}'],
    ['a lone surrogate', '\ud800'],
  ])('%s is shown as its code point', (_what, c) => {
    const out = readable(`alice${c}@example.com`);
    expect(out).toBe(`alice\\u{${c.codePointAt(0)!.toString(16)}}@example.com`);
  });

  it('control: what was escaped still is, and ordinary text is untouched', () => {
    expect(readable('a\u001b[2Jb\u009b\u202e\u2066\u200b\ufeff')).toBe('a\\u{1b}[2Jb\\u{9b}\\u{202e}\\u{2066}\\u{200b}\\u{feff}');
    expect(readable('Grüße, 東京, emoji 🙂, tab\tand\nline')).toBe('Grüße, 東京, emoji 🙂, tab\tand\nline');
    expect(readableLine('a\tb\nc')).toBe('a\\u{9}b\\u{a}c');
  });

  it('leaves no control or format character whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('a', ' ', '\t', '\n', '\u001b', '\u009b', '\u00ad', '\u202e', '\u2060', '\u{e0041}', '\ud800', '\udc00', '🙂'), fc.string({ unit: 'binary', maxLength: 1 })) }), (s) => {
        expect(readableLine(s)).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
      }),
    );
  });
});
