/**
 * The URI SAN of a device certificate stepgate issued (`device_certificates`): the device id and
 * the issuer and subject of the sign-in that enrolled it. Envoy gives a verified client
 * certificate's URI SAN to ext_authz as `source.principal`, so the risk engine reads the subject
 * a certificate belongs to from the principal alone, and counts it as device evidence only for a
 * token of that same issuer and subject.
 *
 *   stepgate://device/<device id>?iss=<issuer, percent-encoded>&sub=<subject, percent-encoded>
 *
 * The device id is a hash of the key's SubjectPublicKeyInfo: one machine's key keeps its id
 * across renewals, so the device the risk engine remembers stays the same.
 */
export interface DeviceUri {
  deviceId: string;
  issuer: string;
  subject: string;
}

export const DEVICE_URI_PREFIX = 'stepgate://device/';

export function deviceUri(d: DeviceUri): string {
  return `${DEVICE_URI_PREFIX}${d.deviceId}?iss=${encodeURIComponent(d.issuer)}&sub=${encodeURIComponent(d.subject)}`;
}

const SHAPE = /^stepgate:\/\/device\/([A-Za-z0-9_-]{16,64})\?iss=([^&?#]+)&sub=([^&?#]+)$/;

/**
 * The parts of a stepgate device URI; undefined for any other principal (an MDM certificate's),
 * and for one in stepgate's form that does not parse exactly (never half-read as someone's).
 */
export function parseDeviceUri(uri: string): DeviceUri | undefined {
  if (!uri.startsWith(DEVICE_URI_PREFIX)) return undefined;
  const m = SHAPE.exec(uri);
  if (m === null) return undefined;
  try {
    return { deviceId: m[1]!, issuer: decodeURIComponent(m[2]!), subject: decodeURIComponent(m[3]!) };
  } catch {
    return undefined;
  }
}
