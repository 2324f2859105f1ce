// The member strings of a set as the user spelled them, after any number of PATCHes, without
// rewriting a million-element array per patch: a base array, the prefixes removed from it since,
// and the members appended since. The array is only built when someone reads it (GET, a state
// snapshot), and the delta is folded into a new base once it grows past FOLD_AT.

import { Prefix, parsePrefix, prefixKey, scanIPv4Prefix } from '../ruleset/address';

/** Past this many pending changes a patch folds them into a new base (one O(members) pass). */
export const FOLD_AT = 1 << 16;

/** A prefix's identity: IPv4 as the packed number of scanIPv4Prefix, IPv6 as prefixKey. */
export type MemberKey = number | string;

/** The key of a parsed prefix (the same key memberKey gives its text). */
export function keyOf(p: Prefix): MemberKey {
  return p.family === 4 ? p.words[0] * 64 + p.len : prefixKey(p);
}

/** The key of a member already checked by validation (IPv4 without allocating). */
export function memberKey(text: string): MemberKey {
  const v4 = scanIPv4Prefix(text);
  return v4 >= 0 ? v4 : keyOf(memberPrefix(text));
}

/** A member already checked by validation, parsed again (IPv4 through the fast path). */
export function memberPrefix(text: string): Prefix {
  const key = scanIPv4Prefix(text);
  if (key >= 0) return { family: 4, words: [Math.floor(key / 64)], len: key % 64 };
  return parsePrefix(text) as Prefix;
}

export class SetMembers {
  private materialised: string[] | null;

  private constructor(
    private readonly base: readonly string[],
    /** Keys of prefixes taken out of `base` since it was built. */
    private readonly removed: ReadonlySet<MemberKey>,
    /** Members added since, each a prefix that was not a member when added. */
    private readonly appended: readonly string[],
  ) {
    this.materialised = removed.size === 0 && appended.length === 0 ? (base as string[]) : null;
  }

  /** The members as stored: the array itself is kept, not copied (it is never changed in place). */
  static of(texts: readonly string[]): SetMembers {
    return new SetMembers(texts, new Set(), []);
  }

  /** Changes since the base: what a patch has to copy, and what a read has to apply. */
  get pending(): number {
    return this.removed.size + this.appended.length;
  }

  /**
   * These members, minus every member whose prefix is in `removeKeys`, plus `add` (texts of
   * prefixes that are not members now; the caller checks that against the parsed set). Costs
   * O(pending + patch), not O(members).
   */
  patch(add: readonly string[], removeKeys: readonly MemberKey[]): SetMembers {
    if (add.length === 0 && removeKeys.length === 0) return this;
    let removed = this.removed;
    let appended: readonly string[] = this.appended;
    if (removeKeys.length > 0) {
      const gone = new Set(removeKeys);
      removed = new Set([...this.removed, ...removeKeys]);
      if (appended.length > 0) appended = appended.filter((text) => !gone.has(memberKey(text)));
    }
    const next = new SetMembers(this.base, removed, add.length > 0 ? [...appended, ...add] : appended);
    return next.pending > FOLD_AT ? SetMembers.of(next.toArray()) : next;
  }

  /** The member strings, in order: the base's survivors, then the appended ones. */
  toArray(): string[] {
    if (this.materialised === null) {
      const kept = this.removed.size > 0 ? this.base.filter((text) => !this.removed.has(memberKey(text))) : this.base.slice();
      this.materialised = this.appended.length > 0 ? kept.concat(this.appended) : kept;
    }
    return this.materialised;
  }
}

/**
 * A copy of a ruleset's `sets` object with `name` bound to `members`, read lazily: the getter
 * builds the array on first read (JSON.stringify, GET), and the other sets' properties are copied
 * as they are, getters included, so an unread patched set stays unbuilt.
 */
export function setsWithMembers<T extends object>(sets: T | undefined, name: string, members: SetMembers): T {
  const out = Object.defineProperties({}, Object.getOwnPropertyDescriptors(sets ?? {})) as T;
  Object.defineProperty(out, name, { enumerable: true, configurable: true, get: () => members.toArray() });
  return out;
}
