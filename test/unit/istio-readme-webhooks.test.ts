import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// istio/README.md's "Callers that send no token" gives the build webhooks a host of their own with
// one regex route. Istio matches `uri.regex` as RE2, whole path; this pattern uses nothing where
// RE2 and JavaScript differ, so it is checked here as a JavaScript RegExp.
describe("istio/README.md's route for tokenless build webhooks", () => {
  const readme = readFileSync('istio/README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Callers that send no token'), readme.indexOf('## No dry run for CUSTOM'));
  const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const vs = parse(yamlBlock ?? '') as { spec: { http: { match: { uri: { regex: string } }[] }[] } };
  const route = new RegExp(vs.spec.http[0]!.match[0]!.uri.regex);

  it('routes the four webhook kinds of a BuildConfig', () => {
    for (const kind of ['github', 'gitlab', 'bitbucket', 'generic']) {
      expect(route.test(`/apis/build.openshift.io/v1/namespaces/shop/buildconfigs/storefront/webhooks/s3cr3t/${kind}`)).toBe(true);
    }
  });

  it('routes nothing else to the API server', () => {
    for (const path of [
      '/api/v1/namespaces/ci/secrets/github',
      '/apis/build.openshift.io/v1/namespaces/shop/buildconfigs/storefront/instantiate',
      '/apis/build.openshift.io/v1/namespaces/shop/buildconfigs/storefront/webhooks/s3cr3t/github/../../../../secrets',
      '/apis/build.openshift.io/v1/namespaces/shop/buildconfigs/storefront/webhooks/a/b/github',
      '/apis/buildXopenshift.io/v1/namespaces/shop/buildconfigs/storefront/webhooks/s3cr3t/github',
    ]) {
      expect(route.test(path), path).toBe(false);
    }
  });
});
