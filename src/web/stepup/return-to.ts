import { compileGlobList, type StringMatcher } from '../../core/glob.js';

/**
 * Validation of the return URL (`rd`) a step-up ends on. Only absolute http(s) URLs whose host is
 * in `stepup.return_hosts` pass, and they are checked twice: by a strict grammar first (no
 * userinfo, no backslash, no control or space characters, no percent-encoding in the authority),
 * then by the WHATWG URL parser browsers use, whose view of the host must agree. Anything the two
 * could disagree on is refused rather than interpreted.
 */
export type ReturnCheck = { ok: true; url: string } | { ok: false; detail: string };

const MAX_LENGTH = 2048;
// scheme "://" authority [path-abempty] [?query] [#fragment]; the authority stops at / ? #.
const SHAPE = /^(https?):\/\/([^/?#]*)([/?#][^]*)?$/i;
const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
const PORT = /^\d{1,5}$/;

export class ReturnTo {
  private readonly allowed: StringMatcher;

  constructor(returnHosts: readonly string[]) {
    this.allowed = returnHosts.length > 0 ? compileGlobList(returnHosts.map((h) => h.toLowerCase()), '.') : () => false;
  }

  check(rd: string): ReturnCheck {
    if (rd.length === 0 || rd.length > MAX_LENGTH) return { ok: false, detail: 'empty or too long' };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0020\u007f-\uffff\\]/.test(rd)) return { ok: false, detail: 'contains spaces, control, non-ASCII characters or a backslash' };
    const m = SHAPE.exec(rd);
    if (!m) return { ok: false, detail: 'not an absolute http(s) URL' };
    const authority = m[2]!;
    if (authority.includes('@')) return { ok: false, detail: 'user info is not allowed' };
    if (authority.includes('%')) return { ok: false, detail: 'percent-encoding in the host is not allowed' };
    const colon = authority.lastIndexOf(':');
    const host = (colon >= 0 ? authority.slice(0, colon) : authority).toLowerCase();
    const port = colon >= 0 ? authority.slice(colon + 1) : '';
    if (colon >= 0 && (!PORT.test(port) || Number(port) > 65535 || Number(port) === 0)) return { ok: false, detail: 'invalid port' };
    if (host.length > 253 || !HOSTNAME.test(host)) return { ok: false, detail: 'not a plain DNS host name' };
    if (!this.allowed(host)) return { ok: false, detail: 'host is not in stepup.return_hosts' };
    let url: URL;
    try {
      url = new URL(rd);
    } catch {
      return { ok: false, detail: 'not parseable' };
    }
    // Numeric forms (0x7f.1, 2130706433) are rewritten by the parser to a canonical IPv4 address,
    // so they fail here even when the literal text matched a glob.
    if (url.protocol !== `${m[1]!.toLowerCase()}:` || url.hostname !== host || url.username !== '' || url.password !== '') {
      return { ok: false, detail: 'the URL parser disagrees about the host' };
    }
    return { ok: true, url: url.href };
  }
}
