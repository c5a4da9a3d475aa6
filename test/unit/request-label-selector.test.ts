import { describe, expect, it } from 'vitest';
import { labelSelectorOf, selectorRequires } from '../../src/request/label-selector.js';

// What kube-apiserver's list handler filters by: the first `labelSelector` value Go's url.Query()
// keeps, then labels.Parse. Every doubt answers "not restricted", so a rule meant for unrestricted
// lists still applies.
describe('labelSelectorOf', () => {
  it.each<[string, string | undefined]>([
    ['labelSelector=owner%3Dhelm', 'owner=helm'],
    ['limit=500&labelSelector=owner%3Dhelm&watch=1', 'owner=helm'],
    // '+' is a space in a query; an encoded key is the same key.
    ['labelSelector=owner+in+%28helm%29', 'owner in (helm)'],
    ['label%53elector=owner%3Dhelm', 'owner=helm'],
    // The first value wins, an empty one included.
    ['labelSelector=&labelSelector=owner%3Dhelm', ''],
    ['labelSelector=a%3Db&labelSelector=owner%3Dhelm', 'a=b'],
    // A pair holding ';' or a bad escape is dropped: the next one is the first value.
    ['labelSelector=owner%3Dhelm;x&labelSelector=a%3Db', 'a=b'],
    ['labelSelector=owner%3Dhelm%zz&labelSelector=a%3Db', 'a=b'],
    // Not there at all.
    ['', undefined],
    ['fieldSelector=metadata.name%3Dx', undefined],
    ['labelselector=owner%3Dhelm', undefined],
    ['labelSelector', ''],
  ])('%s → %s', (query, want) => {
    expect(labelSelectorOf(query)).toBe(want);
  });

  it('reads nothing from a query with more parameters than Go reads', () => {
    expect(labelSelectorOf(`labelSelector=owner%3Dhelm${'&x=1'.repeat(10_000)}`)).toBeUndefined();
  });
});

describe('selectorRequires(selector, "owner", "helm")', () => {
  it.each<[string, boolean]>([
    ['owner=helm', true],
    ['owner==helm', true],
    [' owner = helm ', true],
    ['owner in (helm)', true],
    ['owner in ( helm )', true],
    ['name=web,owner=helm', true],
    ['owner=helm,status in (deployed,failed)', true],
    ['status in (deployed,failed),owner=helm', true],
    // Excludes or widens: other objects are served too.
    ['owner!=helm', false],
    ['owner', false],
    ['!owner', false],
    ['owner in (helm,x)', false],
    ['owner notin (helm)', false],
    ['owner=helm2', false],
    ['owner=Helm', false],
    ['xowner=helm', false],
    ['', false],
    // A comma inside parentheses does not end a requirement.
    ['x in (a,owner=helm)', false],
    // Go's lexer stops at a NUL: what follows is not part of the selector kube applies.
    ['\0,owner=helm', false],
    ['a=b\0,owner=helm', false],
    ['owner=helm\0,x', true],
    // `=` then `!`: two tokens, not `!=`.
    ['owner=!helm', false],
  ])('%j → %s', (selector, want) => {
    expect(selectorRequires(selector, 'owner', 'helm')).toBe(want);
  });
});
