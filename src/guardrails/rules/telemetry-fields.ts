import { UNKNOWN_VALUE } from '../parse.js';
import { IN_CLUSTER_HOST } from './commands.js';
import { urlDestination } from './uploads.js';

/**
 * The pieces every telemetry reader shares (rules/telemetry.ts for YAML and the custom resources,
 * rules/telemetry-texts.ts for the configurations that are not YAML): a destination found in a
 * configuration, and how an endpoint value is read.
 */

/** A destination read from a configuration: where it sits, and what it is (UNKNOWN when not shown). */
export interface Destination {
  readonly path: string;
  readonly destination: string;
}

/** The unknown destination: no entry matches it (uploads.ts's). */
export const UNKNOWN = '';

/**
 * The destination of an endpoint value: a URL (`https://h/…`), gRPC's `dns:///h:p`, or an address
 * with no scheme (`h:4317`, `[::1]:4317`, `h`); undefined for a local socket (`unix://…`), unknown
 * for a value with a variable (`${env:OTLP_ENDPOINT}`, `${HOST}`) or none.
 */
export function endpointDestination(value: string): string | undefined {
  const v = value.trim();
  // A JSON patch's copy or move (UNKNOWN_VALUE) sets a value the body does not show.
  if (v === '' || v.includes('$') || value === UNKNOWN_VALUE) return UNKNOWN;
  if (/^unix(?:-abstract)?:/i.test(v)) return undefined;
  const dns = /^dns:\/\/[^/]*\/(.*)$/i.exec(v);
  const address = dns !== null ? dns[1]! : v;
  return urlDestination(/^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `tcp://${address}`);
}

/** A field's destination: a string read as an endpoint; anything else set there (a Secret reference, a number) unknown. */
export function fieldDestination(path: string, value: unknown): Destination | undefined {
  if (typeof value !== 'string') return { path, destination: UNKNOWN };
  const destination = endpointDestination(value);
  return destination === undefined ? undefined : { path, destination };
}

export function push(out: Destination[], d: Destination | undefined): void {
  if (d !== undefined) out.push(d);
}

/** A list of endpoints (or one string of them, comma-separated, as Kafka's brokers are often written). */
export function listDestinations(out: Destination[], value: unknown, path: string): void {
  if (typeof value === 'string') {
    for (const part of value.split(',')) push(out, fieldDestination(path, part));
    return;
  }
  if (!Array.isArray(value)) {
    out.push({ path, destination: UNKNOWN });
    return;
  }
  value.forEach((v, i) => push(out, fieldDestination(`${path}[${i}]`, v)));
}

/** An AWS service's regional host; unknown when the region is not shown (the SDK's from the environment). */
export function regional(service: string, region: unknown): string {
  return typeof region === 'string' && /^[a-z]{2}(?:-[a-z]+)+-[0-9]$/.test(region) ? `${service}.${region}.amazonaws.com` : UNKNOWN;
}

/** A Service's name, a single label the search list completes, or loopback (see the header). */
export function clusterOwn(host: string): boolean {
  if (IN_CLUSTER_HOST.test(host) && !host.startsWith('$')) return true;
  if (host === 'localhost' || host === '::1' || /^127(?:\.[0-9]{1,3}){3}$/.test(host)) return true;
  // Not a number: getaddrinfo reads `3405803781` or `0x7f000001` as an IPv4 address.
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(host) && !/^(?:[0-9]+|0x[0-9a-f]+)$/.test(host);
}
