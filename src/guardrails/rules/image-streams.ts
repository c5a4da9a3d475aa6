import { clientText } from '../../core/redact.js';
import { isObject, type Json } from '../types.js';
import type { RuleContext } from './context.js';

/**
 * gitops_source_change, OpenShift's way: an image stream's tags are what OpenShift deploys. Every
 * DeploymentConfig with an ImageChange trigger, and every Deployment annotated
 * `image.openshift.io/triggers`, that follows a tag rolls out whatever the tag is pointed at, with
 * no pod spec written (openshift/api image/v1: ImageStreamSpec.tags, TagReference.from;
 * ImageStreamImportSpec.import). Promotion is commonly a tag in a build namespace that production
 * follows, which no namespace name says.
 *
 * - An ImageStreamImport with `spec.import: true` (`oc import-image`) stores the images it names
 *   in the stream's tags. With `import` false or absent it only looks them up and stores nothing
 *   (`oc new-app <image>`, the console's Deploy Image form), and is not flagged.
 * - An ImageStream replaced (PUT) with a tag that points somewhere (`from`), since the tags it had
 *   are not in the request; patched (merge, strategic, JSON patch, server-side apply) in its
 *   `spec.tags` at all. The legacy `oc tag` updates the stream this way. A new stream is followed
 *   by nothing yet, and its create is not flagged; nor is a patch of its metadata or of
 *   `spec.lookupPolicy` (`oc set image-lookup`).
 *
 * ImageStreamTags, ImageTags and ImageStreamMappings are tags written by their request line alone:
 * the bundled example's openshift-image-sources rule asks for them.
 */
export const IMAGE_STREAM_KEY = 'image.openshift.io/imagestreams';
export const IMAGE_IMPORT_KEY = 'image.openshift.io/imagestreamimports';
export const IMAGE_SOURCE_KEYS: ReadonlySet<string> = new Set([IMAGE_STREAM_KEY, IMAGE_IMPORT_KEY]);

export function checkImageSource(doc: Json, key: string, verb: string, prefix: string, ctx: RuleContext): void {
  const spec = doc.spec;
  if (!isObject(spec)) return;
  if (key === IMAGE_IMPORT_KEY) {
    if (spec.import !== true) return;
    ctx.out.push({ code: 'gitops_source_change', detail: `an ImageStreamImport imports ${imported(spec)} into the stream's tags: what every trigger that follows them deploys`, path: `${prefix}spec.import` });
    return;
  }
  if (verb === 'create' || !Object.hasOwn(spec, 'tags')) return;
  const tags = spec.tags;
  if (verb === 'update' && !(Array.isArray(tags) && tags.some((t) => isObject(t) && isObject(t.from)))) return;
  ctx.out.push({ code: 'gitops_source_change', detail: `${verb === 'update' ? 'a replace' : 'a patch'} of an ImageStream sets spec.tags${pointedAt(tags)}: what every trigger that follows them deploys`, path: `${prefix}spec.tags` });
}

/** What an import names, for the detail: the first image's or the repository's `from`. */
function imported(spec: Json): string {
  const images: readonly unknown[] = Array.isArray(spec.images) ? spec.images : [];
  const first = images.find((i) => isObject(i) && isObject(i.from));
  const from = isObject(first) ? first.from : isObject(spec.repository) ? spec.repository.from : undefined;
  const name = isObject(from) && typeof from.name === 'string' ? clientText(from.name, 200) : undefined;
  return name ? name : 'images';
}

function pointedAt(tags: unknown): string {
  if (!Array.isArray(tags)) return '';
  const first = (tags as readonly unknown[]).find((t) => isObject(t) && isObject(t.from));
  const name = isObject(first) && isObject(first.from) && typeof first.from.name === 'string' ? clientText(first.from.name, 200) : undefined;
  return name ? ` (to ${name})` : '';
}
