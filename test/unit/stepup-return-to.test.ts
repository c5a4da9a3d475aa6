import { describe, expect, it } from 'vitest';
import { ReturnTo } from '../../src/web/stepup/return-to.js';

const rt = new ReturnTo(['grafana.example.com', '*.dash.example.com', 'localhost', '127.0.0.1']);

describe('return-to validation', () => {
  it.each([
    ['https://grafana.example.com/admin/users', 'https://grafana.example.com/admin/users'],
    ['https://grafana.example.com', 'https://grafana.example.com/'],
    ['https://GRAFANA.example.com/a?b=c#d', 'https://grafana.example.com/a?b=c#d'],
    ['HTTPS://grafana.example.com/x', 'https://grafana.example.com/x'],
    ['http://grafana.example.com:8443/x', 'http://grafana.example.com:8443/x'],
    ['https://a.dash.example.com/x', 'https://a.dash.example.com/x'],
    ['http://localhost:8080/admin', 'http://localhost:8080/admin'],
    ['http://127.0.0.1:8080/admin', 'http://127.0.0.1:8080/admin'],
    ['https://grafana.example.com//evil.com/x', 'https://grafana.example.com//evil.com/x'],
    ['https://grafana.example.com/%2f%2fevil.com', 'https://grafana.example.com/%2f%2fevil.com'],
  ])('accepts %s', (rd, url) => {
    expect(rt.check(rd)).toEqual({ ok: true, url });
  });

  // Each of these is refused: relative or scheme-relative forms, other hosts, parser confusion.
  const attacks = [
    '//evil.com',
    '//evil.com/grafana.example.com',
    '\\\\evil.com',
    '/\\evil.com',
    '\\/evil.com',
    'https:evil.com',
    'https:/evil.com',
    'https:\\\\evil.com',
    'https:/\\evil.com',
    'https://evil.com',
    'https://evil.com/https://grafana.example.com/',
    'https://grafana.example.com@evil.com/',
    'https://grafana.example.com:443@evil.com/',
    'https://user:pass@grafana.example.com/',
    'https://evil.com\\@grafana.example.com/',
    'https://evil.com#@grafana.example.com/',
    'https://evil.com?@grafana.example.com/',
    'https://grafana.example.com.evil.com/',
    'https://evil.com/.grafana.example.com',
    'https://dash.example.com/',
    'https://grafana.example.com%2f%2fevil.com',
    'https://grafana.example.com%2fevil.com',
    'https://grafana.example.com%5cevil.com',
    'https://grafana.example.com%40evil.com',
    '%2f%2fevil.com',
    '%5c%5cevil.com',
    'https:%2f%2fevil.com',
    '/%2f/evil.com',
    'https://grafana.example.com\t.evil.com/',
    'https://grafana.example.com\n/x',
    '\thttps://grafana.example.com/',
    'https://grafana.exam\rple.com/',
    ' https://grafana.example.com/',
    'https://grafana.example.com/ x',
    'javascript:alert(1)',
    'javascript://grafana.example.com/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://grafana.example.com/',
    'file:///etc/passwd',
    'https://grafana.example.com:99999/',
    'https://grafana.example.com:0/',
    'https://grafana.example.com:/x',
    'https://[::1]/',
    'https://0x7f.0.0.1/',
    'http://2130706433/',
    'https://gráfana.example.com/',
    'https://xn--grfana-wra.example.com/',
    'https://grafana.example.com./',
    'https://-grafana.example.com/',
    '/admin',
    'grafana.example.com/admin',
    '',
    `https://grafana.example.com/${'a'.repeat(2100)}`,
  ];

  it.each(attacks.map((a) => [JSON.stringify(a), a]))('refuses %s', (_name, rd) => {
    expect(rt.check(rd).ok).toBe(false);
  });

  it('has a table of more than 30 attack strings', () => {
    expect(attacks.length).toBeGreaterThan(30);
  });

  it('refuses everything when no return host is configured', () => {
    expect(new ReturnTo([]).check('https://grafana.example.com/').ok).toBe(false);
  });
});
