import { celEnv, celFunc, celList, celMap, celMethod, CelScalar, isCelError, isCelList, isCelMap, listType, type CelEnv, type CelFunc, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { OPT_INDEX, OPT_SELECT } from './syntax.js';

/**
 * The CEL environment cluster policies are evaluated in: @bufbuild/cel's standard library and
 * strings extension, plus the pieces of Kubernetes' CEL library policies commonly use that it
 * lacks (optionals, list and set functions, regex find), and the cost meter.
 */

const D = CelScalar.DYN;

// ---- optionals ---------------------------------------------------------------------------
// @bufbuild/cel has no optional type; an optional is a one-entry map that only this module can
// create (membership in a WeakSet, not its key, makes it one), so no value from a request body can
// pass for one.
const OPTIONALS = new WeakSet<object>();
const SOME = '\u0000some';
const NONE: CelMap = celMap(new Map([['\u0000none', null]]));
OPTIONALS.add(NONE);

function some(v: CelValue): CelMap {
  const m = celMap(new Map([[SOME, v]]));
  OPTIONALS.add(m);
  return m;
}

function isOptional(v: unknown): v is CelMap {
  return typeof v === 'object' && v !== null && OPTIONALS.has(v);
}

function unwrap(opt: CelMap): CelValue | undefined {
  return opt === NONE ? undefined : (opt.get(SOME) as CelValue);
}

function optSelect(target: CelValue, field: string): CelMap {
  if (isOptional(target)) {
    const inner = unwrap(target);
    return inner === undefined ? NONE : optSelect(inner, field);
  }
  if (isCelMap(target)) return target.has(field) ? some(target.get(field) as CelValue) : NONE;
  throw new Error(`cannot select field '${field}' of a ${typeName(target)}`);
}

function optIndex(target: CelValue, index: CelValue): CelMap {
  if (isOptional(target)) {
    const inner = unwrap(target);
    return inner === undefined ? NONE : optIndex(inner, index);
  }
  if (isCelList(target)) {
    const n = typeof index === 'bigint' ? index : typeof index === 'number' && Number.isInteger(index) ? BigInt(index) : undefined;
    if (n === undefined) throw new Error('a list index must be an integer');
    return n >= 0n && n < BigInt(target.size) ? some(target.get(Number(n)) as CelValue) : NONE;
  }
  if (isCelMap(target)) {
    const key = index as string;
    return target.has(key) ? some(target.get(key) as CelValue) : NONE;
  }
  throw new Error(`cannot index a ${typeName(target)}`);
}

function optionalOnly(v: CelValue, fn: string): CelMap {
  if (!isOptional(v)) throw new Error(`${fn}() needs an optional value`);
  return v;
}

function isZero(v: CelValue): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isCelList(v) || isCelMap(v)) return v.size === 0;
  return false;
}

const OPTIONAL_FUNCS: CelFunc[] = [
  celMethod(OPT_SELECT, D, [CelScalar.STRING], D, function (field) {
    return optSelect(this, field);
  }),
  celMethod(OPT_INDEX, D, [D], D, function (index) {
    return optIndex(this, index);
  }),
  celMethod('orValue', D, [D], D, function (fallback) {
    const inner = unwrap(optionalOnly(this, 'orValue'));
    return inner === undefined ? fallback : inner;
  }),
  celMethod('hasValue', D, [], CelScalar.BOOL, function () {
    return unwrap(optionalOnly(this, 'hasValue')) !== undefined;
  }),
  celMethod('value', D, [], D, function () {
    const inner = unwrap(optionalOnly(this, 'value'));
    if (inner === undefined) throw new Error('value() of an empty optional');
    return inner;
  }),
  celMethod('or', D, [D], D, function (other) {
    const self = optionalOnly(this, 'or');
    optionalOnly(other, 'or');
    return self === NONE ? other : self;
  }),
  celFunc('optional.of', [D], D, (v) => some(v)),
  celFunc('optional.ofNonZeroValue', [D], D, (v) => (isZero(v) ? NONE : some(v))),
  celFunc('optional.none', [], D, () => NONE),
];

// ---- lists and sets (Kubernetes' list library, cel-go's lists and sets extensions) ---------
const L = listType(D);

function items(list: CelList): CelValue[] {
  meter.charge(list.size);
  const out: CelValue[] = [];
  for (let i = 0; i < list.size; i++) out.push(list.get(i) as CelValue);
  return out;
}

function numeric(v: CelValue): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  throw new Error(`expected a number, found a ${typeName(v)}`);
}

function compare(a: CelValue, b: CelValue): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`cannot compare a ${typeName(a)} with a ${typeName(b)}`);
}

/** CEL equality for the scalar, list and map values a request body holds. */
function same(a: CelValue, b: CelValue): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a == b;
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) if (!same(a.get(i) as CelValue, b.get(i) as CelValue)) return false;
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a.entries()) if (!b.has(k as string) || !same(v as CelValue, b.get(k as string) as CelValue)) return false;
    return true;
  }
  return a === b;
}

const LIST_FUNCS: CelFunc[] = [
  celMethod('isSorted', L, [], CelScalar.BOOL, function () {
    const xs = items(this);
    for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1]!, xs[i]!) > 0) return false;
    return true;
  }),
  celMethod('sum', L, [], D, function () {
    const xs = items(this).map(numeric);
    if (xs.length === 0) return 0n;
    if (xs.every((x) => typeof x === 'bigint')) return (xs as bigint[]).reduce((a, b) => a + b, 0n);
    return xs.reduce<number>((a, b) => a + Number(b), 0);
  }),
  celMethod('min', L, [], D, function () {
    const xs = items(this);
    if (xs.length === 0) throw new Error('min() of an empty list');
    return xs.reduce((a, b) => (compare(b, a) < 0 ? b : a));
  }),
  celMethod('max', L, [], D, function () {
    const xs = items(this);
    if (xs.length === 0) throw new Error('max() of an empty list');
    return xs.reduce((a, b) => (compare(b, a) > 0 ? b : a));
  }),
  celMethod('indexOf', L, [D], CelScalar.INT, function (x) {
    const xs = items(this);
    return BigInt(xs.findIndex((v) => same(v, x)));
  }),
  celMethod('lastIndexOf', L, [D], CelScalar.INT, function (x) {
    const xs = items(this);
    for (let i = xs.length - 1; i >= 0; i--) if (same(xs[i]!, x)) return BigInt(i);
    return -1n;
  }),
  celMethod('distinct', L, [], L, function () {
    const xs = items(this);
    meter.charge(xs.length * xs.length);
    const out: CelValue[] = [];
    for (const x of xs) if (!out.some((y) => same(x, y))) out.push(x);
    return celList(out);
  }),
  celMethod('flatten', L, [], L, function () {
    const out: CelValue[] = [];
    for (const x of items(this)) {
      if (isCelList(x)) out.push(...items(x));
      else out.push(x);
    }
    return celList(out);
  }),
  celMethod('reverse', L, [], L, function () {
    return celList(items(this).reverse());
  }),
  celMethod('slice', L, [CelScalar.INT, CelScalar.INT], L, function (from, to) {
    const xs = items(this);
    if (from < 0n || to < from || to > BigInt(xs.length)) throw new Error('slice() indices out of range');
    return celList(xs.slice(Number(from), Number(to)));
  }),
  celMethod('reverse', CelScalar.STRING, [], CelScalar.STRING, function () {
    meter.charge(this.length);
    return [...this].reverse().join('');
  }),
  celFunc('sets.contains', [L, L], CelScalar.BOOL, (a, b) => {
    const xs = items(a);
    const ys = items(b);
    meter.charge(xs.length * ys.length);
    return ys.every((y) => xs.some((x) => same(x, y)));
  }),
  celFunc('sets.intersects', [L, L], CelScalar.BOOL, (a, b) => {
    const xs = items(a);
    const ys = items(b);
    meter.charge(xs.length * ys.length);
    return ys.some((y) => xs.some((x) => same(x, y)));
  }),
  celFunc('sets.equivalent', [L, L], CelScalar.BOOL, (a, b) => {
    const xs = items(a);
    const ys = items(b);
    meter.charge(xs.length * ys.length);
    return ys.every((y) => xs.some((x) => same(x, y))) && xs.every((x) => ys.some((y) => same(x, y)));
  }),
];

// Kubernetes' regex library (`find`, `findAll`) is left out on purpose: @bufbuild/re2 exposes no
// match positions, and JavaScript's own engine backtracks, so a policy's pattern on a hostile body
// could run for seconds with no way to stop it. A policy that calls them does not load; `matches`
// (RE2, linear) is available.

// ---- the cost meter ------------------------------------------------------------------------
/**
 * Evaluation is synchronous, so one meter serves the process: `run` arms it before each
 * expression. Each comprehension step (all, exists, map, filter…) and each element a library
 * function walks costs one unit; past the limit, or past the deadline, the expression fails with
 * a cost error, which the evaluator treats as unreadable.
 */
export class CostExceeded extends Error {
  override name = 'CostExceeded';
}

class Meter {
  private used = 0;
  private limit = Infinity;
  private deadline = Infinity;
  private clock: () => number = () => 0;
  /** Why the running evaluation was stopped; its result, whatever it is, is then discarded. */
  exceeded: string | undefined;
  arm(limit: number, deadline: number, clock: () => number): void {
    this.used = 0;
    this.limit = limit;
    this.deadline = deadline;
    this.clock = clock;
    this.exceeded = undefined;
  }
  charge(units: number): void {
    if (this.exceeded !== undefined) throw new CostExceeded(this.exceeded);
    this.used += units;
    if (this.used > this.limit) this.exceeded = `cost limit ${this.limit} exceeded`;
    // The clock is read on every charge: a step is cheap in units but not always in time (a
    // `map` accumulates its result, so step k copies k elements).
    else if (this.clock() > this.deadline) this.exceeded = 'evaluation time limit exceeded';
    if (this.exceeded !== undefined) throw new CostExceeded(this.exceeded);
  }
  /**
   * A comprehension step. Past the limit it answers false, which ends every loop at once (an
   * error would not: the macros carry on past an erroring condition); `run` then reports the
   * overrun instead of the partial result.
   */
  step(): boolean {
    if (this.exceeded !== undefined) return false;
    try {
      this.charge(1);
      return true;
    } catch {
      return false;
    }
  }
  get spent(): number {
    return this.used;
  }
}

export const meter = new Meter();

export const TICK = '__sg_tick';
const TICK_FUNC = celFunc(TICK, [], CelScalar.BOOL, () => meter.step());

export const celEnvironment: CelEnv = celEnv({
  funcs: [...strings, ...OPTIONAL_FUNCS, ...LIST_FUNCS, TICK_FUNC],
  variables: { object: D, oldObject: D, request: D, variables: D, params: D, namespaceObject: D, authorizer: D },
});

/** Names of every function the environment knows, and the operators the planner handles itself. */
export const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set([
  ...[...celEnvironment.funcs].map((f) => f.name),
  '_&&_',
  '_||_',
  '_?_:_',
  '@not_strictly_false',
  '_[_]',
  '@in',
  '!_',
  '-_',
]);

/**
 * A decoded body as CEL input: integers become CEL ints (bigint), as they are for kube-apiserver,
 * so `replicas == 1` and `runAsUser > 0` compare as the policy author expects; objects become Maps
 * so that no key (`__proto__` included) is special.
 */
export function toCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  // Built as CEL values once: a plain array or Map would be wrapped again on every access.
  if (Array.isArray(v)) return celList(v.map(toCel) as CelValue[]);
  if (typeof v === 'object' && v !== null) {
    const m = new Map<string, CelValue>();
    for (const k of Object.keys(v)) m.set(k, toCel((v as Record<string, unknown>)[k]) as CelValue);
    return celMap(m);
  }
  return v;
}

export function isError(v: unknown): v is Error {
  return isCelError(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (isCelList(v)) return 'list';
  if (isCelMap(v)) return 'map';
  return typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'double' : typeof v;
}
