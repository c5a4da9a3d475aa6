/**
 * Scenario (d)'s tracing settings, shared by bench/run.ts and bench/tracing-cpu.ts so that both
 * measure the same thing: every request sampled, OTLP/HTTP protobuf, span batching large enough
 * that nothing is dropped at these rates (the SDK's default queue is 2048).
 */
export const TRACING_ENV = {
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_BSP_MAX_QUEUE_SIZE: '65536',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
  OTEL_BSP_SCHEDULE_DELAY: '500',
};

/** The servers must not inherit OTEL_* from the shell that runs the benchmark. */
export const NO_OTEL: NodeJS.ProcessEnv = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('OTEL_')).map((k) => [k, undefined]));
