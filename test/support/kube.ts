import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Real parts for the kubectl tests: a CA and server certificate made with openssl, a small fake
 * kube-apiserver (discovery, pods, delete, exec over WebSocket) that records what reaches it, nginx with TLS in front
 * using stepgate's forward-auth recipe, and the real kubectl.
 */

export const KUBECTL = '/usr/bin/kubectl';
const NGINX = '/usr/sbin/nginx';
const run = promisify(execFile);

export interface Tls {
  caFile: string;
  certFile: string;
  keyFile: string;
  caPem: string;
}

/** A throwaway CA and a certificate for 127.0.0.1 signed by it. */
export async function makeTls(dir: string): Promise<Tls> {
  const p = (f: string) => join(dir, f);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '1', '-subj', '/CN=stepgate test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '1', '-extfile', p('ext.cnf')]);
  return { caFile: p('ca.crt'), certFile: p('server.crt'), keyFile: p('server.key'), caPem: await readFile(p('ca.crt'), 'utf8') };
}

export interface Recorded {
  method: string;
  url: string;
  authorization: boolean;
  /** Identity headers stepgate set for the upstream. */
  level: string | undefined;
  /** For an upgrade: the Upgrade header, and the subprotocol the fake server chose (if it accepted). */
  upgrade?: string;
  subprotocol?: string;
  /** The request's Content-Type, when it has a body (kubectl ≥ 1.32 creates with protobuf). */
  contentType?: string;
}

export interface FakeApiserver {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

const json = (body: unknown) => JSON.stringify(body);

/** RFC 6455 §1.3: the accept key is the SHA-1 of the client's key and this GUID, in base64. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The remote-command protocol client-go's WebSocket executor asks for (k8s.io/apimachinery pkg/util/remotecommand). */
export const EXEC_SUBPROTOCOL = 'v5.channel.k8s.io';
/** Channel numbers of the remote-command protocol: the first byte of every binary message. */
const CHANNEL_ERROR = 3;

/** One unmasked, unfragmented server frame (RFC 6455 §5.2); payloads here stay under 64 KiB. */
function wsFrame(opcode: number, payload: Buffer): Buffer {
  const head = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/**
 * Just enough of kube-apiserver's exec over WebSocket for `kubectl exec POD -- true`: accept the
 * upgrade with the v5 channel protocol, report on the error channel (3) a metav1.Status Success
 * (what the kubelet sends when the command exits 0; client-go's v4/v5 error decoder reads it as
 * "no error"), then a normal close (1000), which client-go turns into EOF on every stream. The
 * command is not run; nothing is written on stdout or stderr. Anything else (SPDY, another
 * subprotocol, a path that is not pods/exec) is refused with a Status, so a wrong turn is visible.
 */
function answerUpgrade(req: IncomingMessage, socket: Socket, record: Recorded): void {
  const path = (req.url ?? '/').split('?')[0]!;
  const refuse = (code: number, message: string) => {
    const body = json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `fake apiserver: ${message}`, code });
    socket.end(`HTTP/1.1 ${code} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  if (!/^\/api\/v1\/namespaces\/[a-z0-9-]+\/pods\/[a-z0-9-]+\/exec$/.test(path)) return refuse(404, `no upgrade at ${path}`);
  const key = req.headers['sec-websocket-key'];
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') return refuse(400, `only WebSocket exec is served, not ${req.headers.upgrade ?? 'no upgrade'}`);
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(EXEC_SUBPROTOCOL)) return refuse(400, `no ${EXEC_SUBPROTOCOL} among ${offered.join(', ')}`);
  record.subprotocol = EXEC_SUBPROTOCOL;
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${EXEC_SUBPROTOCOL}\r\n\r\n`);
  const status = Buffer.from(json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }));
  socket.write(wsFrame(0x2, Buffer.concat([Buffer.from([CHANNEL_ERROR]), status])));
  // Close code 1000 (normal closure), big-endian. The client's frames (its close reply, pings) are
  // read and dropped; the socket ends when the client closes its side.
  socket.end(wsFrame(0x8, Buffer.from([0x03, 0xe8])));
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
}

/** Discovery (legacy JSON, which kubectl falls back to), pods in any namespace, delete, and exec. */
export async function startFakeApiserver(): Promise<FakeApiserver> {
  const requests: Recorded[] = [];
  const record = (req: IncomingMessage): Recorded => {
    const r: Recorded = { method: req.method ?? '', url: req.url ?? '/', authorization: req.headers.authorization !== undefined, level: req.headers['x-stepgate-level'] as string | undefined };
    if (req.headers.upgrade !== undefined) r.upgrade = req.headers.upgrade;
    if (req.headers['content-type'] !== undefined) r.contentType = req.headers['content-type'];
    requests.push(r);
    return r;
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    const url = req.url ?? '/';
    record(req);
    const path = url.split('?')[0]!;
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(json(body));
    if (path === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' });
    if (path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') {
      const apps = { groupVersion: 'apps/v1', version: 'v1' };
      return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [apps], preferredVersion: apps }] });
    }
    if (path === '/apis/apps/v1') {
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: 'apps/v1',
        resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['create', 'delete', 'get', 'list'], shortNames: ['deploy'] }],
      });
    }
    if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
      // `kubectl auth can-i`: the fake server allows whatever is asked (it does not read the body).
      return send(201, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: {}, status: { allowed: true } });
    }
    const d = /^\/apis\/apps\/v1\/namespaces\/([a-z0-9-]+)\/deployments$/.exec(path);
    if (d && req.method === 'POST') {
      // The created object, whatever the body said (the fake server does not decode protobuf).
      return send(201, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: d[1], uid: 'uid-web', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { replicas: 1 } });
    }
    if (path === '/api/v1') {
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list', 'watch'], shortNames: ['po'] },
          { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
        ],
      });
    }
    const m = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods(?:\/([a-z0-9-]+))?$/.exec(path);
    if (m) {
      const [, ns, name] = m;
      const pod = (n: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: n, namespace: ns, uid: `uid-${n}`, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { containers: [{ name: 'web', image: 'nginx' }] }, status: { phase: 'Running' } });
      if (req.method === 'GET' && !name) return send(200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items: [pod('web-0')] });
      if (req.method === 'GET' && name) return send(200, pod(name));
      if (req.method === 'DELETE' && name) return send(200, { ...pod(name!), metadata: { ...pod(name!).metadata, deletionTimestamp: '2026-01-01T00:00:01Z' } });
    }
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `fake apiserver: no ${path}` });
  });
  // Upgraded sockets leave the server's bookkeeping (closeAllConnections does not see them).
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    answerUpgrade(req, socket, record(req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of upgraded) s.destroy();
      }),
  };
}

export interface KubeNginxOptions {
  port: number;
  tls: Tls;
  /** stepgate's forward-auth listener (`server.authz_http_listen`). */
  authzUrl: string;
  /** stepgate's public listener (`server.http_listen`): /.stepgate/, including the challenge endpoint. */
  stepgateUrl: string;
  apiserverUrl: string;
}

/**
 * The nginx recipe from docs/kubectl-stepup.md: auth_request to stepgate, and on a 401 or 403 the
 * Status body stepgate put in `x-stepgate-status-body` sent back with its WWW-Authenticate, so
 * kubectl prints stepgate's message instead of nginx's HTML page.
 */
export function kubeNginxConfig(prefix: string, o: KubeNginxOptions): string {
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log info;
events { worker_connections 256; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server_tokens off;

  server {
    listen 127.0.0.1:${o.port} ssl;
    ssl_certificate ${o.tls.certFile};
    ssl_certificate_key ${o.tls.keyFile};

    location = /.stepgate-auth {
      internal;
      proxy_pass ${o.authzUrl};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
      # Room for the denial body stepgate sends in a header.
      proxy_buffer_size 16k;
      proxy_busy_buffers_size 16k;
      proxy_buffers 4 16k;
    }

    location /.stepgate/ {
      proxy_pass ${o.stepgateUrl};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }

    location / {
      auth_request /.stepgate-auth;
      auth_request_set $sg_status_body $upstream_http_x_stepgate_status_body;
      # Its type: a Status (application/json), or text where kubectl reads the answer raw (discovery).
      auth_request_set $sg_content_type $upstream_http_content_type;
      # The message of a 401 kubectl reads raw, which it prints from this header only.
      auth_request_set $sg_warning $upstream_http_warning;
      # stepgate's status: nginx sets it before it turns a 400, 431 or 503 into its 500.
      auth_request_set $sg_status $upstream_status;
      auth_request_set $sg_level $upstream_http_x_stepgate_level;
      error_page 401 = @stepgate_401;
      error_page 403 = @stepgate_403;
      # nginx turns any other auth status (stepgate's 400, 431, 503) into a 500: send its Status with its status.
      error_page 500 = @stepgate_500;
      proxy_set_header x-stepgate-level $sg_level;
      proxy_set_header Authorization "";
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $http_connection;
      proxy_pass ${o.apiserverUrl};
    }

    location @stepgate_401 {
      default_type "";
      add_header Content-Type $sg_content_type always;
      add_header Warning $sg_warning always;
      add_header Cache-Control no-store always;
      return 401 $sg_status_body;
    }

    location @stepgate_500 {
      default_type "";
      add_header Content-Type $sg_content_type always;
      add_header Warning $sg_warning always;
      add_header Cache-Control no-store always;
      # No Status: stepgate did not answer (down, or a timeout): nginx's own 500.
      if ($sg_status_body = "") {
        return 500;
      }
      # The last status of the list nginx keeps when it tried more than one stepgate.
      if ($sg_status ~ "(^|[ ,])400$") {
        return 400 $sg_status_body;
      }
      if ($sg_status ~ "(^|[ ,])431$") {
        return 431 $sg_status_body;
      }
      if ($sg_status ~ "(^|[ ,])503$") {
        return 503 $sg_status_body;
      }
      return 500 $sg_status_body;
    }

    location @stepgate_403 {
      default_type "";
      add_header Content-Type $sg_content_type always;
      add_header Warning $sg_warning always;
      add_header Cache-Control no-store always;
      return 403 $sg_status_body;
    }
  }
}
`;
}

export interface RunningKubeNginx {
  url: string;
  config: string;
  errorLog(): Promise<string>;
  /** nginx's access log (combined format): what reached nginx and the status it answered. */
  accessLog(): Promise<string>;
  stop(): Promise<void>;
}

export async function startKubeNginx(prefix: string, o: KubeNginxOptions): Promise<RunningKubeNginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} not found: install the Debian package nginx`);
  for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) await mkdir(join(prefix, d), { recursive: true });
  const config = kubeNginxConfig(prefix, o);
  await writeFile(join(prefix, 'nginx.conf'), config);
  const child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => readFile(join(prefix, 'error.log'), 'utf8').catch(() => '');
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${await errorLog()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(o.port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx not listening: ${await errorLog()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `https://127.0.0.1:${o.port}`,
    config,
    errorLog,
    accessLog: () => readFile(join(prefix, 'access.log'), 'utf8').catch(() => ''),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await rm(join(prefix, 'tmp'), { recursive: true, force: true });
    },
  };
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl. `onStderr` sees stderr as it arrives (the device flow prints its code
 * there while kubectl waits).
 */
export function kubectl(args: string[], env: NodeJS.ProcessEnv, cwd: string, onStderr?: (text: string) => void, timeoutMs = 180_000): Promise<KubectlResult> {
  if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} not found: install kubectl (scripts/test.sh does)`);
  return new Promise((resolve) => {
    const child = spawn(KUBECTL, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
