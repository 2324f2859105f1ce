// Schema errors of big inputs in linear time (issue 6). ajv with allErrors copies every error
// collected so far each time a $ref'd check returns with errors, so N invalid rules or sets cost
// O(N^2): 32,000 `{}` rules took seconds, 300,000 minutes, with the daemon answering nothing.
// A big input is therefore split into its members (rules, sets, set members, a field's list of
// values), each checked on its own against its own $defs entry: every error keeps the path and
// message the whole-input check gives. Past ISSUE_BUDGET issues a member gets only its first
// error, from the cheap validator (allErrors off), and a list's scan stops.

import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ValidationIssue } from './model';
import { pointerJoin } from './pointer';

/** An input with more values than this is split (allErrors on it stays well under 100 ms). */
export const SMALL_INPUT_VALUES = 5_000;
/** Issues listed in full; past them, a list's scan stops (validate.ts stops there too). */
export const ISSUE_BUDGET = 100;

type Node = Record<string, unknown>;

export interface SchemaAccess {
  /** allErrors off: stops at the first error. `name` is `ruleset` (the root) or a $defs entry. */
  fast(name: string): ValidateFunction;
  /** allErrors on. */
  full(name: string): ValidateFunction;
  schemaOf(name: string): Node;
  issues(errors: readonly ErrorObject[], basePath: string): ValidationIssue[];
}

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `value` holds at most `limit` values (objects, arrays and scalars), counted lazily. */
export function isSmall(value: unknown, limit = SMALL_INPUT_VALUES): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const stack: unknown[] = [value];
  let count = 0;
  // Every value on the stack is one more to count: bail out before it outgrows the limit.
  while (stack.length > 0) {
    const v = stack.pop();
    count++;
    if (Array.isArray(v)) {
      if (count + stack.length + v.length > limit) return false;
      stack.push(...v);
    } else if (isObject(v)) {
      const keys = Object.keys(v);
      if (count + stack.length + keys.length > limit) return false;
      for (const key of keys) stack.push(v[key]);
    }
  }
  return true;
}

/** Issues of `value` against `name`, pushed onto `out`; linear in the size of `value`. */
export function scanIssues(s: SchemaAccess, name: string, value: unknown, basePath: string, out: ValidationIssue[]): void {
  const fast = s.fast(name);
  if (fast(value)) return;
  if (isSmall(value)) return checkWhole(s, name, value, basePath, out);
  const firstErrors = fast.errors ?? []; // the scan below may run this validator again
  const schema = s.schemaOf(name);
  const before = out.length;
  if (Array.isArray(value)) {
    // No array in the schema has maxItems, so a big (non-empty) array is wrong only in its items.
    const item = itemName(s, schema);
    if (item !== undefined) scanItems(s, item, value, 0, basePath, out);
  } else if (isObject(value)) {
    scanObject(s, name, schema, value, basePath, out);
  }
  // The split found nothing the whole check objects to (a constraint on the whole, should the
  // schema gain one): report the cheap check's error, never "valid".
  if (out.length === before) out.push(...s.issues(firstErrors, basePath));
}

function scanItems(s: SchemaAccess, item: string, arr: unknown[], from: number, basePath: string, out: ValidationIssue[]): void {
  const start = out.length;
  for (let i = from; i < arr.length; i++) {
    scanIssues(s, item, arr[i], pointerJoin(basePath, i), out);
    // validate.ts checks no further once the schema gave ISSUE_BUDGET issues: stop here too.
    if (out.length >= ISSUE_BUDGET && out.length > start) return;
  }
}

/**
 * The object checked with its big members replaced by small stand-ins, then those members on
 * their own. An object that is big by its number of entries is checked entry by entry (the
 * sets: the name and the value as a one-entry object), or without its unknown fields past the
 * first hundred (ajv would report them all).
 */
function scanObject(s: SchemaAccess, name: string, schema: Node, obj: Node, basePath: string, out: ValidationIssue[]): void {
  const named = isObject(schema.properties) ? schema.properties : {};
  const entries = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  const perEntry = entries !== undefined && !Array.isArray(schema.required) && Object.keys(named).length === 0;
  const shrunk: Node = {};
  const members: Array<() => void> = [];
  let unknown = 0;
  for (const key of Object.keys(obj)) {
    const sub = Object.hasOwn(named, key) ? (named[key] as Node) : entries;
    if (sub === undefined && ++unknown > ISSUE_BUDGET) continue;
    const value = sub === undefined ? obj[key] : standIn(s, sub, obj[key], pointerJoin(basePath, key), out, members);
    if (perEntry) checkWhole(s, name, { [key]: value }, basePath, out);
    else shrunk[key] = value;
  }
  if (!perEntry) checkWhole(s, name, shrunk, basePath, out);
  if (unknown > ISSUE_BUDGET) out.push({ path: basePath, message: `and ${unknown - ISSUE_BUDGET} more unknown fields` });
  for (const scan of members) scan();
}

/**
 * What stands for a member in its object's check: itself when small, else something small
 * that passes the member's own schema (`[]`, `{}` or its first item) while the member, or the
 * rest of its items, is queued to be checked on its own.
 */
function standIn(s: SchemaAccess, sub: Node, child: unknown, at: string, out: ValidationIssue[], members: Array<() => void>): unknown {
  if (isSmall(child)) return child;
  const resolved = resolve(s, sub);
  const item = itemName(s, resolved);
  if (Array.isArray(child) && item !== undefined) {
    const emptyOk = !(Number(resolved.minItems) > 0);
    members.push(() => scanItems(s, item, child, emptyOk ? 0 : 1, at, out));
    return emptyOk ? [] : child.slice(0, 1);
  }
  const ref = refName(sub);
  if (isObject(child) && ref !== undefined && !Array.isArray(resolved.required)) {
    members.push(() => scanIssues(s, ref, child, at, out));
    return {};
  }
  return child;
}

/** A value built small: all its errors, or its first one past the budget (or if still big). */
function checkWhole(s: SchemaAccess, name: string, value: unknown, basePath: string, out: ValidationIssue[]): void {
  const fast = s.fast(name);
  if (fast(value)) return;
  const full = out.length < ISSUE_BUDGET && isSmall(value) ? s.full(name) : fast;
  if (full !== fast) full(value);
  out.push(...s.issues(full.errors ?? [], basePath));
}

function refName(node: Node): string | undefined {
  const ref = node.$ref;
  return typeof ref === 'string' && ref.startsWith('#/$defs/') ? ref.slice('#/$defs/'.length) : undefined;
}

function resolve(s: SchemaAccess, node: Node): Node {
  const ref = refName(node);
  return ref === undefined ? node : s.schemaOf(ref);
}

/** The $defs entry every item of an array under `node` must match, if it names one. */
function itemName(s: SchemaAccess, node: Node): string | undefined {
  const items = resolve(s, node).items;
  return isObject(items) ? refName(items) : undefined;
}
