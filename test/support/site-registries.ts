/**
 * A replayed company's registries in its site copy of the example, as docs/guardrails.md
 * ("image_registry_not_allowed") tells a site to write them: `guardrails.allowed_registries` (the
 * example lists none: a list is the site's own, docs/risk.md "Session 34: rows closed"), and, where
 * the site's releases never name another registry, the guardrail's effect raised to a hardware key
 * within 5 minutes (the example in "Images named in GitOps objects"), which a dependency waiting
 * for a fresh two-factor sign-in cannot answer.
 */
export function withRegistries(day: string, yaml: string, registries: readonly string[], hardwareKey = false): string {
  const section = '\nguardrails:\n';
  const g = yaml.indexOf(section);
  if (g < 0 || /\n {2}allowed_registries:/.test(yaml)) throw new Error(`day ${day}: the example has no guardrails section, or lists registries of its own`);
  const list = `  allowed_registries: [${registries.join(', ')}]\n`;
  let out = `${yaml.slice(0, g + section.length)}${list}${yaml.slice(g + section.length)}`;
  if (hardwareKey) {
    const effects = '\n  effects:\n';
    const e = out.indexOf(effects, g);
    if (e < 0 || /\n {4}image_registry_not_allowed:/.test(out)) throw new Error(`day ${day}: the example has no guardrails.effects, or sets image_registry_not_allowed's`);
    const cut = e + effects.length;
    out = `${out.slice(0, cut)}    image_registry_not_allowed: { require: aal3, max_age: 300 }\n${out.slice(cut)}`;
  }
  return out;
}
