import { clientText } from '../../core/redact.js';
import { elementsByPatch, UNKNOWN_VALUE } from '../parse.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';
import { joinPath, walkObjects } from './walk.js';

/**
 * model_source_not_allowed: a model server told to load a model from a store the site has not
 * listed in `guardrails.model_sources`. A model is code: a pickled PyTorch or scikit-learn file
 * runs what it holds as it loads, a Hugging Face repository can ship its own modelling code, and
 * KServe's storage initializer, Seldon's, Ray Serve and vLLM fetch whatever the object names and
 * load it into production's pods. Re-pointing a production InferenceService at an outside bucket
 * is an everyday production write on the request line (day 17: a merge patch of
 * `spec.predictor.model.storageUri` from the on-call's laptop); only the location in the body says
 * whose model it is, as an image's registry does for allowed_registries.
 *
 * Read wherever a model is named, by shape, in any kind (a custom resource's and a workload's):
 * - `storageUri` and `modelUri` keys (KServe's InferenceService predictor, transformer and
 *   explainer, a framework's `model.storageUri`, a TrainedModel's `model.storageUri`; Seldon Core
 *   v2 `Model.spec.storageUri`, v1 `graph.modelUri` and its children), and `storageUris` lists;
 * - KServe's `storage` object (`key`, `path`, `parameters`): `parameters.bucket` names a bucket
 *   (`type` s3 or gs), a parameter naming a host or endpoint sends the key's credentials elsewhere
 *   (unknown); a bare `key` names an entry of the site's own storage-config Secret and is its own;
 * - a container's `args` and `command` (vLLM's `--model`, TGI's `--model-id`, `vllm serve NAME`,
 *   Ray's and the serving runtimes' `--model_uri`, `--model-path`), and its `env` (`HF_MODEL_ID`,
 *   `MODEL_ID`, `MODEL_URI`, `STORAGE_URI`, `MODEL_NAME_OR_PATH`); `$(VAR)` is that container's
 *   env value, where the body gives one.
 *
 * A source is a URI (`s3://bucket/key`, `gs://…`, `hf://org/name`, `https://host/…`, `pvc://claim`,
 * `oci://registry/repo`); a bare `org/name` is a Hugging Face repository (`hf://org/name`), a path
 * (`/mnt/models/x`) a volume of the pod (judged where the volume is) and passes. `oci://` is an image:
 * judged by allowed_registries where the site lists registries, else by the list. A value the
 * body does not show (a JSON patch's copy, `$(VAR)` with no value here) is unknown, and unknown is
 * not on the list. Off (nothing read) without a list.
 */

/** `sourceModelUri`: KServe's LocalModelCache, which copies the model onto the nodes an InferenceService then loads it from. */
const MODEL_KEYS = new Set(['storageUri', 'modelUri', 'sourceModelUri']);
const MODEL_LIST_KEYS = new Set(['storageUris']);
/** The flags model servers take a model by (vLLM, TGI, Triton's and MLServer's wrappers, Ray Serve apps). */
const MODEL_FLAGS = new Set(['--model', '--model-id', '--model_id', '--model-uri', '--model_uri', '--model-path', '--model_path', '--model-name-or-path', '--model_name_or_path', '--storage-uri', '--storage_uri', '--model-repository', '--model_repository', '--model-store', '--model_store',
  // A tokenizer or draft model is a hub repository loaded beside the model, its code too under
  // `--trust-remote-code` (review50b).
  '--tokenizer', '--speculative-model', '--speculative_model', '--draft-model', '--draft_model']);
/** Flags whose value is a name shaped like a hub id, not a source (`--served-model-name org/name`). */
const NAME_FLAGS = new Set(['--served-model-name', '--served_model_name']);
/** A shell word that ends the command (`vllm serve m && …`). */
const SHELL_BREAK = /^(?:&&|\|\||;|\|)$/;
/** Environment variables model servers and their wrappers load a model from. */
const MODEL_ENV = new Set(['HF_MODEL_ID', 'MODEL_ID', 'MODEL_URI', 'STORAGE_URI', 'MODEL_NAME_OR_PATH', 'HUGGING_FACE_HUB_MODEL', 'HF_MODEL']);
const KSERVE_GROUP = 'serving.kserve.io';
/** Kinds whose containers serve a model: KServe's, Seldon's (v1 and v2), Ray Serve's. */
const SERVING_GROUPS = new Set([KSERVE_GROUP, 'machinelearning.seldon.io', 'mlops.seldon.io']);
/**
 * A model server, by its image or a word of its command: vLLM, TGI, SGLang, Triton, TorchServe,
 * MLServer, KServe's runtimes, Ray Serve, llama.cpp's server, Ollama, LMDeploy, TensorRT-LLM.
 */
const SERVER = /vllm|text-generation|\btgi\b|sglang|triton|torchserve|mlserver|kserve|\bserve\b|llama[-_.]?(?:cpp|server)|ollama|lmdeploy|trtllm|tensorrt-llm|huggingface/i;
/** The words a body must hold for this rule to parse it (inspect.ts mayName). */
// `STORAGE_URI` spells none of the others: a KServe predictor's container env naming it was never parsed (review50b).
export const MODEL_SOURCE_NAMES = ['storageUri', 'modelUri', 'sourceModelUri', 'storage', 'STORAGE_URI', '--model', '--tokenizer', '--speculative', '--draft', 'model_uri', 'model-uri', 'MODEL', 'vllm', 'model_repository', 'model-repository', 'model-store', 'model_store'];

/** What a JSON patch of one element of a command line must name: its path (rules read them in patchedElements). */
export const MODEL_ELEMENT_NAMES = ['args', 'command'];

/** A Hugging Face repository id: `org/name`, letters, digits, `-`, `_`, `.` (hub's own rule). */
const HF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/;
/** KServe storage parameters that send the key's credentials to another host. */
const ENDPOINT_PARAM = /endpoint|host|url|server|address/i;

export function checkModelSources(doc: Json, prefix: string, ctx: RuleContext, group = ''): void {
  const allowed = ctx.settings.modelAllowed;
  if (allowed === undefined) return;
  // KServe's `storage` spec is its own shape; another operator's `storage.parameters` is no model's.
  const kserve = group === KSERVE_GROUP;
  // A serving kind's containers are a model server's, whatever their image (a custom predictor).
  const serving = SERVING_GROUPS.has(group);
  const report = (source: string, path: string, where: string): void => {
    if (sourceAllowed(source, ctx)) return;
    const shown = source === UNKNOWN_VALUE ? 'a source the request does not show' : clientText(source, 200);
    ctx.out.push({ code: 'model_source_not_allowed', detail: `${where} loads the model from ${shown}, not in guardrails.model_sources: a model runs as production's code when it loads`, path });
  };
  walkObjects(doc, prefix, (node, path) => {
    for (const [k, v] of Object.entries(node)) {
      if (MODEL_KEYS.has(k) && (typeof v === 'string' || v === null)) {
        if (typeof v === 'string' && v !== '') report(v, joinPath(path, k), k);
      } else if (MODEL_LIST_KEYS.has(k) && Array.isArray(v)) {
        v.forEach((s, i) => typeof s === 'string' && s !== '' && report(s, `${joinPath(path, k)}[${i}]`, k));
      } else if (k === 'storage' && kserve && isObject(v) && ('key' in v || 'path' in v || 'parameters' in v)) {
        const source = storageSource(v);
        if (source !== undefined) report(source, joinPath(path, k), 'storage');
      }
    }
    // A container: its command line and environment (a vLLM Deployment, a RayService's workers).
    if (Array.isArray(node.env) || Array.isArray(node.args) || Array.isArray(node.command)) {
      const env = envOf(node.env);
      const words = [...stringsOf(node.command), ...stringsOf(node.args)];
      // A training script's `--model resnet50` or `--model-path checkpoints/best` names an
      // architecture or an output: a command line is read only where a model server runs.
      // A patch that sets a container's arguments without its image or command (a strategic merge
      // patch by container name, a JSON patch of `args/1`) shows no model server, and may be one's:
      // its model flags are read (review50b: `--model evil/x` into a vLLM Deployment passed).
      const unshown = ctx.partial && node.image === undefined && !words.some((w) => SERVER.test(w));
      if (serving || unshown || SERVER.test(typeof node.image === 'string' ? node.image : '') || words.some((w) => SERVER.test(w))) {
        const sources = new Set(argumentSources(words).map((w) => hubId(resolve(w, env), false)));
        if (ctx.partial) for (const w of [...patchedElements(node.command, env), ...patchedElements(node.args, env)]) sources.add(w);
        for (const source of sources) report(source, joinPath(path, 'args'), "the container's arguments");
      }
      for (const [name, value] of env) if (MODEL_ENV.has(name) && value !== '') report(hubId(resolve(value, env), name.startsWith('HF') || name.startsWith('HUGGING')), joinPath(path, 'env'), `env ${name}`);
    }
  });
}

/**
 * A plain word with no `/` is a Hugging Face model of no organisation (`gpt2`) where the value can
 * only be one (an `HF_…` variable); elsewhere (`MODEL_ID=fraud-scorer`, `--model resnet50`) it is a
 * served model's or an architecture's name, no source.
 */
function hubId(value: string, hub: boolean): string {
  if (value === UNKNOWN_VALUE || value.includes('/') || value.includes(':')) return value;
  return hub ? `hf://${value}` : '.';
}

/**
 * The source-shaped values a JSON patch set into single elements of a command line (`/args/1`,
 * `/command/2`, `/args/-`): the flag before them stays in the stored object, which the request does
 * not show, so a URI or an `org/name` there may be `--model`'s and is judged as a source (args50:
 * `replace /args/1 s3://attacker/model` under a stored `--model` passed). A port, a length, a flag
 * or a path is no source; `$(VAR)` is its env value, unknown where a model variable is not shown.
 */
function patchedElements(list: unknown, env: ReadonlyMap<string, string>): string[] {
  if (!elementsByPatch(list)) return [];
  const out: string[] = [];
  for (const w of stringsOf(list)) {
    const value = resolve(w.trim().replace(/^['"]|['"]$/g, ''), env);
    if (value === UNKNOWN_VALUE ? MODEL_VAR.test(w) : URI.test(value) || HF_ID.test(value)) out.push(value);
  }
  return out;
}

/** A `$(VAR)` reference that names a model variable (`$(MODEL_ID)`, `$(STORAGE_URI)`). */
const MODEL_VAR = /\$\([^)]*(?:MODEL|STORAGE)[^)]*\)/i;

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A container's literal env values by name; one copied in by a JSON patch is unknown. */
function envOf(v: unknown): Map<string, string> {
  const env = new Map<string, string>();
  if (!Array.isArray(v)) return env;
  for (const e of v) {
    if (!isObject(e) || typeof e.name !== 'string') continue;
    if (typeof e.value === 'string') env.set(e.name, e.value);
    // valueFrom: a ConfigMap's or Secret's value, which the request does not show.
    else if (e.valueFrom !== undefined) env.set(e.name, UNKNOWN_VALUE);
  }
  return env;
}

/** `$(VAR)` as kube expands it from the container's env; a reference to no literal value is unknown. */
function resolve(value: string, env: ReadonlyMap<string, string>): string {
  if (!value.includes('$(')) return value;
  let unknown = false;
  const out = value.replace(/\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (_, name: string) => {
    const v = env.get(name);
    if (v === undefined || v === UNKNOWN_VALUE || v.includes('$(')) unknown = true;
    return v ?? '';
  });
  return unknown ? UNKNOWN_VALUE : out;
}

/**
 * The model sources a command line names: each MODEL_FLAGS value (`--model X`, `--model=X`), the
 * model after `vllm serve`, and, inside a shell's script, the same flags in its text.
 */
export function argumentSources(words: readonly string[]): string[] {
  const out: string[] = [];
  const tokens = words.flatMap((w) => (/\s/.test(w.trim()) ? w.trim().split(/\s+/) : [w]));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.replace(/^['"]|['"]$/g, '');
    const eq = t.indexOf('=');
    if (eq > 0 && MODEL_FLAGS.has(t.slice(0, eq))) out.push(t.slice(eq + 1).replace(/^['"]|['"]$/g, ''));
    else if (MODEL_FLAGS.has(t) && i + 1 < tokens.length) out.push(tokens[++i]!.replace(/^['"]|['"]$/g, ''));
    else if (/(?:^|\/)vllm$/.test(t) && tokens[i + 1] === 'serve') {
      // The model is `serve`'s positional argument, before or after its options (argparse takes
      // `vllm serve --port 8000 org/model`). Which words are options' values is vLLM's parser's
      // to know: every later word shaped as a source (a URI, an `org/name`) is read, up to the
      // shell's next command, but for the served name's (review50b).
      for (let j = i + 2; j < tokens.length; j++) {
        const w = tokens[j]!.replace(/^['"]|['"]$/g, '');
        if (SHELL_BREAK.test(w)) break;
        if (w.startsWith('-') || MODEL_FLAGS.has(tokens[j - 1]!) || NAME_FLAGS.has(tokens[j - 1]!)) continue;
        if (URI.test(w) || HF_ID.test(w)) out.push(w);
      }
    }
  }
  return out.filter((s) => s !== '');
}

/**
 * KServe's `storage` spec as a source: a bucket its parameters name, unknown when a parameter sends
 * the key's credentials to another endpoint, none (the site's storage-config entry) otherwise.
 */
function storageSource(storage: Json): string | undefined {
  const params = storage.parameters;
  if (params === UNKNOWN_VALUE || storage.key === UNKNOWN_VALUE) return UNKNOWN_VALUE;
  if (!isObject(params)) return undefined;
  if (Object.keys(params).some((k) => ENDPOINT_PARAM.test(k))) return UNKNOWN_VALUE;
  if (typeof params.bucket !== 'string') return params.bucket === undefined ? undefined : UNKNOWN_VALUE;
  const type = typeof params.type === 'string' ? params.type.toLowerCase() : 's3';
  const scheme = type === 'gs' || type === 'gcs' ? 'gs' : type === 's3' ? 's3' : type;
  const path = typeof storage.path === 'string' ? storage.path.replace(/^\/+/, '') : '';
  return `${scheme}://${params.bucket}${path === '' ? '' : `/${path}`}`;
}

/**
 * Whether a model source is the site's: a URI on the list (`oci://` by allowed_registries when set),
 * a Hugging Face id as `hf://org/name`, a local path (the pod's own volume) always.
 */
export function sourceAllowed(source: string, ctx: RuleContext): boolean {
  const allowed = ctx.settings.modelAllowed!;
  if (source === UNKNOWN_VALUE) return false;
  const s = source.trim();
  if (s === '.' || s.startsWith('/') || s.startsWith('./') || s.startsWith('file://')) return s.startsWith('file://') ? allowed(s) : true;
  const uri = URI.exec(s);
  if (uri === null) return HF_ID.test(s) ? allowed(`hf://${s}`) : false;
  const scheme = uri[1]!.toLowerCase();
  if (scheme === 'oci' && ctx.settings.registryAllowed !== undefined) {
    const ref = uri[2]!.replace(/[@:][^/]*$/, '');
    const slash = ref.indexOf('/');
    return slash > 0 && ctx.settings.registryAllowed(ref.slice(0, slash).toLowerCase(), ref.slice(slash + 1));
  }
  return allowed(`${scheme}://${uri[2]!}`);
}
