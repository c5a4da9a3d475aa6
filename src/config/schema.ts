/**
 * The configuration schema: one file per top-level section in schema/ (each section's defaults
 * live there and only there), composed in schema/index.ts. Importers keep this path.
 */
export * from './schema/index.js';
