import { KINDS, type Message } from '../protobuf/schema.js';

/**
 * The field names the protobuf decoder reads. It decodes only the fields the built-in guardrails
 * need and skips the rest, so in a protobuf body a field outside this set is absent whatever the
 * client sent. An expression that selects such a field cannot be judged on a protobuf body: its
 * "absent" might be a value the decoder did not read. The fields of `request` are added since the
 * gateway fills them in itself.
 */
function collect(): ReadonlySet<string> {
  const names = new Set<string>(['apiVersion', 'kind']);
  const seen = new Set<Message>();
  const visit = (m: Message) => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const f of m.fields.values()) {
      if (f.kind === 'message') {
        if (!f.inline) names.add(f.name);
        visit(f.message);
      } else {
        names.add(f.name);
      }
    }
  };
  for (const m of KINDS.values()) visit(m);
  for (const n of ['operation', 'namespace', 'name', 'kind', 'resource', 'subResource', 'group', 'version', 'requestKind', 'requestResource', 'dryRun']) {
    names.add(n);
  }
  return names;
}

export const PROTOBUF_FIELDS = collect();
