import type { BuiltServer } from './built-server.js';
import { KUBE, OFFICE, type freshSubjects } from './built-server.js';
import { checkRequest } from './requests.js';

/** A write of the session-surface attack files: what it is, then the request kubectl would send. */
export type Write = [what: string, method: string, path: string, contentType: string, body: unknown];

const KUBECTL = 'kubectl/v1.34.1 (linux/amd64) kubernetes/93248f9';

/** Sends a Write with a two-factor sign-in an hour old from the office: what the everyday write carries. */
export function everydayWriter(server: () => BuiltServer, subjects: ReturnType<typeof freshSubjects>) {
  return async ([, method, path, contentType, body]: Write) => {
    const token = await subjects.tokenOf('aal2', 3600);
    return server().client.check(checkRequest({ host: KUBE, source: OFFICE, method, path, token, headers: { 'user-agent': KUBECTL, 'content-type': contentType, 'x-envoy-auth-partial-body': 'false' }, body: typeof body === 'string' ? body : JSON.stringify(body) }));
  };
}

/** The route writes gated_host_route reads a backend host from, in the `dev` namespace. */
const ISTIO = '/apis/networking.istio.io/v1/namespaces/dev';
export const externalName = (name: string): Write => [`an ExternalName Service aliasing ${name}`, 'POST', '/api/v1/namespaces/dev/services', 'application/json', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: name } }];
export const virtualService = (host: string): Write => [
  `a VirtualService routing a public host to ${host}`,
  'POST',
  `${ISTIO}/virtualservices`,
  'application/json',
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api' }, spec: { hosts: ['api.dev.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host, port: { number: 443 } } }] }] } },
];
export const serviceEntry = (address: string): Write => [
  `a ServiceEntry whose endpoint is ${address}`,
  'POST',
  `${ISTIO}/serviceentries`,
  'application/json',
  { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api' }, spec: { hosts: ['api.dev.internal'], location: 'MESH_INTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], endpoints: [{ address }] } },
];
