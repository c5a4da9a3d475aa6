/** The bundled example policy: what `stepgate` runs and explains when no config file is named. */
export const DEFAULT_CONFIG = new URL('../../examples/stepgate.yaml', import.meta.url).pathname;
