/**
 * Control, format and separator characters shown as `\u{…}`: a right-to-left override in a name
 * would otherwise make a page say something other than the bytes do, an escape sequence (ESC, or the
 * C1 CSI) written to a terminal would move the cursor, recolour or hide what follows (OSC 8 makes
 * text a link), and an invisible one (a soft hyphen, a word joiner, a tag character) would hide
 * that two strings differ. Every control (Cc) but tab and line feed, every format character (Cf:
 * the bidi controls, zero-width ones, the invisible operators, U+E0000's tags), the line and
 * paragraph separators and any lone surrogate, by code point: the tags are astral, one code point
 * each, which a pattern of UTF-16 units never matched. For text from elsewhere shown to a person:
 * the approval pages, the credential plugin's and the admin CLI's terminal lines.
 */
export function readable(s: string): string {
  return s.replace(/[^\P{Cc}\t\n]|[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** readable() for one line of a terminal: a tab or line feed is shown too, so no text starts a line of its own. */
export function readableLine(s: string): string {
  return readable(s).replace(/[\t\n]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
