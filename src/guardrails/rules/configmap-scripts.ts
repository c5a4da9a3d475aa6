import { isObject, type Json } from '../types.js';
import { binaryText } from './binary-text.js';
import { CommandWork } from './command-work.js';
import { commandShape, SHAPE_TEXT } from './commands.js';
import type { RuleContext } from './context.js';
import { joinPath } from './walk.js';

/**
 * container_command_egress for the scripts a ConfigMap holds. Most charts mount their scripts from a
 * ConfigMap and run them by path (`command: [/scripts/setup.sh]`): the pod's request shows the path,
 * and the script is in the request that writes the ConfigMap. Whoever can change that ConfigMap
 * changes what the workload runs at its next start without touching the workload, so a value that is
 * a script is read as the container's command is (commands.ts commandShape: the same reader, the
 * same shapes), with the interpreter its `#!` line or its key's extension names.
 *
 * A value is a script when its key ends in one of SCRIPT_EXTENSIONS or it starts with `#!`. Other
 * values (configuration files, dashboards, certificates, a README) are not read: one that is run
 * anyway (`sh /config/entrypoint`, or `items` mapping a key to `run.sh`) names its interpreter in
 * the pod, which is not in this request, and reading every value as a shell script would read
 * prose and configuration as commands. `binaryData` is read the same, decoded.
 */
export function checkConfigMapScripts(doc: Json, prefix: string, ctx: RuleContext): void {
  const root = prefix.endsWith('.') ? prefix.slice(0, -1) : prefix;
  // One budget for all the keys (and all the documents, when the Check passes its own).
  const work = ctx.commandWork ?? new CommandWork();
  for (const [field, base64] of VALUE_FIELDS) {
    const values = doc[field];
    if (!isObject(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== 'string') continue;
      const text = base64 ? binaryText(value) : value;
      const interpreter = interpreterOf(key, text);
      if (interpreter === undefined) continue;
      // A `#!` line names its own interpreter (commandShape reads it); a key's extension names one
      // for a script without, as `python3 /scripts/x.py` runs it.
      const found = commandShape(interpreter === SHEBANG ? [] : [interpreter], text, { env: NO_ENV, namesRedirected: false, work });
      if (found === undefined) continue;
      ctx.out.push({ code: 'container_command_egress', detail: `ConfigMap key ${JSON.stringify(key.slice(0, 253))}'s script ${SHAPE_TEXT[found]}, and a container that runs it does so at its next start`, path: joinPath(joinPath(root, field), key) });
    }
  }
}

/** Where a ConfigMap keeps its values, and whether they are base64. */
const VALUE_FIELDS: readonly (readonly [string, boolean])[] = [
  ['data', false],
  ['binaryData', true],
];

const SHEBANG = '#!';
const NO_ENV: ReadonlyMap<string, string> = new Map();

/** The interpreter a key's extension names, for a script with no `#!` line. */
const SCRIPT_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['.sh', 'sh'],
  ['.bash', 'bash'],
  ['.ksh', 'ksh'],
  ['.zsh', 'zsh'],
  ['.mksh', 'mksh'],
  ['.py', 'python3'],
  ['.pl', 'perl'],
  ['.rb', 'ruby'],
  ['.js', 'node'],
  ['.mjs', 'node'],
  ['.cjs', 'node'],
  ['.php', 'php'],
  ['.ps1', 'pwsh'],
  ['.lua', 'lua'],
]);

/** The keys' extensions, as the body scan looks for them (inspect.ts mayName): any one present may name a script. */
export const SCRIPT_MARKS: readonly string[] = [SHEBANG, ...SCRIPT_EXTENSIONS.keys()];

/** SHEBANG for a value that names its interpreter, the extension's interpreter, or undefined for a value that is no script. */
function interpreterOf(key: string, text: string): string | undefined {
  if (text.startsWith(SHEBANG)) return SHEBANG;
  const dot = key.lastIndexOf('.');
  // In any case (`START.SH`, `Setup.Py`): the extension is the chart's hint that the value is a
  // script, and its case is only the chart's spelling. An interpreter runs the file whatever its
  // name (`sh /scripts/START.SH`), and PowerShell and Windows match extensions without case.
  return dot < 0 ? undefined : SCRIPT_EXTENSIONS.get(key.slice(dot).toLowerCase());
}
