/**
 * A moment as people read it in denials, logs and messages: the UTC time of day with its zone,
 * "14:02:05Z". Sightings, bounds and sign-ins are minutes or hours apart, so the date is left out.
 */
export function utcClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}
