import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NGINX_BIN, nginxConfig, type NginxSiteOptions } from '../../demo/nginx.js';

export { freePort, nginxConfig, startNginx, type NginxSiteOptions, type RunningNginx } from '../../demo/nginx.js';

/** Runs `nginx -t` on the generated config: the real parser, not a string comparison. */
export async function checkNginxConfig(site: NginxSiteOptions): Promise<{ ok: boolean; output: string }> {
  if (!existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} not found: install the Debian package nginx`);
  const prefix = await mkdtemp(join(tmpdir(), 'stepgate-nginx-t-'));
  try {
    for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) await mkdir(join(prefix, d), { recursive: true });
    const conf = join(prefix, 'nginx.conf');
    await writeFile(conf, nginxConfig(prefix, site));
    try {
      const { stdout, stderr } = await promisify(execFile)(NGINX_BIN, ['-t', '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')]);
      return { ok: true, output: stdout + stderr };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return { ok: false, output: (err.stdout ?? '') + (err.stderr ?? '') };
    }
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
}
