import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askChallenge } from '../../src/credential/challenge.js';

/**
 * The plugin's question to /.stepgate/v1/challenge, refused: the user's terminal is told stepgate's
 * reason and sentence (an account outside its access window reads the window's message), with
 * controls escaped, not only the HTTP status.
 */

let server: Server;
let url = '';
let answer: { status: number; body: string } = { status: 200, body: '{"challenge":null}' };

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.stepgate/v1/challenge`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('askChallenge refused', () => {
  it("carries the reason and the window's message", async () => {
    answer = { status: 403, body: JSON.stringify({ reason: 'access_window_closed', message: 'the engagement ended at 01:00; ask the platform lead' }) };
    expect(await askChallenge(url, 'tok', undefined)).toEqual({ kind: 'error', message: 'stepgate refused (access_window_closed): the engagement ended at 01:00; ask the platform lead' });
  });

  it('escapes controls in the sentence and cuts it', async () => {
    answer = { status: 403, body: JSON.stringify({ reason: 'access_window_closed', message: `\u001b[2Jgone\n${'x'.repeat(400)}` }) };
    const a = await askChallenge(url, 'tok', undefined);
    expect(a.kind).toBe('error');
    const m = (a as { message: string }).message;
    expect(m.includes('\u001b') || m.includes('\n')).toBe(false);
    expect(m).toContain('\\u{1b}[2Jgone\\u{a}');
  });

  it('a body that is not stepgate\'s says the status alone', async () => {
    answer = { status: 403, body: '<html>nope</html>' };
    expect(await askChallenge(url, 'tok', undefined)).toEqual({ kind: 'error', message: 'stepgate answered HTTP 403' });
    answer = { status: 502, body: JSON.stringify({ reason: 'Not A Code!', message: 'x' }) };
    expect(await askChallenge(url, 'tok', undefined)).toEqual({ kind: 'error', message: 'stepgate answered HTTP 502' });
  });
});
