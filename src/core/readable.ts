/**
 * Control and bidirectional-formatting characters shown as `\u{…}`: a right-to-left override in a
 * name would otherwise make a page say something other than the bytes do, and an escape sequence
 * (ESC, or the C1 CSI) written to a terminal would move the cursor, recolour or hide what follows.
 * For text from elsewhere shown to a person: the approval pages, the credential plugin's stderr.
 */
export function readable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** readable() for one line of a terminal: a tab or line feed is shown too, so no text starts a line of its own. */
export function readableLine(s: string): string {
  return readable(s).replace(/[\t\n]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
