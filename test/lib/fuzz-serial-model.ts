// The serial oracle for the concurrency test: REST mutations of CONTRACT section 5 replayed one
// by one on a plain model of the ruleset, giving for each the answer the contract demands in
// that order (2xx with generation N+1, 404 for a rule that is not there, 412 for a stale
// If-Match) and the ruleset that must be in force at the end. Written from the contract, not
// from src/service.

import type { RuleJson, RulesetJson } from '../../src/ruleset/model';

export type MutationOp =
  | { kind: 'postRule'; rule: RuleJson }
  | { kind: 'putRule'; id: string; rule: RuleJson }
  | { kind: 'deleteRule'; id: string }
  | { kind: 'patchSet'; name: string; add: string[]; remove: string[] }
  | { kind: 'putSet'; name: string; elements: string[] }
  | { kind: 'putRuleset'; ruleset: RulesetJson };

export interface Expected {
  status: number;
  /** The generation a 2xx answer carries. */
  generation?: number;
}

/** The HTTP request for an op. */
export function requestOf(op: MutationOp): { method: 'POST' | 'PUT' | 'DELETE' | 'PATCH'; url: string; body?: unknown } {
  switch (op.kind) {
    case 'postRule': return { method: 'POST', url: '/v1/rules', body: op.rule };
    case 'putRule': return { method: 'PUT', url: `/v1/rules/${op.id}`, body: op.rule };
    case 'deleteRule': return { method: 'DELETE', url: `/v1/rules/${op.id}` };
    case 'patchSet': return { method: 'PATCH', url: `/v1/sets/${op.name}`, body: { add: op.add, remove: op.remove } };
    case 'putSet': return { method: 'PUT', url: `/v1/sets/${op.name}`, body: { elements: op.elements } };
    case 'putRuleset': return { method: 'PUT', url: '/v1/ruleset', body: op.ruleset };
  }
}

export class SerialModel {
  generation: number;
  ruleset: RulesetJson;

  constructor(initial: RulesetJson, generation: number) {
    this.ruleset = structuredClone(initial);
    this.generation = generation;
  }

  /** Applies one op as the contract says, in this order; `ifMatch` as sent (or undefined). */
  apply(op: MutationOp, ifMatch: string | undefined): Expected {
    if (ifMatch !== undefined && ifMatch !== `"${this.generation}"`) return { status: 412 };
    const rs = this.ruleset;
    const at = (id: string) => rs.rules.findIndex((r) => r.id === id);
    switch (op.kind) {
      case 'postRule':
        if (at(op.rule.id) >= 0) return { status: 409 };
        rs.rules.push(structuredClone(op.rule));
        return this.commit(201);
      case 'putRule':
        if (at(op.id) < 0) return { status: 404 };
        rs.rules[at(op.id)] = structuredClone(op.rule);
        return this.commit(200);
      case 'deleteRule':
        if (at(op.id) < 0) return { status: 404 };
        rs.rules.splice(at(op.id), 1);
        return this.commit(200);
      case 'patchSet': {
        const members = this.set(op.name);
        if (!members) return { status: 404 };
        const kept = members.filter((m) => !op.remove.includes(m));
        this.rulesetSets()[op.name] = [...kept, ...op.add.filter((a) => !kept.includes(a))];
        return this.commit(200);
      }
      case 'putSet':
        if (!this.set(op.name)) return { status: 404 };
        this.rulesetSets()[op.name] = [...op.elements];
        return this.commit(200);
      case 'putRuleset':
        this.ruleset = structuredClone(op.ruleset);
        return this.commit(200);
    }
  }

  private commit(status: number): Expected {
    this.generation += 1;
    return { status, generation: this.generation };
  }

  private rulesetSets(): Record<string, string[]> {
    this.ruleset.sets ??= {};
    return this.ruleset.sets as Record<string, string[]>;
  }

  private set(name: string): string[] | undefined {
    const v = this.ruleset.sets?.[name];
    return Array.isArray(v) && Object.hasOwn(this.ruleset.sets ?? {}, name) ? v : undefined;
  }
}
