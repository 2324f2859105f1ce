// The REST mutations as pure edits of the ruleset JSON in force: each returns the new JSON, or
// throws the ServiceError the contract gives (404 unknown rule or set, 409 duplicate id, 400 a
// body that cannot be an edit). What spans the whole ruleset (capacity) is checked afterwards.

import { PrefixList } from '../ruleset/address';
import type { RuleJson, RulesetJson } from '../ruleset/model';
import { checkSchema } from '../ruleset/schema';
import { parseSetElements } from '../ruleset/validate';
import { ServiceError, invalid } from './errors';
import { MemberKey, SetMembers, keyOf, memberKey, memberPrefix, setsWithMembers } from './set-members';

export interface Placement {
  before?: string;
  after?: string;
}

/** The new ruleset with `rule` inserted (appended unless placed); returns its index too. */
export function insertRule(cur: RulesetJson, rule: RuleJson, at: Placement): { json: RulesetJson; index: number } {
  if (at.before !== undefined && at.after !== undefined) {
    throw invalid('give ?before or ?after, not both', [{ path: '', message: 'before and after both given' }]);
  }
  if (cur.rules.some((r) => r.id === rule.id)) {
    throw new ServiceError('conflict', `a rule with id "${rule.id}" already exists`, [{ path: '/id', message: `duplicate id "${rule.id}"` }]);
  }
  let index = cur.rules.length;
  const anchor = at.before ?? at.after;
  if (anchor !== undefined) {
    const i = cur.rules.findIndex((r) => r.id === anchor);
    if (i === -1) throw new ServiceError('not_found', `no rule "${anchor}" to place the new rule ${at.before !== undefined ? 'before' : 'after'}`);
    index = at.before !== undefined ? i : i + 1;
  }
  const rules = [...cur.rules.slice(0, index), rule, ...cur.rules.slice(index)];
  return { json: { ...cur, rules }, index };
}

export function replaceRule(cur: RulesetJson, id: string, rule: RuleJson): { json: RulesetJson; index: number } {
  const index = ruleIndex(cur, id);
  if (rule.id !== id) {
    throw invalid(`the body's id must be the id in the path ("${id}")`, [{ path: '/id', message: `must be "${id}" (rules are renamed by DELETE and POST)` }]);
  }
  const rules = cur.rules.slice();
  rules[index] = rule;
  return { json: { ...cur, rules }, index };
}

export function deleteRule(cur: RulesetJson, id: string): RulesetJson {
  const index = ruleIndex(cur, id);
  return { ...cur, rules: [...cur.rules.slice(0, index), ...cur.rules.slice(index + 1)] };
}

export function ruleIndex(cur: RulesetJson, id: string): number {
  const index = cur.rules.findIndex((r) => r.id === id);
  if (index === -1) throw new ServiceError('not_found', `no rule "${id}"`);
  return index;
}

/** Throws 404 unless the ruleset has a set `name`; never reads its members (they may be unbuilt). */
export function requireSet(cur: RulesetJson, name: string): void {
  if (!Object.hasOwn(cur.sets ?? {}, name)) throw new ServiceError('not_found', `no set "${name}"`);
}

/** The members of a set as stored (file-backed sets are always inline in the daemon). */
export function setMembers(cur: RulesetJson, name: string): string[] {
  requireSet(cur, name);
  const value = cur.sets![name];
  if (!Array.isArray(value)) throw new ServiceError('internal', `set "${name}" is not inline`);
  return value;
}

/** The ruleset with set `name` bound to `members` (built when first read). */
export function withMembers(cur: RulesetJson, name: string, members: SetMembers): RulesetJson {
  return { ...cur, sets: setsWithMembers(cur.sets, name, members) };
}

/** PUT /v1/sets/:name `{"elements": [...]}`: duplicates (as prefixes) are kept once. */
export function replaceSet(cur: RulesetJson, name: string, body: unknown): { elements: string[]; list: PrefixList } {
  requireSet(cur, name);
  const issues = checkSchema('setReplace', body);
  if (issues.length > 0) throw invalid('invalid set', issues);
  const elements = (body as { elements: string[] }).elements;
  const parsed = parseSetElements(elements, '/elements');
  if (!parsed.ok) throw invalid('invalid set members', parsed.errors);
  return { elements: uniqueByPrefix(elements), list: parsed.list };
}

/** A PATCH as applied: the members added (new prefixes only) and removed (members only). */
export interface AppliedPatch {
  members: SetMembers;
  list: PrefixList;
  add: string[];
  remove: string[];
}

/**
 * PATCH /v1/sets/:name `{"add": [...], "remove": [...]}`: members compare as prefixes
 * (`10.0.0.1` = `10.0.0.1/32`); adding a member or removing a non-member is no error; the same
 * prefix in both lists is. `current` is the parsed set in force: it answers membership, so the
 * patch costs O(patch), not O(members).
 */
export function patchSet(members: SetMembers, body: unknown, current: PrefixList): AppliedPatch {
  const issues = checkSchema('setPatch', body);
  if (issues.length > 0) throw invalid('invalid set patch', issues);
  const { add = [], remove = [] } = body as { add?: string[]; remove?: string[] };
  const added = parseSetElements(add, '/add');
  const removed = parseSetElements(remove, '/remove');
  const bad = [...(added.ok ? [] : added.errors), ...(removed.ok ? [] : removed.errors)];
  if (bad.length > 0 || !added.ok || !removed.ok) throw invalid('invalid set members', bad);

  const both = remove.flatMap((text, i) =>
    added.list.has(memberPrefix(text)) ? [{ path: `/remove/${i}`, message: `"${text}" is also in add: a prefix cannot be added and removed at once` }] : [],
  );
  if (both.length > 0) throw invalid('the same prefix is in add and remove', both);

  const gone = new Set<MemberKey>();
  const removedTexts = remove.filter((text) => {
    const p = memberPrefix(text);
    const key = keyOf(p);
    if (gone.has(key) || !current.has(p)) return false;
    gone.add(key);
    return true;
  });
  const fresh = new PrefixList();
  const appended = add.filter((text) => {
    const p = memberPrefix(text);
    return !current.has(p) && fresh.add(p);
  });
  // The parsed set follows from the one in force by the same changes: the daemon need not parse
  // a million members again, and the compiler sees exactly what changed.
  const list = current.withChanges(added.list, removed.list);
  return { members: members.patch(appended, [...gone]), list, add: appended, remove: removedTexts };
}
/** The first spelling of each prefix, in order. */
export function uniqueByPrefix(texts: readonly string[]): string[] {
  const seen = new Set<MemberKey>();
  return texts.filter((text) => {
    const key = memberKey(text);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
