// The reference classifier made fast for huge sets. The reference scans every set member per
// lookup, which is fine for tests but not for a million prefixes x thousands of rules. Here each
// packet's sets are first cut down to the members that contain its source or destination (found
// by hashing the address masked to each prefix length present), and then the unchanged
// reference decides: membership of the packet's addresses is the same in both, so the outcome is.

import { PrefixList, wordMask, type Family } from '../../src/ruleset/address';
import type { Ruleset } from '../../src/ruleset/model';
import { classifyParsed, parseFrame, type Outcome } from './reference';

/** Which sets hold each prefix: per prefix length, masked address -> bitmask of set indexes. */
export class SetMembershipIndex {
  private readonly names: string[];
  private readonly v4 = new Map<number, Map<number, number>>();
  private readonly v6 = new Map<number, Map<string, number>>();

  constructor(sets: ReadonlyMap<string, PrefixList>) {
    this.names = [...sets.keys()];
    if (this.names.length > 31) throw new Error('SetMembershipIndex: at most 31 sets (one bit each)');
    this.names.forEach((name, bit) => {
      const list = sets.get(name)!;
      const a4 = list.v4();
      for (let i = 0; i < a4.len.length; i++) {
        // `| 0` keeps keys small integers, which Maps hash far faster than doubles.
        const byLen = getOrNew(this.v4, a4.len[i]);
        const key = a4.addr[i] | 0;
        byLen.set(key, (byLen.get(key) ?? 0) | (1 << bit));
      }
      const a6 = list.v6();
      for (let i = 0; i < a6.len.length; i++) {
        const byLen = getOrNew(this.v6, a6.len[i]);
        const key = v6Key(a6.addr.subarray(i * 4, i * 4 + 4), a6.len[i]);
        byLen.set(key, (byLen.get(key) ?? 0) | (1 << bit));
      }
    });
  }

  /** Adds to `out` (set name -> list) every member, of any set, that contains the address. */
  collect(family: Family, address: number[], out: Map<string, PrefixList>): void {
    if (family === 4) {
      for (const [len, byLen] of this.v4) {
        const masked = (address[0] & wordMask(len)) >>> 0;
        this.addMembers(byLen.get(masked | 0), { family, words: [masked], len }, out);
      }
      return;
    }
    for (const [len, byLen] of this.v6) {
      const words = address.map((w, k) => (w & wordMask(len - 32 * k)) >>> 0);
      this.addMembers(byLen.get(v6Key(words, len)), { family, words, len }, out);
    }
  }

  private addMembers(bits: number | undefined, p: { family: Family; words: number[]; len: number }, out: Map<string, PrefixList>): void {
    if (bits === undefined) return;
    this.names.forEach((name, bit) => {
      if (bits & (1 << bit)) out.get(name)!.add(p);
    });
  }

  get setNames(): readonly string[] {
    return this.names;
  }
}

/** The reference's outcome for `frame`, with set lookups through the index. */
export function classifyWithIndex(model: Ruleset, index: SetMembershipIndex, frame: Buffer, iface: string): Outcome {
  const parsed = parseFrame(frame);
  if (parsed.kind !== 'ip') return classifyParsed(model, parsed, iface);
  const sets = new Map(index.setNames.map((n) => [n, new PrefixList()] as const));
  index.collect(parsed.family, parsed.src, sets);
  index.collect(parsed.family, parsed.dst, sets);
  return classifyParsed({ ...model, sets }, parsed, iface);
}

function v6Key(words: ArrayLike<number>, len: number): string {
  return `${words[0]},${words[1]},${words[2]},${words[3]}/${len}`;
}

function getOrNew<K, V>(m: Map<number, Map<K, V>>, len: number): Map<K, V> {
  let inner = m.get(len);
  if (!inner) {
    inner = new Map();
    m.set(len, inner);
  }
  return inner;
}
