// Sequences of small changes to one ruleset, the way a daemon sees them: set patches (PrefixList
// withChanges), set replacements (a new list: the compiler has to diff), a nesting prefix added
// around existing members and removed again, rules edited, rules naming new literals added and
// removed, a rule using another set switched on and off, and a set modified in place. Addresses
// cluster around a few anchors so prefixes nest, in both families.

import { PrefixList, formatIPv4, formatIPv6, wordMask, type Prefix } from '../../src/ruleset/address';
import type { AddrField, Rule, Ruleset } from '../../src/ruleset/model';
import { Rng } from './rng';

export type ChangeKind = 'patch' | 'nest' | 'replace' | 'edit-rule' | 'add-literals' | 'remove-rule' | 'toggle-set' | 'in-place';

const ANCHORS4 = [[0x0a000000], [0xc0a80000], [0xc6336400]];
const ANCHORS6 = [[0x20010db8, 0, 0, 0], [0xfd000000, 0x12340000, 0, 0]];

/** A random prefix near an anchor: its top `keep` bits, random below, masked to `len`. */
export function nearPrefix(rng: Rng, family: 4 | 6, len?: number): Prefix {
  const a = rng.pick(family === 4 ? ANCHORS4 : ANCHORS6);
  const keep = family === 4 ? rng.int(8, 20) : rng.int(16, 40);
  const bits = len ?? (family === 4 ? rng.weighted([[3, 32], [2, 24], [2, rng.int(keep, 31)]]) : rng.weighted([[2, 128], [2, rng.int(48, 64)], [1, rng.int(keep, 47)]]));
  const words = a.map((w, k) => {
    const raw = ((w & wordMask(keep - 32 * k)) | (rng.u32() & ~wordMask(keep - 32 * k))) >>> 0;
    return (raw & wordMask(bits - 32 * k)) >>> 0;
  });
  return { family, words, len: bits };
}

/** A random address inside a prefix. */
export function addressIn(rng: Rng, p: Prefix): number[] {
  return p.words.map((w, k) => (w | (rng.u32() & ~wordMask(p.len - 32 * k))) >>> 0);
}

export const formatAddress = (family: 4 | 6, words: number[]) => (family === 4 ? formatIPv4(words[0]) : formatIPv6(words));

function rule(id: string, partial: Partial<Rule>): Rule {
  return {
    id, action: 'drop', enabled: true, comment: null, src: null, dst: null, proto: null, sport: null, dport: null,
    tcpFlags: null, icmpType: null, icmpCode: null, fragment: null, iface: null, family: null, ...partial,
  };
}

const field = (sets: string[], prefixes: Prefix[] = []): AddrField => ({ sets, prefixes: PrefixList.of(prefixes) });

function randomSet(rng: Rng, n4: number, n6: number): PrefixList {
  const list = new PrefixList();
  while (list.countV4 < n4) list.add(nearPrefix(rng, 4));
  while (list.countV6 < n6) list.add(nearPrefix(rng, 6));
  return list;
}

export interface Step {
  kind: ChangeKind;
  model: Ruleset;
}

export class ChangeSequence {
  model: Ruleset;
  private readonly rng: Rng;
  private literalRules = 0;

  constructor(seed: number, sizes = { s4: 1500, s6: 600, mix: 150 }) {
    this.rng = new Rng(seed);
    const rng = this.rng;
    const sets = new Map<string, PrefixList>([
      ['s4', randomSet(rng, sizes.s4, 0)],
      ['s6', randomSet(rng, 0, sizes.s6)],
      ['mix', randomSet(rng, sizes.mix, sizes.mix)],
      ['spare', randomSet(rng, 200, 100)],
    ]);
    const rules: Rule[] = [
      rule('set4', { src: field(['s4']), proto: [17] }),
      rule('set6', { src: field(['s6']), action: 'pass' }),
      rule('mixdst', { dst: field(['mix']), dport: [{ lo: 1000, hi: 2000 }], action: 'pass' }),
      rule('spare', { src: field(['spare']), enabled: false }),
      rule('both', { src: field(['s4', 'mix'], [nearPrefix(rng, 4, 16)]), dst: field([], [nearPrefix(rng, 4, 12), nearPrefix(rng, 6, 32)]), proto: [6] }),
    ];
    for (let i = 0; i < 6; i++) rules.push(this.literalRule(rng.int(1, 3)));
    rules.push(rule('tail', { proto: [17], dport: [{ lo: 53, hi: 53 }], action: 'pass' }));
    this.model = { default: 'pass', ndp: 'bypass', nonIp: 'pass', sets, rules };
  }

  private literalRule(count: number): Rule {
    const rng = this.rng;
    const prefixes = Array.from({ length: count }, () => nearPrefix(rng, rng.chance(0.6) ? 4 : 6, rng.chance(0.3) ? rng.int(8, 20) : undefined));
    const id = `lit${this.literalRules++}`;
    return rule(id, {
      [rng.chance(0.7) ? 'src' : 'dst']: field([], prefixes),
      action: rng.chance(0.5) ? 'pass' : 'drop',
      proto: rng.chance(0.5) ? [17] : null,
    });
  }

  /** Every prefix rules can name now (members of used sets, literals), for drawing packets. */
  prefixes(): Prefix[] {
    const out: Prefix[] = [];
    for (const r of this.model.rules) {
      for (const f of [r.src, r.dst]) {
        if (!f) continue;
        out.push(...f.prefixes);
        for (const name of f.sets) out.push(...(this.model.sets.get(name) ?? []));
      }
    }
    return out;
  }

  /** Applies one random change (or the given kind, to the given set) and returns the new model. */
  next(kind?: ChangeKind, set?: string): Step {
    const rng = this.rng;
    const k = kind ?? rng.weighted<ChangeKind>([[5, 'patch'], [2, 'nest'], [2, 'replace'], [2, 'edit-rule'], [2, 'add-literals'], [1, 'remove-rule'], [1, 'toggle-set'], [1, 'in-place']]);
    const m = this.model;
    const sets = new Map(m.sets);
    let rules = m.rules;
    const setName = set ?? rng.pick(['s4', 's6', 'mix', 'spare']);
    const list = sets.get(setName) as PrefixList;
    const members = [...list];
    switch (k) {
      case 'patch': {
        const added = Array.from({ length: rng.int(0, 40) }, () => nearPrefix(rng, setName === 's6' || (setName !== 's4' && rng.chance(0.5)) ? 6 : 4));
        const removed = rng.sample(members, rng.int(0, 40));
        sets.set(setName, list.withChanges(added, removed));
        break;
      }
      case 'nest': {
        // A short prefix around existing members: in, or out again if it is there.
        const fam = setName === 's6' ? 6 : 4;
        const around: Prefix = fam === 4 ? { family: 4, words: [0x0a000000], len: 8 } : { family: 6, words: [0x20010db8, 0, 0, 0], len: 32 };
        const inner: Prefix = fam === 4 ? { family: 4, words: [0x0a000000], len: 16 } : { family: 6, words: [0x20010db8, 0, 0, 0], len: 48 };
        const nest = rng.chance(0.7) ? around : inner;
        sets.set(setName, list.has(nest) ? list.withChanges([], [nest]) : list.withChanges([nest], []));
        break;
      }
      case 'replace': {
        const keep = members.filter(() => rng.chance(0.97));
        const fresh = new PrefixList();
        for (const p of keep) fresh.add(p);
        for (let i = rng.int(0, 30); i > 0; i--) fresh.add(nearPrefix(rng, setName === 's6' ? 6 : 4));
        sets.set(setName, fresh);
        break;
      }
      case 'edit-rule': {
        const i = rng.int(0, rules.length - 1);
        const lo = rng.int(1, 60000);
        rules = rules.map((r, j) => (j === i ? { ...r, dport: [{ lo, hi: lo + rng.int(0, 10) }], proto: [17] } : r));
        break;
      }
      case 'add-literals':
        rules = [...rules];
        rules.splice(rng.int(0, rules.length), 0, this.literalRule(rng.int(1, 4)));
        break;
      case 'remove-rule': {
        const lits = rules.filter((r) => r.id.startsWith('lit'));
        if (lits.length > 0) {
          const gone = rng.pick(lits).id;
          rules = rules.filter((r) => r.id !== gone);
        }
        break;
      }
      case 'toggle-set':
        rules = rules.map((r) => (r.id === 'spare' ? { ...r, enabled: !r.enabled } : r));
        break;
      case 'in-place':
        // The list the previous compile saw changes under it: its version tells.
        list.add(nearPrefix(rng, setName === 's6' ? 6 : 4));
        break;
    }
    this.model = { ...m, sets, rules };
    return { kind: k, model: this.model };
  }
}
