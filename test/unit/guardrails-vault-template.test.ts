import { describe, expect, it } from 'vitest';
import { templateReads, templateReadsAnyDelimiters } from '../../src/guardrails/rules/vault-template.js';

/**
 * The Vault agent template reader (rules/vault-template.ts) that secret_store_production_path
 * judges a template by: the literals of its actions as Go decodes them, and whether a Vault read's
 * path is computed. Before it, a regex for `secret "path"` was the whole reading.
 */
describe('templateReads', () => {
  it('decodes the literals of actions as Go does: raw strings, escapes, runes', () => {
    expect(templateReads('{{ with secret `a/tax-prod/b` }}{{ end }}').literals).toEqual(['a/tax-prod/b']);
    expect(templateReads('{{ with secret "a/tax\\x2dprod\\u002fb\\U0000002f\\143" }}{{ end }}').literals).toEqual(['a/tax-prod/b/c']);
    expect(templateReads('{{ with secret "a\\"b\\\\c\\td" }}{{ end }}').literals).toEqual(['a"b\\c\td']);
    expect(templateReads("{{ if eq .X 'p' }}{{ end }}").literals).toEqual(['p']);
  });

  it('reads nothing outside actions, and skips comments', () => {
    expect(templateReads('export ENV="prod"\n{{/* "prod" */}}{{ with secret "a/b" }}{{ end }}').literals).toEqual(['a/b']);
  });

  it('reads in the delimiters the pod sets, and the defaults when they are empty', () => {
    expect(templateReads('[[ with secret "x" ]]{{ "y" }}', '[[', ']]').literals).toEqual(['x']);
    expect(templateReads('{{ with secret "x" }}', '', '').literals).toEqual(['x']);
  });

  it('calls a Vault read with anything but one literal computed', () => {
    const computed = (t: string) => templateReads(t).computed;
    expect(computed('{{ with secret "a/b" }}{{ end }}')).toBe(false);
    expect(computed('{{- with secret "a/b" "ttl=30" -}}{{- end }}')).toBe(false);
    expect(computed('{{ range secrets "a/" }}{{ . }}{{ end }}')).toBe(false);
    expect(computed('{{ with secret $p }}{{ end }}')).toBe(true);
    expect(computed('{{ with secret (printf "%s" "a") }}{{ end }}')).toBe(true);
    expect(computed('{{ with "a/b" | secret }}{{ end }}')).toBe(true);
    expect(computed('{{ with secret }}{{ end }}')).toBe(true);
    expect(computed('{{ with pkiCert .Path }}{{ end }}')).toBe(true);
    // A field or a variable named secret is no call.
    expect(computed('{{ .Data.secret }}{{ $secret := 1 }}{{ $secret }}')).toBe(false);
  });

  it('stops at a template the engine cannot parse (it renders nothing)', () => {
    expect(templateReads('{{ with secret "a/b\n" }}{{ "c" }}').literals).toEqual([]);
    expect(templateReads('{{ with secret "a/\\q" }}').literals).toEqual([]);
    expect(templateReads('{{ "a" }}{{ "b"').literals).toEqual(['a', 'b']);
  });

  it('takes more actions than anyone writes as computed', () => {
    expect(templateReads('{{ "a" }}'.repeat(5000)).computed).toBe(true);
  });
});

/**
 * A template whose delimiters are not known (a patch sets it without them, over a stored object that
 * may hold any): all of its text is a literal, decoded and not, and a Vault read anywhere whose
 * argument is no literal is computed; Go asks for a space between a function and its operand.
 */
describe('templateReadsAnyDelimiters', () => {
  it('takes the whole text as a literal, its Go escapes decoded beside it', () => {
    expect(templateReadsAnyDelimiters('[[ with secret "a/tax-prod/b" ]]').literals).toEqual(['[[ with secret "a/tax-prod/b" ]]']);
    expect(templateReadsAnyDelimiters('<% secret "a/tax\\x2dprod" %>').literals).toEqual(['<% secret "a/tax\\x2dprod" %>', '<% secret "a/tax-prod" %>']);
  });

  it('finds a computed read in any delimiters, letters among them', () => {
    const computed = (t: string) => templateReadsAnyDelimiters(t).computed;
    for (const t of ['[[ with secret (printf "%s" "x") ]]', '<%secret $p%>', 'xxsecret .Path]]', '[[ "a" | secret ]]', '[[ pkiCert\t(env "P") ]]', '[[ range secrets $p ]]']) expect(computed(t), t).toBe(true);
    for (const t of ['{{ with secret "a/b" }}{{ .Data.data.secret }}{{ end }}', 'client-secret: x', 'secret.yaml', 'my secret is safe', '{{ secret `a` }}']) expect(computed(t), t).toBe(false);
  });
});
