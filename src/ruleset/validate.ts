// Ruleset validation: JSON Schema first (syntax), then what a schema cannot say (addresses, set
// references, field combinations, capacity), then the normalised model. Every problem comes
// back as an issue at the JSON pointer of the offending field, all of them at once.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PrefixList } from './address';
import { capacityIssues } from './capacity';
import { parseJsonText } from './json-text';
import type { Rule, RuleJson, Ruleset, RulesetJson, ValidationIssue } from './model';
import { comparePointers, pointerJoin, pointerSegments } from './pointer';
import { checkRule } from './rule';
import { checkSchema } from './schema';
import { parsePrefixStrings } from './set-elements';
import { readSetFile } from './set-file';

export { pointerToDotted } from './pointer';

export interface ParseOptions {
  /** For `{ "file": PATH }` sets: PATH is relative to this (the ruleset file's directory; default: the working directory). */
  baseDir?: string;
  /** False over REST: a file-backed set is an error, the daemon reads no path a client names. */
  allowFileSets: boolean;
  /** When given, rule `iface` names not in it are errors. */
  knownIfaces?: string[];
  /** Default true: check the capacity limits of model.ts LIMITS. */
  checkCapacity?: boolean;
}

export type ParseResult =
  | { ok: true; ruleset: Ruleset; json: RulesetJson /* file sets inlined as arrays */ }
  | { ok: false; errors: ValidationIssue[]; capacity?: boolean /* true when every error is one of capacity */ };

/** At most this many issues are returned (a broken million-line feed should not flood a terminal). */
export const MAX_ISSUES = 100;

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseRuleset(input: unknown, opts: ParseOptions): ParseResult {
  const issues = checkSchema('ruleset', input);
  // A page of schema errors is enough to act on; checking on would only lengthen the list (and,
  // for a huge hostile body, the time: the schema scan stops at this many too).
  if (!isObject(input) || issues.length >= MAX_ISSUES) return failure(issues, false, issues.length >= MAX_ISSUES);

  // Semantic checks look only at the parts the schema accepted, so one mistake is not reported
  // twice, yet the rest of the ruleset is still checked in this round.
  const schemaPaths = new Set(issues.map((x) => x.path));
  const rejected = new Set<string>();
  for (const issue of issues) {
    const [top, name] = pointerSegments(issue.path);
    if (name !== undefined) rejected.add(pointerJoin('', top, name));
  }
  const accepted = (...segments: Array<string | number>) => !rejected.has(pointerJoin('', ...segments));

  const setsJson = isObject(input.sets) ? (input.sets as NonNullable<RulesetJson['sets']>) : {};
  const sets = new Map<string, PrefixList>();
  for (const [name, value] of Object.entries(setsJson)) {
    if (!accepted('sets', name)) continue;
    const list = loadSet(name, value, opts, issues);
    if (list) sets.set(name, list);
  }

  const rulesJson: RuleJson[] = Array.isArray(input.rules) ? (input.rules as RuleJson[]) : [];
  const ctx = { sets: new Set(Object.keys(setsJson)), knownIfaces: opts.knownIfaces };
  const rules: Array<{ rule: Rule; path: string }> = [];
  const idOwners = new Map<string, number>();
  rulesJson.forEach((json, i) => {
    const at = pointerJoin('/rules', i);
    const idPath = pointerJoin(at, 'id');
    if (isObject(json) && typeof json.id === 'string' && !schemaPaths.has(idPath)) {
      const first = idOwners.get(json.id);
      if (first === undefined) idOwners.set(json.id, i);
      else issues.push({ path: idPath, message: `duplicate id "${json.id}" (first used by rules[${first}])` });
    }
    if (!accepted('rules', i)) return;
    const checked = checkRule(json, at, ctx);
    issues.push(...checked.issues);
    if (checked.rule) rules.push({ rule: checked.rule, path: at });
  });

  const semanticCount = issues.length;
  if (opts.checkCapacity !== false) issues.push(...capacityIssues(sets, rules, rulesJson.length));
  if (issues.length > 0) return failure(issues, semanticCount === 0);

  const ruleset: Ruleset = {
    default: (input.default as Ruleset['default'] | undefined) ?? 'pass',
    ndp: (input.ndp as Ruleset['ndp'] | undefined) ?? 'bypass',
    nonIp: (input.non_ip as Ruleset['nonIp'] | undefined) ?? 'pass',
    sets,
    rules: rules.map((r) => r.rule),
  };
  let json: RulesetJson | undefined;
  return {
    ok: true,
    ruleset,
    // Built on first use: inlining a million-line feed as strings is only worth it when asked for.
    get json(): RulesetJson {
      json ??= inlineJson(input as unknown as RulesetJson, sets);
      return json;
    },
  };
}

/** One set's members, or null after pushing its issues. */
function loadSet(name: string, value: string[] | { file: string }, opts: ParseOptions, issues: ValidationIssue[]): PrefixList | null {
  const at = pointerJoin('/sets', name);
  if (Array.isArray(value)) {
    const { list, errors } = parsePrefixStrings(value);
    for (const e of errors) issues.push({ path: pointerJoin(at, e.index), message: e.message });
    return errors.length === 0 ? list : null;
  }
  if (!opts.allowFileSets) {
    issues.push({ path: at, message: 'file-backed sets are refused here: the daemon reads no path a client names; send the members inline' });
    return null;
  }
  let result;
  try {
    result = readSetFile(value.file, opts.baseDir ?? process.cwd());
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    issues.push({ path: pointerJoin(at, 'file'), message: `cannot read ${value.file}: ${why}` });
    return null;
  }
  for (const message of result.errors) issues.push({ path: at, message });
  return result.errors.length === 0 ? result.list : null;
}

/**
 * The ruleset JSON as applied: a copy, with file-backed sets replaced by their members. Member
 * arrays are shared, not copied (they are never changed in place; edits make new arrays).
 */
function inlineJson(input: RulesetJson, sets: ReadonlyMap<string, PrefixList>): RulesetJson {
  const out: RulesetJson = { ...input, rules: structuredClone(input.rules) };
  if (input.sets) {
    out.sets = {};
    for (const [name, value] of Object.entries(input.sets)) {
      out.sets[name] = Array.isArray(value) ? value : (sets.get(name) as PrefixList).toStrings();
    }
  }
  return out;
}

function sortIssues(issues: readonly ValidationIssue[]): ValidationIssue[] {
  return [...issues].sort((a, b) => comparePointers(a.path, b.path));
}

function failure(issues: ValidationIssue[], capacity = false, stopped = false): ParseResult {
  const sorted = sortIssues(issues);
  const more = stopped ? '... and possibly more errors (checking stopped here)' : `... and ${sorted.length - MAX_ISSUES} more errors`;
  const errors = sorted.length > MAX_ISSUES || stopped ? [...sorted.slice(0, MAX_ISSUES), { path: '', message: more }] : sorted;
  return capacity ? { ok: false, errors, capacity: true } : { ok: false, errors };
}

/** Parses ruleset JSON text (a syntax error is an issue at path ""). */
export function parseRulesetText(text: string, opts: ParseOptions): ParseResult {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, errors: [{ path: '', message: parsed.message }] };
  return parseRuleset(parsed.value, opts);
}

/** Reads and parses a ruleset file; file sets are read relative to its directory. */
export function parseRulesetFile(file: string, opts: Partial<ParseOptions> = {}): ParseResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `cannot read ${file}: ${(err as Error).message}` }] };
  }
  return parseRulesetText(text, { allowFileSets: true, baseDir: path.dirname(path.resolve(file)), ...opts });
}

/** One rule on its own (the REST API's rule routes); issue paths start with `path`. */
export function parseRule(
  input: unknown,
  ctx: { sets: Set<string>; knownIfaces?: string[] },
  path: string,
): { ok: true; rule: Rule } | { ok: false; errors: ValidationIssue[] } {
  const schemaIssues = checkSchema('rule', input, path);
  if (schemaIssues.length > 0) return { ok: false, errors: sortIssues(schemaIssues) };
  const { rule, issues } = checkRule(input as RuleJson, path, ctx);
  if (rule === null) return { ok: false, errors: sortIssues(issues) };
  return { ok: true, rule };
}

/** Set members on their own (the REST API's set routes); issue paths start with `path`. */
export function parseSetElements(input: unknown, path: string): { ok: true; list: PrefixList } | { ok: false; errors: ValidationIssue[] } {
  const schemaIssues = checkSchema('setElements', input, path);
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues.slice(0, MAX_ISSUES) };
  const { list, errors } = parsePrefixStrings(input as string[]);
  if (errors.length > 0) {
    return { ok: false, errors: errors.slice(0, MAX_ISSUES).map((e) => ({ path: pointerJoin(path, e.index), message: e.message })) };
  }
  return { ok: true, list };
}
