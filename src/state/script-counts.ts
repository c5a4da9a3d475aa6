/**
 * The Checks the Redis store sent to Redis and the script calls they went in, for the whole
 * process (stores replaced by a reload add to the same counts, so the metrics built on them
 * never go backwards). Their ratio is how many Checks one event-loop turn's batch carried
 * (redis.ts); bench (e) also checks with them that every Check's observation reached Redis.
 * No imports, so telemetry can read it without loading the Redis client.
 */
export const scriptCounts = { calls: 0, checks: 0 };
