import type { Signal } from './context.js';

/**
 * Per-subject counters over sliding windows (kept by the state store, decaying as the window
 * slides). Each fires once its threshold is crossed; the first sighting of a subject fires alone.
 * Distinct sensitive objects and destructive bursts are behaviour: they catch abuse from a known
 * context (a token used by malware on the engineer's own laptop), where nothing else is new.
 */
export const anomalySignal: Signal = (ctx, cfg, out) => {
  const h = ctx.history;
  if (h.firstSeen && cfg.first_seen > 0) out.push({ code: 'first_seen', weight: cfg.first_seen, detail: 'first request seen from this subject' });
  const r = cfg.request_rate;
  if (r.weight > 0 && h.requests > r.threshold) {
    out.push({ code: 'request_rate', weight: r.weight, detail: `${h.requests} requests in ${r.window_seconds}s (threshold ${r.threshold})` });
  }
  const s = cfg.sensitive_rate;
  if (s.weight > 0 && h.sensitive > s.threshold) {
    out.push({ code: 'sensitive_rate', weight: s.weight, detail: `${h.sensitive} sensitive requests in ${s.window_seconds}s (threshold ${s.threshold})` });
  }
  const d = cfg.denials;
  if (d.weight > 0 && h.denials >= d.threshold) {
    out.push({ code: 'denial_rate', weight: d.weight, detail: `${h.denials} denials in ${d.window_seconds}s (threshold ${d.threshold})` });
  }
  const n = cfg.namespaces;
  if (n.weight > 0 && h.namespaces > n.threshold) {
    out.push({ code: 'namespace_spread', weight: n.weight, detail: `${h.namespaces} namespaces in ${n.window_seconds}s (threshold ${n.threshold})` });
  }
  const o = cfg.sensitive_objects;
  if (o.weight > 0 && h.objects > o.threshold) {
    out.push({ code: 'sensitive_objects', weight: o.weight, detail: `${h.objects} distinct sensitive objects in ${o.window_seconds}s (threshold ${o.threshold})` });
  }
  const x = cfg.destructive;
  if (x.weight > 0 && h.destructive > x.threshold) {
    out.push({ code: 'destructive_burst', weight: x.weight, detail: `${h.destructive} deletes in ${x.window_seconds}s (threshold ${x.threshold})` });
  }
};
