// A minimal user agent over fetch: follows redirects by hand, keeps the cookies one origin sets,
// reads the form on an HTML page and submits it. Enough to drive the development IdP the way a
// browser would, through its real pages and cookies.

export interface FormOnPage {
  step: string | undefined;
  action: string;
  fields: Map<string, string>;
  names: Set<string>;
}

export interface Page {
  url: string;
  status: number;
  location: string | undefined;
  body: string;
}

export class CookieAgent {
  private readonly jar = new Map<string, string>();

  /** `origin`: the only origin this agent sends cookies to. */
  constructor(private readonly origin: string) {}

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (new URL(url).origin === this.origin && this.jar.size > 0) {
      headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    if (new URL(url).origin === this.origin) this.store(res.headers.getSetCookie());
    const location = res.headers.get('location');
    return {
      url,
      status: res.status,
      location: location === null ? undefined : new URL(location, url).href,
      body: await res.text(),
    };
  }

  private store(setCookies: string[]) {
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k = '', v = ''] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}

/** The first POST form on the page, its action resolved against the page URL. */
export function readForm(page: Page): FormOnPage | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(page.body);
  if (!m) return undefined;
  const attrs = m[1] ?? '';
  const action = attr(attrs, 'action') ?? page.url;
  const fields = new Map<string, string>();
  const names = new Set<string>();
  for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
    const a = input[1] ?? '';
    const name = attr(a, 'name');
    if (!name) continue;
    names.add(name);
    if ((attr(a, 'type') ?? 'text').toLowerCase() === 'hidden') fields.set(name, attr(a, 'value') ?? '');
  }
  return { step: attr(attrs, 'data-step'), action: new URL(unescapeHtml(action), page.url).href, fields, names };
}

/** The text of the page's error message (`data-error`), if it shows one. */
export function readError(page: Page): string | undefined {
  const m = /<[a-z]+\b[^>]*\bdata-error\b[^>]*>([\s\S]*?)<\//i.exec(page.body);
  return m ? unescapeHtml((m[1] ?? '').replace(/<[^>]+>/g, '')).trim() : undefined;
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(attrs);
  return m ? unescapeHtml(m[1] ?? '') : undefined;
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
