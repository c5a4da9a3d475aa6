// The dependency rules for src/ (see docs/architecture.md). `npm run depcheck` runs them and
// scripts/test.sh runs that, so a cycle or an upward import fails CI.
//
// LAYERS is the one-way order, top first: a folder may import only folders listed after it.
// Type-only imports count too (tsPreCompilationDeps), so a cycle through `import type` fails
// just like a runtime one.
const LAYERS = [
  ['app', '^src/[^/]+\\.c?ts$'], // composition root and command-line entry points
  ['replay', '^src/replay/'], // stepgate replay: audit log → the real pipeline, offline
  ['server', '^src/server/'], // gRPC and HTTP adapters: parse, call pipeline/check, map the answer
  ['web', '^src/web/'], // step-up pages and flow, approval desk
  ['admin', '^src/admin/'], // incident and revocation admin API, Shared Signals receiver, their CLI client
  ['devices', '^src/devices/'], // the device CA: enrolment decision, CSR checks, certificate issue
  ['credential', '^src/credential/'], // the kubectl plugin's client side (imports only config/environment.ts and core/ask-nonce.ts below)
  ['telemetry', '^src/telemetry/'], // metrics, traces, audit: records what the pipeline decided
  ['pipeline', '^src/pipeline/'], // runtime and the one check path
  ['decision', '^src/decision/'], // Verdict, verdict → answer, the approval document
  ['guardrails', '^src/guardrails/'],
  ['risk', '^src/risk/'],
  ['incident', '^src/incident/'], // each replica's board of incidents and revocations, and their model
  ['identity', '^src/identity/'],
  ['policy', '^src/policy/'],
  ['approvals', '^src/approvals/'],
  ['cookies', '^src/cookies/'], // session, device and OIDC state cookie codecs and their keys
  ['request', '^src/request/'],
  ['state', '^src/state/'],
  ['core', '^src/core/'], // reason codes, identity and assurance types, matchers, redaction
  ['config', '^src/config/'], // schema, load (file:line:field errors); imports nothing in src/
];

const upward = LAYERS.slice(1).map(([name, path], i) => ({
  name: `layer-${name}`,
  comment: `${name} may import only the layers below it: ${LAYERS.slice(i + 2).map(([n]) => n).join(', ') || 'none'}`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(0, i + 1).map(([, p]) => p) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module must not reach itself through its imports (type imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unlayered-folder',
      comment: 'Every folder under src/ must appear in LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, p]) => p) },
      to: {},
    },
    {
      name: 'credential-stays-small',
      comment: 'kubectl runs the credential plugin before every command: it may import only itself, config/environment.ts, core/ask-nonce.ts (the nonce format it shares with the engine) and core/readable.ts (how text from a server is shown on a terminal, shared with the approval pages); all three import nothing.',
      severity: 'error',
      from: { path: '^src/credential/' },
      to: { path: '^src/', pathNot: ['^src/credential/', '^src/config/environment\\.ts$', '^src/core/ask-nonce\\.ts$', '^src/core/readable\\.ts$'] },
    },
    {
      name: 'plugin-leaves-import-nothing',
      comment: 'What credential-stays-small lets the plugin import must not bring the rest of src/ in behind it.',
      severity: 'error',
      from: { path: ['^src/config/environment\\.ts$', '^src/core/ask-nonce\\.ts$', '^src/core/readable\\.ts$'] },
      to: { path: '^src/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.cts', '.js', '.cjs'] },
  },
};
// For test/unit/architecture.test.ts, which checks src/ and docs/architecture.md against the order
// (not enumerable: dependency-cruiser rejects unknown configuration keys).
Object.defineProperty(module.exports, 'LAYERS', { value: LAYERS, enumerable: false });
