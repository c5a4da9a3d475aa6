import { UNKNOWN_VALUE } from '../parse.js';
import { arrayOf, isObject, type Json } from '../types.js';

/**
 * Where a route, gateway, Ingress or mesh object keeps the hostnames it takes traffic for, read the
 * same way by gated_host_route (routes.ts) and route_host_not_owned (route-owners.ts). A patch that
 * sets a field to a value it does not show (UNKNOWN_VALUE) yields that field itself, so the rules
 * can treat it as any host.
 */
export interface HostAt {
  value: unknown;
  path: string;
  /** The namespace that claims the host, when not the object's own (an Istio Gateway's `namespace/host`). */
  claimer?: string;
  /** What this claim gets, when not what its kind's claims get (a DNS record from an annotation). */
  gets?: Gets;
}

/**
 * What a claim of a name gets its namespace, said in a violation's detail: a share of the name's
 * traffic through a route unless stated; a certificate's key; a CA's key, which signs for any name;
 * every client of the name through a DNS record.
 */
export type Gets = 'certificate' | 'ca' | 'dns';

export type HostsAt = (spec: Json) => HostAt[];

/** The entries of a list field; the field itself when a patch sets it to a value it does not show. */
export function entries(v: unknown, path: string): HostAt[] {
  if (v === UNKNOWN_VALUE) return [{ value: v, path }];
  return arrayOf(v).map((value, i) => ({ value, path: `${path}[${i}]` }));
}

/** `spec.<field>[]`. */
export const listAt =
  (field: string): HostsAt =>
  (spec) =>
    entries(spec[field], `spec.${field}`);

/** `spec.<list>[].<field>`, one host (`many` false) or a list of them. */
export const nestedAt =
  (list: string, field: string, many: boolean): HostsAt =>
  (spec) =>
    entries(spec[list], `spec.${list}`).flatMap(({ value: item, path }) => {
      if (item === UNKNOWN_VALUE) return [{ value: item, path }];
      if (!isObject(item)) return [];
      return many ? entries(item[field], `${path}.${field}`) : [{ value: item[field], path: `${path}.${field}` }];
    });

/** `spec.<field>`, one host. */
export const oneAt =
  (field: string): HostsAt =>
  (spec) =>
    [{ value: spec[field], path: `spec.${field}` }];
