import type { Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * A container and where it is (pod-security.ts's ContainerAt), by its shape: pod-security.ts reads
 * image volumes with checkImage, so importing it back here would make a cycle.
 */
interface ContainerAt {
  readonly container: Json;
  readonly path: string;
}

/**
 * Image guardrails: image_registry_not_allowed, image_not_pinned, image_latest_tag. References are
 * normalised the way container runtimes do (docker/distribution reference rules): a first path
 * component with a '.' or ':' or equal to `localhost` is a registry, otherwise the image is on
 * Docker Hub (`nginx` is `docker.io/library/nginx:latest`).
 */

export interface ImageRef {
  registry: string;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImage(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  const name = colon > slash ? named.slice(0, colon) : named;
  const first = name.indexOf('/');
  let registry = 'docker.io';
  let repository = name;
  if (first >= 0) {
    const head = name.slice(0, first);
    if (head.includes('.') || head.includes(':') || head === 'localhost') {
      registry = head.toLowerCase();
      repository = name.slice(first + 1);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
}

export function checkImages(containers: readonly ContainerAt[], ctx: RuleContext): void {
  if (containers.length === 0) return;
  const protectedNs = ctx.settings.protectedNamespace(ctx.namespace);
  for (const at of containers) {
    const image = at.container.image;
    if (typeof image === 'string') judgeImage(image, `${at.path}.image`, ctx, protectedNs);
  }
}

/** One image reference, wherever a pod's controller reads it from (a Spark application's `image`). */
export function checkImage(image: string, path: string, ctx: RuleContext): void {
  judgeImage(image, path, ctx, ctx.settings.protectedNamespace(ctx.namespace));
}

function judgeImage(image: string, path: string, ctx: RuleContext, protectedNs: boolean): void {
  if (image === '') return;
  const { out, settings } = ctx;
  const shown = image.slice(0, 200);
  const ref = parseImage(image);
  const pinned = ref.digest !== undefined && SHA256_DIGEST.test(ref.digest);
  if (settings.registryAllowed && !settings.registryAllowed(ref.registry, ref.repository)) {
    out.push({ code: 'image_registry_not_allowed', detail: `image ${shown} is from ${ref.registry}, not an allowed registry`, path });
  }
  if (!pinned && protectedNs) {
    out.push({ code: 'image_not_pinned', detail: `image ${shown} is not pinned by a sha256 digest in protected namespace ${ctx.namespace}`, path });
  }
  if (!pinned && (ref.tag === undefined || ref.tag === 'latest')) {
    out.push({ code: 'image_latest_tag', detail: `image ${shown} uses the latest tag${ref.tag === undefined ? ' (no tag given)' : ''}`, path });
  }
}
