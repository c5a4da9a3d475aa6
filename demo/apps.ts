import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml } from './idp-pages.js';

/**
 * The applications behind nginx in the demo: a small dashboard (`/` and an admin area `/admin`)
 * and a stand-in JSON API. Neither authenticates anyone: they show what stepgate told them, in
 * the identity headers nginx copied from the auth subrequest.
 */

export interface DemoApps {
  dashboardUrl: string;
  apiUrl: string;
  close(): Promise<void>;
}

/** Headers the apps display: stepgate's identity headers plus what says how the request came in. */
function identityHeaders(req: IncomingMessage): [string, string][] {
  return Object.entries(req.headers)
    .filter(([k]) => k.startsWith('x-stepgate-'))
    .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')] as [string, string])
    .sort(([a], [b]) => a.localeCompare(b));
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · demo dashboard</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #111827; background: #f9fafb; }
  header { background: #111827; color: #fff; padding: .75rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; }
  header a { color: #bfdbfe; }
  main { max-width: 48rem; margin: 2rem auto; padding: 0 1.5rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; border: 1px solid #d1d5db; padding: .4rem .6rem; font-family: ui-monospace, monospace; font-size: .9rem; }
  .admin { border-left: 6px solid #b91c1c; padding-left: 1rem; }
</style>
</head>
<body>
<header><strong>Demo dashboard</strong><nav><a href="/">Overview</a> · <a href="/admin">Admin area</a></nav></header>
<main>
${body}
</main>
</body>
</html>`;
}

/** Names only: cookie values are credentials and never belong on a page. */
function cookieNames(req: IncomingMessage): string {
  const names = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.split('=')[0]!.trim())
    .filter((n) => n !== '');
  return `<p>Cookies the app received (names): <span data-cookies>${escapeHtml(names.join(', '))}</span></p>`;
}

function identityTable(req: IncomingMessage): string {
  const rows = identityHeaders(req);
  if (rows.length === 0) return `<p>No identity headers were received.</p>\n${cookieNames(req)}`;
  return `<table aria-label="Identity headers from stepgate">
<thead><tr><th scope="col">Header</th><th scope="col">Value</th></tr></thead>
<tbody>
${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td data-header="${escapeHtml(k)}">${escapeHtml(v)}</td></tr>`).join('\n')}
</tbody>
</table>
${cookieNames(req)}`;
}

function dashboard(req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  if (path === '/') {
    send(
      200,
      page(
        'Overview',
        `<h1>Overview</h1>
<p>You reached the dashboard: stepgate allowed this request. These are the identity headers it sent along:</p>
${identityTable(req)}
<p>The <a href="/admin">admin area</a> asks for a second factor.</p>`,
      ),
    );
    return;
  }
  if (path === '/admin' || path?.startsWith('/admin/')) {
    send(
      200,
      page(
        'Admin area',
        `<section class="admin">
<h1>Admin area</h1>
<p>Only requests at the higher assurance level get here. Identity headers received:</p>
${identityTable(req)}
</section>`,
      ),
    );
    return;
  }
  send(404, page('Not found', '<h1>Not found</h1>'));
}

function api(req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '/').split('?')[0];
  const identity = Object.fromEntries(identityHeaders(req));
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  // Not under `/api/v1/`: there a core plural (`secrets`) is a Kubernetes API path, which stepgate
  // refuses on a host that is not in kubernetes.hosts (kubernetes_host_unlisted).
  if (path === '/api/namespaces') {
    json(200, { kind: 'NamespaceList', items: [{ name: 'default' }, { name: 'prod' }], identity });
    return;
  }
  if (path?.startsWith('/api/secrets')) {
    json(200, { kind: 'SecretList', items: [{ name: 'db-password', data: '(redacted in the demo)' }], identity });
    return;
  }
  json(404, { error: 'not found', path });
}

async function listen(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startDemoApps(opts: { dashboardPort?: number; apiPort?: number } = {}): Promise<DemoApps> {
  const d = createServer(dashboard);
  const a = createServer(api);
  const dashboardUrl = await listen(d, opts.dashboardPort ?? 0);
  const apiUrl = await listen(a, opts.apiPort ?? 0);
  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  return { dashboardUrl, apiUrl, close: async () => void (await Promise.all([close(d), close(a)])) };
}
