import { describe, expect, it } from 'vitest';
import { AdminCliError, runIncident, runRevoke } from '../../src/admin/cli.js';

/**
 * `stepgate incident` and `stepgate revoke` carry an admin token, which raises incidents and
 * revokes access on every replica (redteam40b): it never crosses the network in clear, never
 * follows a redirect elsewhere, and the server's words never rewrite the operator's terminal.
 */

type Call = { url: string; init: RequestInit | undefined };

function io(answer: () => Response) {
  const calls: Call[] = [];
  const out: string[] = [];
  return {
    calls,
    out,
    io: {
      out: (t: string) => out.push(t),
      env: {},
      fetch: (async (url: string | URL, init?: RequestInit) => {
        calls.push({ url: String(url), init });
        return answer();
      }) as typeof fetch,
    },
  };
}

async function refusal(p: Promise<number>): Promise<AdminCliError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AdminCliError) return err;
    throw err;
  }
  throw new Error('expected an AdminCliError');
}

describe('the admin CLI and its token', () => {
  // A name under .localhost is this machine to a browser, not to Node: getaddrinfo asks the
  // network's resolver for it (glibc without systemd's nss-myhostname, musl), which may answer
  // with any address, and the admin token went there in clear. Nor is 0.0.0.0 or an IPv4-mapped
  // loopback address what the runbook names.
  it.each(['http://auth.example.com', 'http://198.51.100.7', 'http://[2001:db8::1]', 'ftp://auth.example.com', 'http://auth.localhost', 'http://localhost.', 'http://0.0.0.0', 'http://[::ffff:127.0.0.1]'])('refuses --server %s before sending anything', async (server) => {
    const t = io(() => Response.json({ incidents: [] }));
    const err = await refusal(runIncident(['list', '--server', server, '--token', 'admin-token'], t.io));
    expect(err.exit).toBe(64);
    expect(err.message).toMatch(/--server must be https:\/\/|the admin token would cross the network in clear/);
    expect(t.calls).toEqual([]);
  });

  it.each(['https://auth.example.com', 'http://127.0.0.1', 'http://localhost', 'http://[::1]', 'http://127.0.0.2', 'http://127.1', 'https://auth.localhost'])('control: calls --server %s with the token', async (server) => {
    const t = io(() => Response.json({ incidents: [] }));
    expect(await runIncident(['list', '--server', server, '--token', 'admin-token'], t.io)).toBe(0);
    expect(t.calls).toHaveLength(1);
    expect((t.calls[0]!.init!.headers as Record<string, string>).authorization).toBe('Bearer admin-token');
  });

  it('never follows a redirect with the token: the answer is an error naming it', async () => {
    const t = io(() => new Response(null, { status: 307, headers: { location: 'https://collector.evil.example/' } }));
    const err = await refusal(runRevoke(['subject', 'frank@example.com', '--reason', 'laptop stolen', '--server', 'https://auth.example.com', '--token', 'admin-token'], t.io));
    expect(err.exit).toBe(69);
    expect(err.message).toMatch(/answered 307, a redirect, which is not followed/);
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]!.init!.redirect).toBe('manual');
  });

  it('the server\'s message is shown, never obeyed: escape sequences and line breaks come out as \\u{…}', async () => {
    const t = io(() => Response.json({ error: 'forbidden', code: 'admin_group', message: 'no\u001b[2J\u001b[Hstepgate: incident raised\nok\u009b8m' }, { status: 403 }));
    const err = await refusal(runIncident(['list', '--server', 'https://auth.example.com', '--token', 'admin-token'], t.io));
    expect(err.exit).toBe(77);
    expect(err.message).toBe('the server refused (403 admin_group): no\\u{1b}[2J\\u{1b}[Hstepgate: incident raised\\u{a}ok\\u{9b}8m');
  });
});

describe('stepgate revoke subject --keep-history', () => {
  const answer = (keep: boolean) => () =>
    Response.json({ revocation: { id: 'subject-1', kind: 'subject', subject: 'alice@example.com', at: Date.UTC(2026, 11, 7, 10), reason: 'x', by: {}, expires_at: 0, ...(keep ? { keep_history: true } : {}) } }, { status: 201 });
  const bodyOf = (c: Call) => JSON.parse(String(c.init!.body)) as Record<string, unknown>;
  const common = ['--server', 'https://auth.example.com', '--token', 'admin-token'];

  it('sends keep_history: true and says what was kept', async () => {
    const t = io(answer(true));
    expect(await runRevoke(['subject', 'alice@example.com', '--keep-history', '--reason', 'IdP session reset', ...common], t.io)).toBe(0);
    expect(bodyOf(t.calls[0]!)).toEqual({ kind: 'subject', subject: 'alice@example.com', reason: 'IdP session reset', keep_history: true });
    expect(t.out.join('')).toContain('; what was learnt of the subject is kept');
  });

  it('without it, sends no keep_history (the history is forgotten) and says nothing of keeping it', async () => {
    const t = io(answer(false));
    expect(await runRevoke(['subject', 'alice@example.com', '--reason', 'laptop stolen', ...common], t.io)).toBe(0);
    expect(bodyOf(t.calls[0]!)).not.toHaveProperty('keep_history');
    expect(t.out.join('')).not.toContain('kept');
  });

  it('is no option of revoke session', async () => {
    const t = io(answer(false));
    await expect(runRevoke(['session', 'sid-1', '--keep-history', '--reason', 'x', ...common], t.io)).rejects.toThrow();
    expect(t.calls).toEqual([]);
  });
});
