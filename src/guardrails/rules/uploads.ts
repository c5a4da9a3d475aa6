import { PIECE_COST, type CommandWork } from './command-work.js';
import { RUNNERS } from './shell.js';
import { clusterEnv, codeStart, COMMAND_END, destinationHost, IN_CLUSTER_HOST, REDIRECTING_FLAG, stageOf, type CommandSetting, type ScriptPass, type Stage } from './commands.js';

/**
 * data_upload_outside: a container's command that uploads data (a file, a directory, its standard
 * input) to a destination the site has not listed in `guardrails.upload_hosts`. Training, ETL and
 * backup steps upload routinely, to the site's own object store, registry or tracker; a step that
 * ships the data set to any other host is the pipeline turned against its owner (day 43: `tar czf -
 * /mnt/datasets/… | curl --data-binary @- https://…`). Read from the scripts commands.ts reads for
 * container_command_egress (the same shell reader, the same stages, the same address reading), so
 * every place a command is read (pods, workloads, Jobs, pipeline steps, ConfigMap scripts a pod runs)
 * reads this too.
 *
 * A destination is a host (an upload's URL, an scp or rsync remote, a socket's peer, azcopy's
 * account host, `--endpoint-url`), or a bucket with no host in the command (`s3://bucket` for the
 * aws CLI without an endpoint, `gs://bucket` for gsutil and gcloud, `rclone://remote` for an rclone
 * remote, whose host is in rclone's own configuration). A Service in the cluster (`….svc`,
 * `kubernetes.default`) is the cluster's own and needs no entry. A destination the command does not
 * show (`$UPLOAD_URL` set by a Secret, code with no URL) is unknown, and unknown is not on the list.
 * Any other program is read for its output flags (argumentUpload: `--out s3://…`, `--dest https://…`).
 * Since session 50 the MinIO client (mcUpload: an alias by the URL the script gives it, else
 * `mc://alias`) and object store SDK calls in the code a command shows (sdkUploads: boto3, google-cloud-storage).
 */
export type UploadAllowed = (destination: string) => boolean;

/** What an upload outside the list was made with: the detail names the tool, never the address (the body's). */
export type UploadFound = 'curl' | 'wget' | 'aws_s3' | 'gsutil' | 'azcopy' | 'rclone' | 'mc' | 'sdk' | 'scp' | 'rsync' | 'sftp' | 'ssh' | 'socket' | 'code' | 'argument' | 'unread';

const UPLOAD_TEXT: Readonly<Record<UploadFound, string>> = {
  curl: 'uploads data with curl (a file or its input as the body)',
  wget: 'uploads a file with wget (--post-file, --body-file)',
  aws_s3: 'uploads to S3 with the aws CLI',
  gsutil: 'uploads to Cloud Storage (gsutil, gcloud storage)',
  azcopy: 'uploads with azcopy',
  rclone: 'uploads with rclone to a remote',
  mc: 'uploads with the MinIO client (mc)',
  sdk: "uploads with an object store SDK's call (boto3, google-cloud-storage)",
  scp: 'copies files with scp',
  rsync: 'copies files with rsync',
  sftp: 'transfers files with sftp',
  ssh: 'pipes data through ssh',
  socket: 'sends data through a socket (nc, socat, /dev/tcp)',
  code: "sends data with an interpreter's HTTP client",
  argument: 'writes its output (an --out, --output, --dest or --upload argument)',
  // The budget ran out before every upload was read (command-work.ts): one not read may be outside.
  unread: 'is more than one request\'s commands are read for uploads (the command-reading budget), and may upload',
};

/** The detail's words for an upload (`… uploads data with curl … to a destination not in guardrails.upload_hosts`). */
export function uploadText(found: UploadFound): string {
  return `${UPLOAD_TEXT[found]} to a destination not in guardrails.upload_hosts`;
}

/**
 * The pass commands.ts readCommand runs over a command's scripts for data_upload_outside, with the
 * site's list; undefined (no pass, nothing read) when the list is empty.
 */
export function uploadsOutside(allowed: UploadAllowed | undefined): ScriptPass | undefined {
  if (allowed === undefined) return undefined;
  return (scripts, words, setting, work) => {
    const found = uploadOutside(scripts, words, setting, allowed, work);
    return found === undefined ? undefined : uploadText(found);
  };
}

/** The unknown destination: no entry matches it. */
const UNKNOWN = '';

/**
 * The first upload in `scripts` (commands.ts readScripts: the words, the source, the shell reader's
 * text) whose destination is neither listed nor a Service of the cluster; undefined when none is.
 */
export function uploadOutside(scripts: readonly string[], words: readonly string[], setting: CommandSetting, allowed: UploadAllowed, work: CommandWork): UploadFound | undefined {
  for (const script of scripts) {
    const found = scriptUpload(script, setting, allowed, work);
    if (found !== undefined) return found;
  }
  // An interpreter's code as a word of its own (`["python3", "-c", "…requests.post(…)"]`).
  if (words.length === 0) return undefined;
  const line = words.join(' ');
  if (!work.take(line.length)) return 'unread';
  return codeUploads(line, setting, allowed) ? 'code' : undefined;
}

function scriptUpload(script: string, setting: CommandSetting, allowed: UploadAllowed, work: CommandWork): UploadFound | undefined {
  // Paid as scriptShape pays its pass: the whole-script tests, then each segment and stage.
  if (!work.take(2 * script.length)) return 'unread';
  // A script that points names elsewhere (/etc/hosts, a resolver, a curlrc) may send a listed
  // name anywhere: no destination of it is known.
  // An env name set from a ConfigMap or Secret (`valueFrom`) is set as surely as a literal one:
  // `AWS_ENDPOINT_URL` from a Secret sends the listed bucket's name to its host (issue #12).
  const names = [...setting.env.keys(), ...(setting.unshown ?? [])];
  const redirected = setting.namesRedirected || NAMES_REDIRECTED.test(script) || names.some((k) => REDIRECTING_ENV.test(k));
  const env = setting.env;
  const ok = (dest: string): boolean => !redirected && dest !== UNKNOWN && (allowed(dest) || (!dest.includes('://') && IN_CLUSTER_HOST.test(dest)));
  let aliases: McAliases | undefined;
  const mcAliases = () => (aliases ??= mcAliasesOf(script, env));
  for (const segment of script.split(COMMAND_END)) {
    const parts = segment.split('|');
    if (!work.take(segment.length + PIECE_COST * parts.length)) return 'unread';
    const stages = parts.map(stageOf);
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i]!;
      if (s.program === '') continue;
      const upload = endpointMoved(stageUpload(s, i > 0, env, mcAliases) ?? argumentUpload(s, env), s, script, names);
      if (upload === undefined) continue;
      if (upload.destinations.length === 0 || !upload.destinations.every(ok)) return upload.tool;
    }
  }
  const sdk = sdkUploads(script, env);
  if (sdk !== undefined && (sdk.length === 0 || !sdk.every(ok))) return 'sdk';
  return codeUploads(script, setting, allowed) ? 'code' : undefined;
}

/**
 * A bucket destination (`s3://b`, `gs://b`, `rclone://r`) names the site's bucket only while the
 * tool sends it to the endpoint its configuration gives: an endpoint set in the env (the container's,
 * an assignment, an `export`: `AWS_ENDPOINT_URL_S3`, `CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE`,
 * `RCLONE_CONFIG_<REMOTE>_ENDPOINT`), a config file the script points at or writes (`AWS_CONFIG_FILE`,
 * `aws configure set`, `BOTO_CONFIG`, `rclone config create`, `rclone --config` of a file the script
 * writes), a flag (`gsutil -o Credentials:gs_json_host=…`, `rclone --s3-endpoint …`) or an rclone
 * connection string (`minio,endpoint=…:b`) sends the listed bucket's name to any host: unknown.
 */
function endpointMoved(upload: Upload | undefined, s: Stage, script: string, keys: readonly string[]): Upload | undefined {
  // mc's aliases are read where they are defined (mcAliasesOf): what moves them is read there.
  if (upload === undefined || upload.tool === 'mc' || !upload.destinations.some((d) => /^(?:s3|gs|rclone):\/\//.test(d))) return upload;
  const w = toolOf(s).words;
  const awsMoved = () => keys.some((k) => AWS_ENDPOINT_ENV.test(k)) || AWS_ENDPOINT_SCRIPT.test(script);
  const gcsMoved = () => keys.some((k) => GCS_ENDPOINT_ENV.test(k)) || GCS_ENDPOINT_SCRIPT.test(script);
  let moved: boolean;
  // A program's own SDK (boto3, google-cloud-storage) reads the same endpoint settings as the CLIs.
  if (upload.tool === 'argument') moved = (upload.destinations.some((d) => d.startsWith('s3://')) && awsMoved()) || (upload.destinations.some((d) => d.startsWith('gs://')) && gcsMoved());
  else if (upload.tool === 'aws_s3') moved = awsMoved();
  else if (upload.tool === 'gsutil') moved = keys.some((k) => GCS_ENDPOINT_ENV.test(k)) || GCS_ENDPOINT_SCRIPT.test(script) || w.some((x, i) => (x === '-o' && /host|port/i.test(w[i + 1] ?? '')) || /^-o.*(?:host|port)/i.test(x));
  else moved = keys.some((k) => RCLONE_ENDPOINT_ENV.test(k)) || RCLONE_ENDPOINT_SCRIPT.test(script) || w.some((x) => RCLONE_ENDPOINT_FLAG.test(x)) || rcloneConfigWritten(w, script);
  return moved ? { tool: upload.tool, destinations: [UNKNOWN] } : upload;
}

/** rclone's `--config FILE` (or `RCLONE_CONFIG=FILE`) of a file the script itself writes (`> FILE`, `tee FILE`, `cp … FILE`). */
function rcloneConfigWritten(w: readonly string[], script: string): boolean {
  const file = flagValue(w, '--config') ?? /\bRCLONE_CONFIG=(\S+)/.exec(script)?.[1];
  if (file === undefined || file === '') return false;
  for (let at = script.indexOf(file); at >= 0; at = script.indexOf(file, at + 1)) {
    if (WRITES_FILE.test(script.slice(Math.max(0, at - 80), at))) return true;
  }
  return false;
}

/** What the text just before a path says when the path is written: a redirection, tee, or a copy's last operand. */
const WRITES_FILE = /(?:>|\btee(?:\s+-a)?|\b(?:cp|mv|ln|install)(?:\s+-\S+)*\s+\S+)\s*['"]?$/;

const AWS_ENDPOINT_ENV = /^(?:AWS_ENDPOINT_URL\w*|AWS_CONFIG_FILE|S3_ENDPOINT_URL)$/i;
const AWS_ENDPOINT_SCRIPT = /\bAWS_ENDPOINT_URL\w*\s*=|\bAWS_CONFIG_FILE\s*=|\bS3_ENDPOINT_URL\s*=|\baws\s+configure\s+set\b|\.aws\/config\b/i;
const GCS_ENDPOINT_ENV = /^(?:BOTO_CONFIG|BOTO_PATH|CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE|CLOUDSDK_CONFIG|CLOUDSDK_STORAGE_\w*)$/i;
const GCS_ENDPOINT_SCRIPT = /\b(?:BOTO_CONFIG|BOTO_PATH|CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE|CLOUDSDK_CONFIG)\s*=|\bapi_endpoint_overrides\b|\.boto\b/i;
const RCLONE_ENDPOINT_ENV = /^RCLONE_CONFIG_\w+$|^RCLONE_\w*_(?:ENDPOINT|URL|HOST|SERVER|REGION)$/i;
const RCLONE_ENDPOINT_SCRIPT = /\bRCLONE_CONFIG_\w+\s*=|\bRCLONE_\w*_(?:ENDPOINT|URL|HOST|SERVER|REGION)\s*=|\brclone\s+config\s+(?:create|update|set|paste|edit|file)?\b/i;
const RCLONE_ENDPOINT_FLAG = /^--[\w-]+-(?:endpoint|url|host|server|region)(?:=|$)/;

/** A stage that uploads, with where to; undefined when it uploads nothing (a download, a listing, a local copy). */
interface Upload {
  readonly tool: UploadFound;
  readonly destinations: readonly string[];
}

/** The programs stageUpload reads, by name: found behind a runner (`timeout 600 curl …`, `xargs -I{} scp {} h:`) too. */
const UPLOAD_TOOLS: ReadonlySet<string> = new Set(['curl', 'wget', 'aws', 's5cmd', 'gsutil', 'gcloud', 'azcopy', 'rclone', 'mc', 'mcli', 'scp', 'rsync', 'sftp', 'ssh', 'nc', 'ncat', 'netcat', 'socat', 'telnet']);

/**
 * The stage as its tool: commands.ts stageOf looks past a runner only for an interpreter, so `timeout
 * 600 curl -T …` or `torsocks curl …` is re-pointed at the tool among the runner's words.
 */
function toolOf(s: Stage): Stage {
  if (!RUNNERS.has(s.program)) return s;
  const at = s.words.findIndex((w, i) => i > 0 && UPLOAD_TOOLS.has(w.slice(w.lastIndexOf('/') + 1)));
  if (at < 0) return s;
  const w = s.words[at]!;
  return { ...s, program: w.slice(w.lastIndexOf('/') + 1), words: s.words.slice(at) };
}

function stageUpload(stage: Stage, piped: boolean, env: ReadonlyMap<string, string>, mcAliases: () => McAliases): Upload | undefined {
  const s = toolOf(stage);
  const p = s.program;
  const w = s.words;
  const input = piped || w.some((x) => /^0?<[^<(]?/.test(x) && !x.startsWith('<<'));
  if (p === 'curl') return curlBody(w) ? { tool: 'curl', destinations: urlHosts(w, env, CURL_VALUE_FLAGS) } : undefined;
  if (p === 'wget') return w.some((x) => /^--(?:post|body)-file(?:=|$)/.test(x)) ? { tool: 'wget', destinations: urlHosts(w, env, WGET_VALUE_FLAGS) } : undefined;
  if (p === 'aws') return awsUpload(w, env);
  if (p === 's5cmd') return s5cmdUpload(w, env);
  if (p === 'gsutil' || (p === 'gcloud' && w[1] === 'storage')) return bucketCopy(w, p === 'gsutil' ? 1 : 2, 'gs://', 'gsutil', GSUTIL_VALUE_FLAGS);
  if (p === 'azcopy') {
    if (!['copy', 'cp', 'sync'].includes(w[1] ?? '')) return undefined;
    const dest = lastOperand(w.slice(2), AZCOPY_VALUE_FLAGS);
    if (dest === undefined || !/^https?:\/\//i.test(dest)) return undefined;
    return { tool: 'azcopy', destinations: [hostOf(dest, env)] };
  }
  if (p === 'rclone') return rcloneUpload(w);
  if (p === 'mc' || p === 'mcli') return mcUpload(w, mcAliases);
  if (p === 'scp' || p === 'rsync') {
    const dest = lastOperand(w.slice(1), p === 'scp' ? SCP_VALUE_FLAGS : RSYNC_VALUE_FLAGS);
    const host = dest === undefined ? undefined : remoteHost(dest, env);
    return host === undefined ? undefined : { tool: p, destinations: [host] };
  }
  if (p === 'sftp') {
    // Its direction is in its batch (`put`, `get`), which the command does not show: a transfer to a host.
    const target = firstOperand(w.slice(1), SFTP_VALUE_FLAGS);
    return target === undefined ? undefined : { tool: 'sftp', destinations: [remoteHost(target.includes(':') ? target : `${target}:`, env) ?? UNKNOWN] };
  }
  if (p === 'ssh') {
    if (!input) return undefined;
    const target = firstOperand(w.slice(1), SSH_VALUE_FLAGS);
    return target === undefined ? undefined : { tool: 'ssh', destinations: [remoteHost(`${target}:`, env) ?? UNKNOWN] };
  }
  const tcp = /\/dev\/(?:tcp|udp)\/([^/\s]+)\//.exec(s.text);
  if (tcp !== null && /[0-9&]?>/.test(s.text)) return { tool: 'socket', destinations: [normalHost(tcp[1]!, env)] };
  if (SOCKET_CLIENTS.has(p) && input) {
    if (w.some((x) => /^-[a-zA-Z]*l[a-zA-Z]*$|^--listen$/.test(x))) return undefined;
    if (p === 'socat') {
      const peer = w.map((x) => SOCAT_PEER.exec(x)).find((m) => m !== null);
      return { tool: 'socket', destinations: [peer ? normalHost(peer[1]!, env) : UNKNOWN] };
    }
    const host = firstOperand(w.slice(1), NC_VALUE_FLAGS);
    return { tool: 'socket', destinations: [host === undefined ? UNKNOWN : normalHost(host, env)] };
  }
  return undefined;
}

/**
 * A program the reader does not know (the site's own exporter, a training or backup script, an
 * image's entrypoint given only `args`) told where to write by an output flag: `--out s3://b/…`,
 * `--output-uri=gs://b/…`, `--dest https://h/…`, `--upload-url …`, `--export-bucket s3://…`. The
 * flag's name says the direction (a flag named for an input, `--data s3://…`, `--from`, is a read,
 * and a positional operand says none); its value is a destination only when it is an address: a
 * bucket (`s3://`, Hadoop's `s3a://`, `gs://`) as `s3://bucket`, `gs://bucket`, or another scheme's
 * host (`https://h/…`, `abfss://c@account.dfs.core.windows.net/…`, `hdfs://nn:8020/…`). A value that
 * is no address (`--output json`, `--out /data/run`, `file:///…`) or a variable the manifest does
 * not set (`--out $(OUT)` from a Secret) is not read: nothing shows it leaves the pod (day 44: the
 * FHIR export Job made by hand, `--out s3://look-alike/daily`, in the shape of the morning's run).
 */
function argumentUpload(s: Stage, env: ReadonlyMap<string, string>): Upload | undefined {
  if (UPLOAD_TOOLS.has(toolOf(s).program)) return undefined;
  const w = s.words;
  let destinations: string[] | undefined;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (x.charCodeAt(0) !== 45 /* - */) continue;
    const eq = x.indexOf('=');
    if (!isOutputFlag(eq < 0 ? x : x.slice(0, eq))) continue;
    const value = eq < 0 ? w[i + 1] : x.slice(eq + 1);
    const dest = value === undefined ? undefined : outputDestination(value, env);
    if (dest !== undefined) (destinations ??= []).push(dest);
  }
  return destinations === undefined ? undefined : { tool: 'argument', destinations };
}

/**
 * A flag named for where output goes (`--out`, `--output-uri`, `--dest`, `--upload-to`,
 * `--model-export-path`): one or two dashes, then words of letters and digits joined by `-` or
 * `_`, one of them OUTPUT_WORDS. Read by splitting, not by one regex: a regex with a repeated group
 * before and after the keyword backtracks for seconds on a crafted 40 kB word (`--out-out-…-!`).
 */
function isOutputFlag(flag: string): boolean {
  // `-o` is the output file of most programs that take one (`-o s3://b/x`); its value is read only
  // when it is an address, so kubectl's `-o json` and a compiler's `-o /out/bin` stay unread.
  if (flag === '-o') return true;
  const name = flag.startsWith('--') ? flag.slice(2) : flag.slice(1);
  if (name === '' || name.length > MAX_FLAG_NAME) return false;
  let output = false;
  // camelCase is words too (`--outputDir`, `--exportBucket`: Node and Java programs' flags).
  for (const part of name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().split(/[-_]/)) {
    if (!/^[a-z0-9]+$/.test(part)) return false;
    // A flag naming where a program is deployed or logs in (Argo CD's `--dest-server`,
    // `--dest-namespace`, skopeo's `--dest-creds`) names a cluster or a login, not where its output goes.
    if (TARGET_WORDS.has(part)) return false;
    if (OUTPUT_WORDS.has(part) || joinedOutputWord(part)) output = true;
  }
  return output;
}

/** One word made of an output word and what it names (`outdir`, `outfile`, `outputpath`, `uploadurl`). */
function joinedOutputWord(part: string): boolean {
  for (const w of JOINABLE_OUTPUT_WORDS) if (part.startsWith(w) && OUTPUT_PLACE_WORDS.has(part.slice(w.length))) return true;
  return false;
}

const OUTPUT_WORDS: ReadonlySet<string> = new Set(['out', 'output', 'outputs', 'dest', 'destination', 'dst', 'sink', 'upload', 'export']);
const JOINABLE_OUTPUT_WORDS: readonly string[] = ['output', 'out', 'destination', 'dest', 'upload', 'export'];
const OUTPUT_PLACE_WORDS: ReadonlySet<string> = new Set(['dir', 'path', 'uri', 'url', 'file', 'bucket', 'location', 'prefix', 'folder', 'root', 'base']);
const TARGET_WORDS: ReadonlySet<string> = new Set(['server', 'cluster', 'namespace', 'context', 'creds', 'credentials']);
/** Longer than any real program's flag name (`--model-artifact-export-destination-uri` is 38). */
const MAX_FLAG_NAME = 64;

/** The destination an output flag's value names (argumentUpload), or undefined when it names no address. */
function outputDestination(value: string, env: ReadonlyMap<string, string>): string | undefined {
  // `$(OUT)` the kubelet expanded already (commands.ts kubeletExpand); `$OUT` from the env here.
  const v = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?(.*)$/.exec(value);
  const word = v === null ? value : env.has(v[1]!) ? env.get(v[1]!)! + v[2]! : undefined;
  if (word === undefined) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(word)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return undefined;
  const bucketScheme = scheme === 's3' || scheme === 's3a' || scheme === 's3n' ? 's3://' : scheme === 'gs' ? 'gs://' : undefined;
  if (bucketScheme === undefined) return hostOf(word, env);
  const bucket = word.slice(scheme.length + 3).split('/')[0]!;
  return bucket === '' || bucket.includes('$') ? UNKNOWN : `${bucketScheme}${bucket.toLowerCase()}`;
}

/**
 * A curl that sends a file or its input as the body: `-T`/`--upload-file`, a data flag given `@file`
 * or `@-` (`-d`, `--data-binary`, `--data-urlencode name@file`, `--json`), a form field `=@file` or
 * `=<file`. A literal body (`-d '{"run": 1}'`) is a call, not data shipped; `-X PUT` alone sends nothing.
 */
function curlBody(w: readonly string[]): boolean {
  for (let i = 1; i < w.length; i++) {
    const x = w[i]!;
    if (x === '--upload-file' || x.startsWith('--upload-file=')) return true;
    const long = /^--(data(?:-binary|-ascii|-urlencode)?|json|form)(?:=(.*))?$/.exec(x);
    if (long !== null) {
      if (bodyValue(long[1]!, long[2] ?? w[i + 1] ?? '')) return true;
      continue;
    }
    // Short flags, clustered (`-sST file`, `-sSd@-`): the last of a cluster takes the value.
    const short = /^-([a-zA-Z]+)(.*)$/.exec(x);
    if (short === null || x.startsWith('--')) continue;
    const letters = short[1]!;
    for (let k = 0; k < letters.length; k++) {
      const c = letters[k]!;
      if (c === 'T') return true;
      if (c === 'd' || c === 'F') {
        const rest = letters.slice(k + 1) + short[2]!;
        if (bodyValue(c === 'd' ? 'data' : 'form', rest !== '' ? rest : (w[i + 1] ?? ''))) return true;
        break;
      }
      if (CURL_SHORT_VALUE.has(c)) break;
    }
  }
  return false;
}

function bodyValue(flag: string, value: string): boolean {
  if (flag === 'form') return /=[@<]/.test(value);
  if (flag === 'data-urlencode') return /^[^=]*@/.test(value);
  return value.startsWith('@');
}

/** curl's short options that take a value (the value may follow in the same word). */
const CURL_SHORT_VALUE = new Set([...'AbcCdeEFhHKmoPQrtTuUwxXYyz']);

/**
 * The hosts of a downloader's address words (commands.ts destinationHost), skipping the values of
 * its flags (a header's `Bearer a.b.c` is not a host); unknown when it connects elsewhere than its
 * URL says (`--resolve`, `--connect-to`, a config file) or shows no address.
 */
function urlHosts(w: readonly string[], env: ReadonlyMap<string, string>, valueFlags: ReadonlySet<string>): string[] {
  if (w.some((x) => REDIRECTING_FLAG.test(x) && !/^-[a-zA-Z]*[xK]/.test(x) && !/^--(?:pre)?proxy/.test(x))) return [UNKNOWN];
  const hosts: string[] = [];
  for (let i = 1; i < w.length; i++) {
    const x = w[i]!;
    if (valueFlags.has(x)) {
      i++;
      continue;
    }
    const url = /^--url=(.*)$/.exec(x);
    const word = (url ? url[1]! : x).replace(/\)+$/, '');
    const host = destinationHost(word, env);
    // A word without a scheme is curl's URL only if it reads as a host: its last label a top-level
    // domain's letters, or an IPv4 address (a header's token, split from its header by the quotes
    // the reader drops, `Bearer eyJ….eyJ….Sfl_K`, is not).
    if (host === undefined || (!/^[a-z][a-z0-9+.-]*:\/\/|^\$/i.test(word) && !BARE_HOST.test(host))) continue;
    hosts.push(storeDestination(word, normalHost(host, env), env));
  }
  return hosts.length === 0 ? [UNKNOWN] : hosts;
}

const BARE_HOST = /(?:^|\.)[A-Za-z]{2,63}$|^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$|^localhost$/;

const CURL_VALUE_FLAGS: ReadonlySet<string> = new Set(['-H', '--header', '-u', '--user', '-A', '--user-agent', '-e', '--referer', '-b', '--cookie', '-c', '--cookie-jar', '-o', '--output', '-X', '--request', '-w', '--write-out', '-m', '--max-time', '--connect-timeout', '--retry', '--retry-delay', '--retry-max-time', '--cacert', '--capath', '--cert', '-E', '--key', '--oauth2-bearer', '--aws-sigv4', '-d', '--data', '--data-binary', '--data-raw', '--data-ascii', '--data-urlencode', '-F', '--form', '--form-string', '--json', '-T', '--upload-file', '-r', '--range', '-Y', '-y', '--limit-rate', '--max-filesize', '-D', '--dump-header', '--trace', '--trace-ascii', '--stderr', '-K', '--config']);
const WGET_VALUE_FLAGS: ReadonlySet<string> = new Set(['--header', '-O', '--output-document', '-o', '--output-file', '--post-file', '--body-file', '--post-data', '--body-data', '--method', '-U', '--user-agent', '--user', '--password', '-T', '--timeout', '-t', '--tries', '--ca-certificate', '--certificate', '--private-key']);

/** The host of a URL or address word, lower-cased, without a trailing dot or IPv6 brackets; unknown for a `$VAR` not set in the manifest. */
function hostOf(word: string, env: ReadonlyMap<string, string>): string {
  const host = destinationHost(word, env);
  return host === undefined ? UNKNOWN : normalHost(host, env);
}

function normalHost(host: string, env: ReadonlyMap<string, string>): string {
  if (host === '$KUBERNETES_SERVICE_HOST' && !env.has('KUBERNETES_SERVICE_HOST')) return host;
  if (host.startsWith('$') || host.includes('$(') || host.includes('`')) return UNKNOWN;
  return host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/**
 * `aws s3 cp|mv|sync … s3://bucket/…` (the last operand is where it goes: `aws s3 cp s3://b/k /tmp`
 * is a download) and `aws s3api put-object --bucket b`: the bucket as `s3://bucket`, or with
 * `--endpoint-url` (MinIO, another cloud's S3) that endpoint's host.
 */
function awsUpload(w: readonly string[], env: ReadonlyMap<string, string>): Upload | undefined {
  const at = w.findIndex((x) => x === 's3' || x === 's3api');
  if (at < 0) return undefined;
  const endpoint = flagValue(w, '--endpoint-url');
  let bucket: string | undefined;
  if (w[at] === 's3') {
    if (!['cp', 'mv', 'sync'].includes(w[at + 1] ?? '')) return undefined;
    const dest = lastOperand(w.slice(at + 2), AWS_VALUE_FLAGS);
    if (dest === undefined || !/^s3:\/\//i.test(dest)) return undefined;
    bucket = dest.slice(5).split('/')[0]!;
  } else {
    if (!['put-object', 'upload-part', 'create-multipart-upload'].includes(w[at + 1] ?? '')) return undefined;
    bucket = flagValue(w, '--bucket') ?? '';
  }
  return { tool: 'aws_s3', destinations: [s3Destination(bucket, endpoint, env)] };
}

/**
 * Where a URL or address another program is configured with sends to (a telemetry agent's remote
 * write or exporter endpoint, rules/telemetry.ts): its host, or for a shared object store the bucket
 * it names, as a command's URL is read; unknown ('') when it cannot be read.
 */
export function urlDestination(url: string): string {
  return storeDestination(url, hostOf(url, NO_VALUES), NO_VALUES);
}

/** Where an S3 client configured with `bucket` and perhaps an endpoint writes (s3Destination), for a configuration's fields. */
export function bucketWrite(bucket: string, endpoint: string | undefined): string {
  return s3Destination(bucket.toLowerCase(), endpoint, NO_VALUES);
}

const NO_VALUES: ReadonlyMap<string, string> = new Map();

/**
 * Where an S3 client's write of `bucket` goes: `s3://bucket` on AWS; with an endpoint, that
 * endpoint's host, unless it is a shared store's (S3's own, Cloud Storage's S3-compatible one),
 * which reaches any bucket there: then the bucket is the destination.
 */
function s3Destination(bucket: string, endpoint: string | undefined, env: ReadonlyMap<string, string>): string {
  const named = (scheme: string) => (bucket === '' || bucket.includes('$') ? UNKNOWN : `${scheme}${bucket}`);
  if (endpoint === undefined) return named('s3://');
  const host = hostOf(endpoint, env);
  const store = sharedStore(host);
  return store === undefined || store.bucket !== '' ? host : named(store.scheme);
}

/**
 * A shared object store's endpoint: S3's (`s3.amazonaws.com`, `s3.<region>.amazonaws.com`,
 * `s3-<region>…`, dualstack and FIPS forms, `.amazonaws.com.cn`) and Cloud Storage's
 * (`storage.googleapis.com`). Every customer's buckets sit behind the same host, so the host says
 * nothing of whose data it takes: a presigned `curl -T https://s3.eu-central-1.amazonaws.com/
 * attackers-bucket/x?X-Amz-…` reached any bucket while the site listed the host for its own
 * (review49). Its `bucket` is the virtual-hosted style's (`b.s3.…`, `b.storage.googleapis.com`),
 * '' for the path style (the bucket is the first path segment). An S3 access point's or website's
 * host is not one of these: it names one account's endpoint, judged as a host.
 */
function sharedStore(host: string): { scheme: 's3://' | 'gs://'; bucket: string } | undefined {
  const s3 = S3_HOST.exec(host);
  if (s3 !== null) return { scheme: 's3://', bucket: s3[1] ?? '' };
  const gcs = GCS_HOST.exec(host);
  if (gcs !== null) return { scheme: 'gs://', bucket: gcs[1] ?? '' };
  return undefined;
}

const S3_HOST = /^(?:(.+)\.)?s3(?:[.-](?:dualstack|fips|external-1|[a-z]{2}(?:-[a-z]+)+-\d))*\.amazonaws\.com(?:\.cn)?$/;
const GCS_HOST = /^(?:(.+)\.)?storage\.googleapis\.com$/;
/** Cloud Storage's JSON API paths, which name the bucket after `/b/` (on storage.googleapis.com and www.googleapis.com). */
const GCS_JSON_PATH = /^\/(?:upload\/)?storage\/v1\/b\/([^/?#]*)/;
/** A bucket name either store accepts (lower case, digits, `.`, `-`, `_` for Cloud Storage); anything else, an escape or a variable among them, is not read. */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * The destination a URL word sends to: for a shared object store (sharedStore), the bucket it names
 * as `s3://bucket` or `gs://bucket`, judged against the site's bucket entries as the aws CLI's and
 * gsutil's uploads are (unknown when the URL does not show one that reads as a bucket); any other
 * host as itself. `host` is the word's (hostOf).
 */
function storeDestination(word: string, host: string, env: ReadonlyMap<string, string>): string {
  if (host === UNKNOWN) return host;
  const store = sharedStore(host);
  const googleApis = host === 'www.googleapis.com';
  if (store === undefined && !googleApis) return host;
  if (store !== undefined && store.bucket !== '') return bucketDestination(store.scheme, store.bucket);
  const path = pathOf(word, env);
  // curl and the HTTP clients squash dot segments (`/helixa-models/../theirs/x` is `/theirs/x`).
  if (path === undefined || DOT_SEGMENT.test(path)) return UNKNOWN;
  const api = store === undefined || store.scheme === 'gs://' ? GCS_JSON_PATH.exec(path) : null;
  if (api !== null) return bucketDestination('gs://', api[1]!);
  if (store === undefined) return host;
  return bucketDestination(store.scheme, /^\/([^/?#]*)/.exec(path)?.[1] ?? '');
}

const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:[/?#]|$)|%2e|\\/i;

/** A bucket a URL's path names, or unknown: an upper-case name is a distinct (legacy) bucket on S3's path style, not the listed one. */
function bucketDestination(scheme: string, bucket: string): string {
  return BUCKET.test(bucket) ? `${scheme}${bucket}` : UNKNOWN;
}

/** A URL word's path (from the `/` after its host), its leading `$VAR` read through `env`; undefined when that is not set. */
function pathOf(word: string, env: ReadonlyMap<string, string>): string | undefined {
  let w = word;
  const v = /^\$(?:\{([A-Za-z_]\w*)\}|\(([A-Za-z_]\w*)\)|([A-Za-z_]\w*))(.*)$/.exec(w);
  if (v !== null) {
    const value = env.get((v[1] ?? v[2] ?? v[3])!);
    if (value === undefined) return undefined;
    w = value + v[4]!;
  }
  const rest = w.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const at = rest.search(/[/?#]/);
  return at < 0 ? '' : rest[at] === '/' ? rest.slice(at) : '';
}

/**
 * s5cmd (review49: not read before): `s5cmd [global flags] cp|mv|sync … s3://bucket/…` (the last
 * operand is where it goes) and `s5cmd pipe s3://bucket/…` (its input), judged as the aws CLI's
 * (its `--endpoint-url`, a global flag, and `S3_ENDPOINT_URL` too). `s5cmd run FILE` reads its
 * commands from a file the command does not show: unknown.
 */
function s5cmdUpload(w: readonly string[], env: ReadonlyMap<string, string>): Upload | undefined {
  const verb = firstOperand(w.slice(1), S5CMD_VALUE_FLAGS) ?? '';
  if (verb === 'run') return { tool: 'aws_s3', destinations: [UNKNOWN] };
  const rest = w.slice(w.indexOf(verb, 1) + 1);
  let dest: string | undefined;
  if (verb === 'pipe') dest = firstOperand(rest, S5CMD_VALUE_FLAGS);
  else if (['cp', 'mv', 'sync'].includes(verb)) dest = lastOperand(rest, S5CMD_VALUE_FLAGS);
  if (dest === undefined || !/^s3:\/\//i.test(dest)) return undefined;
  const bucket = dest.slice(5).split('/')[0]!;
  return { tool: 'aws_s3', destinations: [s3Destination(bucket, flagValue(w, '--endpoint-url'), env)] };
}

const S5CMD_VALUE_FLAGS: ReadonlySet<string> = new Set(['--endpoint-url', '--credentials-file', '--profile', '--numworkers', '--retry-count', '-r', '--log', '--request-payer', '--concurrency', '-c', '--part-size', '-p', '--storage-class', '--sse', '--sse-kms-key-id', '--acl', '--cache-control', '--expires', '--content-type', '--content-encoding', '--content-disposition', '--metadata', '--exclude', '--include', '--source-region', '--destination-region']);

/** `gsutil [-m] cp|mv|rsync … gs://bucket/…`, `gcloud storage cp|mv|rsync …`: the destination bucket as `gs://bucket`. */
function bucketCopy(w: readonly string[], from: number, scheme: string, tool: UploadFound, valueFlags: ReadonlySet<string>): Upload | undefined {
  const verbAt = w.findIndex((x, i) => i >= from && ['cp', 'mv', 'rsync'].includes(x));
  if (verbAt < 0) return undefined;
  const dest = lastOperand(w.slice(verbAt + 1), valueFlags);
  if (dest === undefined || !dest.toLowerCase().startsWith(scheme)) return undefined;
  const bucket = dest.slice(scheme.length).split('/')[0]!;
  return { tool, destinations: [bucket === '' || bucket.includes('$') ? UNKNOWN : `${scheme}${bucket}`] };
}

/** `rclone copy|sync|move|copyto|moveto|rcat … remote:path`: the remote as `rclone://remote`; an on-the-fly remote (`:s3,endpoint=…:`) is unknown. */
function rcloneUpload(w: readonly string[]): Upload | undefined {
  // The verb is the first operand: global flags may come before it (`rclone --config f -P copy …`).
  const verb = firstOperand(w.slice(1), RCLONE_VALUE_FLAGS) ?? '';
  if (!['copy', 'sync', 'move', 'copyto', 'moveto', 'rcat', 'bisync'].includes(verb)) return undefined;
  const dest = lastOperand(w.slice(w.indexOf(verb, 1) + 1), RCLONE_VALUE_FLAGS);
  if (dest === undefined) return undefined;
  // A connection string (`minio,endpoint=https://elsewhere:bucket`) overrides the remote's own configuration.
  if (/^:|^[\w.-]+,/.test(dest)) return { tool: 'rclone', destinations: [UNKNOWN] };
  const remote = /^([\w.-]*):/.exec(dest);
  if (remote === null) return undefined;
  return { tool: 'rclone', destinations: [remote[1] === '' || dest.startsWith(':') ? UNKNOWN : `rclone://${remote[1]!.toLowerCase()}`] };
}

/**
 * The host of an scp/rsync operand that is remote (`user@host:path`, `host:path`, `host::module`,
 * `rsync://host/…`, `scp://host/…`), else undefined (a local path).
 */
function remoteHost(word: string, env: ReadonlyMap<string, string>): string | undefined {
  if (/^(?:rsync|scp|sftp|ssh):\/\//i.test(word)) return hostOf(word, env);
  if (word.startsWith('/') || word.startsWith('.')) return undefined;
  const m = /^(?:[^@/:\s]+@)?(\[[^\]]+\]|[^@/:\s]+):/.exec(word);
  return m === null ? undefined : normalHost(m[1]!, env);
}

function flagValue(w: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < w.length; i++) {
    if (w[i] === flag) return w[i + 1];
    if (w[i]!.startsWith(`${flag}=`)) return w[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** The operands of a command's words (not flags, not a value flag's value, not redirections). */
function operands(w: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    if (/^[0-9&]?[<>]/.test(x)) {
      if (/^[0-9&]?[<>]+$/.test(x)) i++;
      continue;
    }
    if (x === '-') {
      out.push(x);
      continue;
    }
    if (x.startsWith('-')) {
      if (valueFlags.has(x)) i++;
      continue;
    }
    out.push(x);
  }
  return out;
}

function lastOperand(w: readonly string[], valueFlags: ReadonlySet<string>): string | undefined {
  const all = operands(w, valueFlags);
  return all.length < 2 ? undefined : all[all.length - 1];
}

function firstOperand(w: readonly string[], valueFlags: ReadonlySet<string>): string | undefined {
  return operands(w, valueFlags)[0];
}

const AWS_VALUE_FLAGS: ReadonlySet<string> = new Set(['--endpoint-url', '--region', '--profile', '--exclude', '--include', '--storage-class', '--acl', '--content-type', '--expected-size', '--sse', '--sse-kms-key-id', '--sse-c', '--sse-c-key', '--grants', '--metadata', '--metadata-directive', '--cache-control', '--content-encoding', '--content-disposition', '--content-language', '--expires', '--ca-bundle', '--cli-read-timeout', '--cli-connect-timeout', '--output', '--page-size', '--source-region', '--website-redirect', '--request-payer', '--checksum-algorithm', '--bucket', '--key', '--body']);
const GSUTIL_VALUE_FLAGS: ReadonlySet<string> = new Set(['-h', '-o', '-p', '-u', '-x', '-z', '-j', '-a', '-s', '--content-type', '--cache-control', '--project', '--storage-class', '--predefined-acl', '--exclude-name-pattern']);
const AZCOPY_VALUE_FLAGS: ReadonlySet<string> = new Set(['--include-pattern', '--exclude-pattern', '--blob-type', '--block-size-mb', '--log-level', '--cap-mbps', '--content-type', '--from-to', '--overwrite']);
const RCLONE_VALUE_FLAGS: ReadonlySet<string> = new Set(['--config', '--transfers', '--checkers', '--include', '--exclude', '--filter', '--bwlimit', '--log-file', '--log-level', '--max-age', '--min-age', '--max-size', '--min-size', '--s3-chunk-size', '--backup-dir', '--suffix']);
const SCP_VALUE_FLAGS: ReadonlySet<string> = new Set(['-P', '-i', '-o', '-F', '-c', '-l', '-S', '-J', '-D', '-X']);
const RSYNC_VALUE_FLAGS: ReadonlySet<string> = new Set(['-e', '--rsh', '--exclude', '--include', '--exclude-from', '--include-from', '--files-from', '--filter', '-f', '--bwlimit', '--port', '--password-file', '--log-file', '--timeout', '--chmod', '--chown', '-T', '--temp-dir', '--backup-dir', '--suffix', '--max-size', '--min-size']);
const SFTP_VALUE_FLAGS: ReadonlySet<string> = new Set(['-b', '-P', '-i', '-o', '-F', '-c', '-l', '-S', '-J', '-B', '-R', '-s', '-D', '-X']);
const SSH_VALUE_FLAGS: ReadonlySet<string> = new Set(['-p', '-i', '-o', '-l', '-F', '-J', '-L', '-R', '-D', '-b', '-c', '-e', '-m', '-w', '-W', '-E', '-S', '-O', '-Q', '-B', '-I']);
const NC_VALUE_FLAGS: ReadonlySet<string> = new Set(['-p', '-s', '-w', '-x', '-X', '-q', '-i', '-P', '-O', '-I', '-T', '-V', '-W', '-G', '-g', '--source', '--source-port', '--wait', '--proxy', '--proxy-type']);
const SOCKET_CLIENTS: ReadonlySet<string> = new Set(['nc', 'ncat', 'netcat', 'socat', 'telnet']);
/** socat's address that connects out (`TCP:h:p`, `TCP4-CONNECT:h:p`, `OPENSSL:h:p`, `UDP:h:p`). */
const SOCAT_PEER = /^(?:TCP[46]?|TCP[46]?-CONNECT|OPENSSL|OPENSSL-CONNECT|SSL|UDP[46]?|UDP[46]?-SENDTO|UDP[46]?-CONNECT):(\[[^\]]+\]|[^:,]+):/i;

/** What points a listed name elsewhere from inside a script (the hosts file, the resolver, a downloader's own config). */
const NAMES_REDIRECTED = /\/etc\/hosts|resolv\.conf|curlrc|wgetrc|CURL_HOME|WGETRC|HOSTALIASES|RES_OPTIONS/i;
/** The same set in the container's env (a proxy is not: it connects to the name it is asked for). */
const REDIRECTING_ENV = /^(?:CURL_HOME|WGETRC|HOSTALIASES|RES_OPTIONS|LOCALDOMAIN)$/i;

/**
 * Code an interpreter is given (`python3 -c`, `node -e`) that sends a body with its HTTP client:
 * `requests.post|put|patch`, `httpx.post|put`, `urlopen` with `data=`, `fetch(…, {method: 'POST'})`,
 * `axios.post|put`. Its URLs are its destinations; code with none sends to an address the command
 * does not show. An SDK's call (boto3's `upload_file`, mlflow's `log_artifact`) names no address
 * the command shows and is not read.
 */
function codeUploads(script: string, setting: CommandSetting, allowed: UploadAllowed): boolean {
  const at = codeStart(script);
  if (at < 0) return false;
  const code = script.slice(at);
  if (!UPLOAD_CODE.test(code)) return false;
  const env = clusterEnv(code, setting) ?? setting.env;
  const urls = [...code.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`,;)]+/gi)].map((m) => storeDestination(m[0], hostOf(m[0], env), env));
  if (setting.namesRedirected || NAMES_REDIRECTED.test(code)) return true;
  return urls.length === 0 || !urls.every((h) => h !== UNKNOWN && (allowed(h) || IN_CLUSTER_HOST.test(h)));
}

const UPLOAD_CODE = /\brequests\.(?:post|put|patch)\s*\(|\bhttpx\.(?:post|put|patch)\s*\(|\burlopen\s*\([^)]*\bdata\s*=|\bRequest\s*\([^)]*\bdata\s*=|\bfetch\s*\([^)]*method\s*:\s*["'](?:POST|PUT|PATCH)|\baxios\.(?:post|put|patch)\s*\(/i;

/** mc's aliases as the script shows them: each alias's URLs (`mc alias set`, `MC_HOST_<alias>`), and whether its configuration file is written. */
interface McAliases {
  readonly defined: ReadonlyMap<string, readonly string[]>;
  readonly configWritten: boolean;
}

/** The aliases every mc configuration starts with. */
const MC_DEFAULT_ALIASES: ReadonlyMap<string, string> = new Map([['s3', 'https://s3.amazonaws.com'], ['gcs', 'https://storage.googleapis.com'], ['play', 'https://play.min.io'], ['local', 'http://localhost:9000']]);
/** `mc alias set NAME URL`, `mc config host add NAME URL` (the older spelling); flags between mc and the verb are not read (the alias is then the configuration's). */
const MC_ALIAS_SET = /\bmc(?:li)?[ \t]+(?:alias[ \t]+(?:set|add)|config[ \t]+host[ \t]+add)[ \t]+([^\s;&|]+)[ \t]+([^\s;&|]+)/g;
const MC_HOST_ASSIGNED = /\bMC_HOST_(\w+)=("[^"\n]*"|'[^'\n]*'|[^\s;&|]+)/g;
const MC_CONFIG_WRITTEN = /\.mc\/config\.json|\bMC_CONFIG_DIR\s*=|\bmc(?:li)?[ \t]+alias[ \t]+import\b/;
/** At most this many alias definitions or SDK calls are read from one script; past it, what the rest defines is unknown. */
const MAX_DEFINITIONS = 64;

/** Read once per script (scriptUpload asks on its first mc stage): a pass over its text for the alias definitions. */
function mcAliasesOf(script: string, env: ReadonlyMap<string, string>): McAliases {
  const defined = new Map<string, string[]>();
  const add = (alias: string, url: string) => {
    const list = defined.get(alias) ?? [];
    list.push(url);
    defined.set(alias, list);
  };
  let n = 0;
  for (const [k, v] of env) if (k.startsWith('MC_HOST_')) add(k.slice(8), v);
  for (const m of script.matchAll(MC_ALIAS_SET)) {
    if (n++ >= MAX_DEFINITIONS) return { defined: new Map(), configWritten: true };
    add(m[1]!, m[2]!);
  }
  for (const m of script.matchAll(MC_HOST_ASSIGNED)) {
    if (n++ >= MAX_DEFINITIONS) return { defined: new Map(), configWritten: true };
    add(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  }
  return { defined, configWritten: MC_CONFIG_WRITTEN.test(script) || env.has('MC_CONFIG_DIR') };
}

const MC_VALUE_FLAGS: ReadonlySet<string> = new Set(['--config-dir', '-C', '--resolve', '--limit-upload', '--limit-download', '--custom-header', '-H', '--older-than', '--newer-than', '--storage-class', '--sc', '--attr', '--tags', '--encrypt', '--encrypt-key', '--enc-kms', '--enc-s3', '--enc-c', '--exclude', '--rewind', '--version-id', '--vid', '--region', '--checksum', '--max-workers', '--part-size', '--parallel', '--content-type']);

/**
 * The MinIO client (uploads50): `mc cp|mv|mirror|put … ALIAS/bucket/…` (the last operand),
 * `mc pipe ALIAS/bucket/key` (its input), `mc od … of=ALIAS/…`. An alias the script or the env
 * defines (`mc alias set NAME URL`, `MC_HOST_NAME=URL`) is its URL, read as a URL word is (a shared
 * store's by the bucket the path names); one of mc's own (`s3`, `gcs`, `play`, `local`) is its
 * URL; one defined nowhere the request shows is mc's configuration's, `mc://NAME` (as an rclone
 * remote is), unknown when the script writes that configuration. A target with no `/` that names
 * no alias, and a path (`/…`, `./…`), are local copies. `--resolve` points names elsewhere: unknown.
 */
function mcUpload(w: readonly string[], mcAliases: () => McAliases): Upload | undefined {
  const verb = firstOperand(w.slice(1), MC_VALUE_FLAGS) ?? '';
  if (!['cp', 'mv', 'mirror', 'put', 'pipe', 'od'].includes(verb)) return undefined;
  const rest = w.slice(w.indexOf(verb, 1) + 1);
  const dest = verb === 'od' ? rest.find((x) => x.startsWith('of='))?.slice(3) : verb === 'pipe' ? firstOperand(rest, MC_VALUE_FLAGS) : lastOperand(rest, MC_VALUE_FLAGS);
  if (dest === undefined || /^[/.~]/.test(dest)) return undefined;
  if (dest.includes('$') || w.some((x) => x === '--resolve' || x.startsWith('--resolve='))) return { tool: 'mc', destinations: [UNKNOWN] };
  const slash = dest.indexOf('/');
  const alias = slash < 0 ? dest : dest.slice(0, slash);
  const aliases = mcAliases();
  const urls = aliases.defined.get(alias) ?? (MC_DEFAULT_ALIASES.has(alias) ? [MC_DEFAULT_ALIASES.get(alias)!] : undefined);
  if (urls === undefined) {
    if (slash < 0) return undefined;
    return { tool: 'mc', destinations: [aliases.configWritten || !/^[\w.-]+$/.test(alias) ? UNKNOWN : `mc://${alias.toLowerCase()}`] };
  }
  const path = slash < 0 ? '' : dest.slice(slash + 1);
  return {
    tool: 'mc',
    destinations: urls.map((url) => {
      if (url.includes('$') || url.includes('`') || !/^https?:\/\//i.test(url)) return UNKNOWN;
      const word = `${url.replace(/\/+$/, '')}/${path}`;
      return storeDestination(word, hostOf(word, NO_VALUES), NO_VALUES);
    }),
  };
}

/** The S3 SDK's upload calls (boto3's client and resource: `upload_file`, `put_object`, `Object(…).put`); `put` only on an `Object(…)`. */
const SDK_S3_CALL = /\.(upload_file|upload_fileobj|put_object|fput_object|upload_part|create_multipart_upload|put)\s*\(/g;
/** google-cloud-storage's upload calls (a blob's `upload_from_filename` …). */
const SDK_GCS_CALL = /\.upload_from_(?:filename|file|string)\s*\(/;
const SDK_OBJECT_RECEIVER = /\.Object\s*\([^()\n]{0,200}\)\s*$/;
const SDK_BUCKET_RECEIVER = /\.(?:Bucket|Object)\s*\(\s*(['"])([^'"\n]{0,255})\1[^()\n]{0,200}\)\s*$/;
const SDK_RESOURCE_BUCKET = /\.Bucket\s*\(\s*(?:(['"])([^'"\n]{0,255})\1)?/g;
const SDK_ENDPOINT = /\bendpoint_url\s*=\s*(?:(['"])([^'"\n]{0,300})\1)?|\bMinio\s*\(\s*(?:(['"])([^'"\n]{0,300})\3)?/g;
const SDK_AWS_MOVED = /\bAWS_ENDPOINT_URL\w*['"]?\]?\s*[=,]|\bAWS_CONFIG_FILE\b|\.aws\/config\b/;
const SDK_GCS_BUCKET = /\b(?:get_)?bucket\s*\(\s*(?:(['"])([^'"\n]{0,255})\1)?/g;
const SDK_GCS_MOVED = /\bapi_endpoint\b|\bSTORAGE_EMULATOR_HOST\b/;

/**
 * An object store SDK's upload in code the request shows (uploads50: `python3 -c`, a here-document,
 * a script's source; session 48 left them unread): boto3's `upload_file(path, 'bucket', key)`,
 * `put_object(Bucket='bucket', …)`, `s3.Bucket('bucket').upload_file(…)`, `s3.Object('bucket',
 * key).put(…)`, judged as the aws CLI's upload (`s3://bucket`; a literal `endpoint_url=` is that
 * endpoint's host, a shared store's by the bucket; minio-py's `Minio('host:port')` with its
 * `put_object('bucket', …)`/`fput_object` likewise; `AWS_ENDPOINT_URL` in the env or set by the code
 * moves every bucket: unknown); google-cloud-storage's `bucket('b')…upload_from_filename(…)` as
 * `gs://b` (an `api_endpoint` or `STORAGE_EMULATOR_HOST` moves it). A bucket or endpoint from a
 * variable is unknown. Undefined when the code makes no such call.
 */
function sdkUploads(script: string, env: ReadonlyMap<string, string>): string[] | undefined {
  const out: string[] = [];
  let calls = 0;
  for (const m of script.matchAll(SDK_S3_CALL)) {
    const prefix = script.slice(Math.max(0, m.index - 300), m.index);
    if (m[1] === 'put' && !SDK_OBJECT_RECEIVER.test(prefix)) continue;
    if (calls++ >= MAX_DEFINITIONS) return [UNKNOWN];
    out.push(...s3CallDestinations(m[1]!, prefix, callArguments(script, m.index + m[0].length), script, env));
  }
  if (SDK_GCS_CALL.test(script)) {
    const moved = SDK_GCS_MOVED.test(script) || [...env.keys()].some((k) => GCS_ENDPOINT_ENV.test(k) || k === 'STORAGE_EMULATOR_HOST');
    let named = 0;
    for (const b of script.matchAll(SDK_GCS_BUCKET)) {
      if (named++ >= MAX_DEFINITIONS) return [UNKNOWN];
      out.push(moved || b[2] === undefined ? UNKNOWN : bucketDestination('gs://', b[2].toLowerCase()));
    }
    if (named === 0) out.push(UNKNOWN);
  }
  return calls === 0 && !SDK_GCS_CALL.test(script) ? undefined : out;
}

function s3CallDestinations(call: string, prefix: string, args: readonly string[], script: string, env: ReadonlyMap<string, string>): string[] {
  const literal = (a: string | undefined) => /^(['"])([^'"]*)\1$/.exec(a ?? '')?.[2];
  const positional = args.filter((a) => !/^\w+\s*=/.test(a));
  const keyword = args.find((a) => /^Bucket\s*=/.test(a))?.replace(/^Bucket\s*=\s*/, '');
  let buckets: (string | undefined)[];
  const receiver = SDK_BUCKET_RECEIVER.exec(prefix);
  if (keyword !== undefined) buckets = [literal(keyword)];
  else if ((call === 'upload_file' || call === 'upload_fileobj') && positional.length >= 3) buckets = [literal(positional[1])];
  // minio-py's `put_object('bucket', name, data, length)`, `fput_object('bucket', name, path)`.
  else if ((call === 'put_object' || call === 'fput_object') && positional.length >= 3) buckets = [literal(positional[0])];
  else if (receiver !== null) buckets = [receiver[2]];
  else {
    // A resource's Bucket bound to a name first (`b = s3.Bucket('x'); b.upload_file(…)`): every Bucket the code names.
    buckets = [];
    for (const b of script.matchAll(SDK_RESOURCE_BUCKET)) {
      if (buckets.length >= MAX_DEFINITIONS) return [UNKNOWN];
      buckets.push(b[2]);
    }
    if (buckets.length === 0) buckets = [undefined];
  }
  const endpoints: (string | undefined)[] = [];
  for (const e of script.matchAll(SDK_ENDPOINT)) {
    if (endpoints.length >= MAX_DEFINITIONS) return [UNKNOWN];
    // minio-py's `Minio('host:9000', …)` names a host and port, no scheme.
    endpoints.push(e[2] ?? (e[4] === undefined ? undefined : `https://${e[4]}`));
  }
  const moved = SDK_AWS_MOVED.test(script) || [...env.keys()].some((k) => AWS_ENDPOINT_ENV.test(k));
  const out: string[] = [];
  for (const bucket of buckets) {
    const b = bucket?.toLowerCase() ?? '';
    if (endpoints.length === 0) out.push(moved ? UNKNOWN : s3Destination(b, undefined, env));
    for (const e of endpoints) out.push(e === undefined || e.includes('{') ? UNKNOWN : s3Destination(b, e, env));
  }
  return out;
}

/** A call's top-level arguments from just after its `(`: at most 8, read from at most 400 characters (quotes and nested brackets skipped). */
function callArguments(text: string, from: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote = '';
  let start = from;
  const end = Math.min(text.length, from + 400);
  for (let i = from; i < end; i++) {
    const c = text[i]!;
    if (quote !== '') {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (c === ')' || (c === ',' && depth === 0)) {
      args.push(text.slice(start, i).trim());
      if (c === ')' || args.length >= 8) return args;
      start = i + 1;
    }
  }
  return args;
}
