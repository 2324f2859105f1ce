// What a mutation hands to the commit: the new JSON and model, and how to persist it. A REST edit
// of one rule or set is applied to the model in force (the rest was checked when it came in) and
// checked here only for what spans the ruleset (capacity), with the error a PUT of the whole
// edited ruleset would get (test/service-edits.test.ts holds the two to the same answers).

import type { PrefixList } from '../ruleset/address';
import { capacityIssues } from '../ruleset/capacity';
import type { Rule, Ruleset, RulesetJson, ValidationIssue } from '../ruleset/model';
import { pointerJoin } from '../ruleset/pointer';
import type { ParseResult } from '../ruleset/validate';
import { ServiceError, invalid } from './errors';
import * as edits from './ruleset-edits';
import type { SetMembers } from './set-members';
import type { SetChange } from './state-store';

/** A ruleset ready to commit: its JSON and model, and how to persist it. */
export interface Change {
  json: RulesetJson;
  model: Ruleset;
  members: ReadonlyMap<string, SetMembers>;
  /** null: a whole ruleset (a snapshot); else the journal delta of a REST edit. */
  delta: { rules: boolean; sets: Record<string, SetChange> } | null;
}

/** What an edit starts from: the ruleset in force. */
export type EditBase = Pick<Change, 'json' | 'model' | 'members'>;

/**
 * A rule added, replaced or deleted: the model in force with that one rule changed, checked for
 * what spans rules (capacity). `index` is the edited rule's, so its errors read relative to it.
 */
export function ruleEdit(cur: EditBase, json: RulesetJson, rules: Rule[], index: number | null): Change {
  const model = { ...cur.model, rules };
  const issues = capacityIssues(model.sets, rules.map((rule, i) => ({ rule, path: pointerJoin('/rules', i) })), rules.length);
  if (issues.length > 0) {
    const parsed = rebase({ ok: false, errors: issues }, index === null ? null : `/rules/${index}`);
    throw rejection('the change is not valid', parsed.ok ? [] : parsed.errors, true);
  }
  return { json, model, members: cur.members, delta: { rules: true, sets: {} } };
}

/** A set replaced or patched: the model in force with that set's new list, capacity checked. */
export function setEdit(cur: EditBase, name: string, list: PrefixList, members: SetMembers, change: SetChange): Change {
  const sets = new Map(cur.model.sets).set(name, list);
  const issues = capacityIssues(sets, [], 0);
  if (issues.length > 0) throw rejection('the change is not valid', issues, true);
  return {
    json: edits.withMembers(cur.json, name, members),
    model: { ...cur.model, sets },
    members: new Map(cur.members).set(name, members),
    delta: { rules: false, sets: { [name]: change } },
  };
}

/** The error of a rejected ruleset: 422 when only capacity, 409 when only duplicate ids, else 400. */
export function rejection(message: string, errors: ValidationIssue[], capacity?: boolean): ServiceError {
  if (capacity) return new ServiceError('capacity_exceeded', 'the ruleset exceeds the capacity of the data path', errors);
  if (errors.length > 0 && errors.every(isDuplicateId)) return new ServiceError('conflict', 'duplicate rule id', errors);
  return invalid(message, errors);
}

function isDuplicateId(issue: ValidationIssue): boolean {
  return /\/id$/.test(issue.path) && issue.message.startsWith('duplicate id');
}

/** A whole ruleset, parsed: committed as a snapshot. */
export function whole(parsed: ParseResult & { ok: true }): Change {
  return { json: parsed.json, model: parsed.ruleset, members: new Map(), delta: null };
}

/** `rules` with `count` rules at `index` replaced by `insert` (a copy). */
export function spliced(rules: readonly Rule[], index: number, count: number, ...insert: Rule[]): Rule[] {
  const out = rules.slice();
  out.splice(index, count, ...insert);
  return out;
}

/** Paths inside the edited rule become relative to the request body (the rule). */
function rebase(parsed: ParseResult, rulePath: string | null): ParseResult {
  if (parsed.ok || rulePath === null) return parsed;
  const errors = parsed.errors.map((e) =>
    e.path === rulePath || e.path.startsWith(rulePath + '/') ? { ...e, path: e.path.slice(rulePath.length) } : e,
  );
  return { ...parsed, errors };
}
