import { parse, plan } from '@bufbuild/cel';
import { celEnvironment, CostExceeded, isError, KNOWN_FUNCTIONS, meter, TICK } from './library.js';
import { rewriteOptionalSyntax, SyntaxProblem } from './syntax.js';

/**
 * What an expression reads that the gateway may not know: the object before the change, the
 * policy's parameters, the authorizer, the namespace object, or who kube thinks the user is.
 */
export type Unknowable = 'oldObject' | 'params' | 'authorizer' | 'namespaceObject' | 'request.userInfo';

export interface CompiledExpression {
  readonly source: string;
  /** Everything unknowable the expression (or a variable it names) reads. */
  readonly reads: ReadonlySet<Unknowable>;
  /** `variables.<name>` it names. */
  readonly variables: ReadonlySet<string>;
  /** Every field name it selects (`.f`, `.?f`, `has(x.f)`, `x['f']`): what it may read of an object. */
  readonly fields: ReadonlySet<string>;
  /** A CEL value, or an Error saying why there is none (type error, missing key, cost). */
  run(bindings: Record<string, unknown>, budget: Budget): unknown;
}

export interface Budget {
  /** Cost units (comprehension steps, elements walked by library functions) per expression. */
  readonly maxCost: number;
  /** Clock value (ms) after which evaluation stops. */
  readonly deadline: number;
  readonly clock: () => number;
}

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

// A small structural view of @bufbuild/cel's parsed Expr (a protobuf message); only what the
// analysis below reads and the comprehension rewrite writes.
interface ExprNode {
  id: bigint;
  exprKind: { case: string | undefined; value?: unknown };
}
interface CallNode {
  target?: ExprNode;
  function: string;
  args: ExprNode[];
}
interface SelectNode {
  operand?: ExprNode;
  field: string;
  testOnly: boolean;
}
interface ComprehensionNode {
  iterRange?: ExprNode;
  accuInit?: ExprNode;
  loopCondition?: ExprNode;
  loopStep?: ExprNode;
  result?: ExprNode;
  iterVar: string;
  accuVar: string;
}

const UNKNOWABLE_ROOTS: ReadonlySet<string> = new Set(['oldObject', 'params', 'authorizer', 'namespaceObject']);

/** Parses, checks the functions it calls, inserts the cost meter and plans once. Throws ExpressionError. */
export function compileExpression(source: string): CompiledExpression {
  let rewritten: string;
  try {
    rewritten = rewriteOptionalSyntax(source);
  } catch (err) {
    throw new ExpressionError(err instanceof SyntaxProblem ? `syntax: ${err.message}` : String(err));
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rewritten);
  } catch (err) {
    throw new ExpressionError(`syntax: ${(err as Error).message.split('\n', 1)[0]!.replace(/^<input>:/, 'at ')}`);
  }
  const reads = new Set<Unknowable>();
  const variables = new Set<string>();
  const unknown = new Set<string>();
  const fields = new Set<string>();
  let maxId = 0n;
  const comprehensions: ComprehensionNode[] = [];
  const bound: string[] = [];
  const walk = (e: ExprNode | undefined): void => {
    if (e === undefined) return;
    if (e.id > maxId) maxId = e.id;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr': {
        const name = (k.value as { name: string }).name;
        if (UNKNOWABLE_ROOTS.has(name) && !bound.includes(name)) reads.add(name as Unknowable);
        // `request` as a whole (not one of its fields) may be userInfo too.
        if (name === 'request' && !bound.includes(name)) reads.add('request.userInfo');
        break;
      }
      case 'selectExpr': {
        const s = k.value as SelectNode;
        const op = s.operand;
        const root = op?.exprKind.case === 'identExpr' ? (op.exprKind.value as { name: string }).name : undefined;
        if (root !== undefined && !bound.includes(root)) {
          if (root === 'variables') {
            variables.add(s.field);
            break;
          }
          if (root === 'request') {
            if (s.field === 'userInfo') reads.add('request.userInfo');
            break;
          }
        }
        fields.add(s.field);
        walk(op);
        break;
      }
      case 'callExpr': {
        const c = k.value as CallNode;
        // `optional.of(x)`, `sets.contains(a, b)`: a qualified function name, not a method call.
        const qualifier = c.target?.exprKind.case === 'identExpr' ? (c.target.exprKind.value as { name: string }).name : undefined;
        if (qualifier !== undefined && !bound.includes(qualifier) && KNOWN_FUNCTIONS.has(`${qualifier}.${c.function}`)) {
          c.args.forEach(walk);
          break;
        }
        if (!KNOWN_FUNCTIONS.has(c.function)) unknown.add(c.function);
        if (c.function === '__sg_opt_select' || c.function === '__sg_opt_index' || c.function === '_[_]') {
          const key = (c.function === '_[_]' ? c.args[1] : c.args[0])?.exprKind;
          const lit = key?.case === 'constExpr' ? (key.value as { constantKind: { case: string; value: unknown } }).constantKind : undefined;
          if (lit?.case === 'stringValue') fields.add(lit.value as string);
        }
        // `variables.?x` reads x too.
        const t = c.target;
        if (c.function === '__sg_opt_select' && t?.exprKind.case === 'identExpr' && !bound.includes('variables')) {
          const tn = (t.exprKind.value as { name: string }).name;
          const arg = c.args[0]?.exprKind;
          if (arg?.case === 'constExpr') {
            const lit = (arg.value as { constantKind: { case: string; value: unknown } }).constantKind;
            if (tn === 'variables' && lit.case === 'stringValue') variables.add(lit.value as string);
            if (tn === 'request' && lit.case === 'stringValue') {
              if (lit.value === 'userInfo') reads.add('request.userInfo');
              break;
            }
            if (tn === 'variables') break;
          }
        }
        walk(c.target);
        c.args.forEach(walk);
        break;
      }
      case 'listExpr':
        (k.value as { elements: ExprNode[] }).elements.forEach(walk);
        break;
      case 'structExpr':
        for (const en of (k.value as { entries: { keyKind: { case: string; value?: unknown }; value?: ExprNode }[] }).entries) {
          if (en.keyKind.case === 'mapKey') walk(en.keyKind.value as ExprNode);
          walk(en.value);
        }
        break;
      case 'comprehensionExpr': {
        const c = k.value as ComprehensionNode;
        comprehensions.push(c);
        walk(c.iterRange);
        walk(c.accuInit);
        bound.push(c.iterVar, c.accuVar);
        walk(c.loopCondition);
        walk(c.loopStep);
        walk(c.result);
        bound.pop();
        bound.pop();
        break;
      }
      default:
        break;
    }
  };
  walk(parsed.expr as unknown as ExprNode);
  if (unknown.size > 0) {
    throw new ExpressionError(`unknown function${unknown.size > 1 ? 's' : ''} ${[...unknown].map((f) => `${f}()`).join(', ')}`);
  }
  // Every comprehension step goes through the meter: the loop condition becomes
  // `__sg_tick() && <condition>`, false once the budget is spent. Conditions never error (they
  // are `true` or @not_strictly_false(...)), so the conjunction keeps the macros' error absorption.
  for (const c of comprehensions) {
    const template = (parse(`${TICK}() && true`).expr as unknown as ExprNode).exprKind.value as CallNode;
    template.args[0]!.id = ++maxId;
    template.args[1] = c.loopCondition ?? template.args[1]!;
    const wrapper = parse(`${TICK}() && true`).expr as unknown as ExprNode;
    wrapper.id = ++maxId;
    wrapper.exprKind = { case: 'callExpr', value: template };
    c.loopCondition = wrapper;
  }
  let evaluate: (ctx: Record<string, unknown>) => unknown;
  try {
    evaluate = plan(celEnvironment, parsed) as (ctx: Record<string, unknown>) => unknown;
  } catch (err) {
    throw new ExpressionError((err as Error).message.split('\n', 1)[0]!);
  }
  return Object.freeze({
    source,
    reads,
    variables,
    fields,
    run(bindings: Record<string, unknown>, budget: Budget): unknown {
      meter.arm(budget.maxCost, budget.deadline, budget.clock);
      try {
        const v = evaluate(bindings);
        // A stopped evaluation's value is whatever the loops had when they were cut short.
        if (meter.exceeded !== undefined) return new CostExceeded(meter.exceeded);
        if (isError(v)) return costCause(v) ?? new ExpressionError(v.message);
        return v;
      } catch (err) {
        if (meter.exceeded !== undefined) return new CostExceeded(meter.exceeded);
        // The planner throws for some failures instead of returning an error value.
        return err instanceof CostExceeded ? err : new ExpressionError(err instanceof Error ? err.message : String(err));
      }
    },
  });
}

/** A cost error raised inside a function arrives wrapped in a CelError; find it again. */
function costCause(e: Error): CostExceeded | undefined {
  let c: unknown = e;
  for (let i = 0; i < 5 && c !== undefined && c !== null; i++) {
    if (c instanceof CostExceeded) return c;
    c = (c as { cause?: unknown }).cause;
  }
  return /cost limit|time limit/.test(e.message) ? new CostExceeded(e.message) : undefined;
}
