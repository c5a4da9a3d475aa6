import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, openSync } from 'node:fs';
import { buildFrame, configYaml, SHAPES, startIssuer } from './fixtures.js';
import { freePort } from './free-port.js';
const rate = Number(process.argv[2] ?? 5000);
const secs = Number(process.argv[3] ?? 10);
const server = process.argv[4] ?? 'stepgate';
const issuer = await startIssuer();
const shape = SHAPES.find((s) => s.name === 'kubectl get pods (dev)')!;
const frame = await buildFrame(issuer, shape, 0);
writeFileSync('/tmp/gcp/frame.grpc', frame.frame);
const port = await freePort();
writeFileSync('/tmp/gcp/cfg.yaml', configYaml(issuer.jwksUri, `127.0.0.1:${port}`));
const out = openSync(`/tmp/gcp/${server}-${rate}.log`, 'w');
const args = server === 'stepgate'
  ? ['--max-semi-space-size=32', '--trace-gc', '--trace-gc-ignore-scavenger', 'dist/cli.js', 'serve', '--config', '/tmp/gcp/cfg.yaml']
  : ['--trace-gc', '--trace-gc-ignore-scavenger', '--import', 'tsx', 'bench/noop-server.ts', `127.0.0.1:${port}`];
const p = spawn(process.execPath, args, { stdio: ['ignore', out, out], env: { ...process.env, STEPGATE_METRICS_LISTEN: 'off', OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'none' } });
await new Promise((r) => setTimeout(r, 6000));
const h = (n: number, r: number, log: string) => execFileSync('h2load', [`--rps=${(r / 4).toFixed(3)}`, `--requests=${n}`, '--clients=4', '--max-concurrent-streams=1000', '--threads=1', '--data=/tmp/gcp/frame.grpc', '--header=content-type: application/grpc', '--header=te: trailers', `--log-file=${log}`, `http://127.0.0.1:${port}/envoy.service.auth.v3.Authorization/Check`], { encoding: 'utf8' });
h(20000, 5000, '/tmp/gcp/warm.log');
execFileSync('rm', ['-f', `/tmp/gcp/lat-${server}.log`]);
console.log('--- measured ---');
writeFileSync(`/tmp/gcp/${server}-mark`, String(Date.now()));
h(rate * secs, rate, `/tmp/gcp/lat-${server}.log`);
p.kill('SIGTERM');
await issuer.close?.();
process.exit(0);
