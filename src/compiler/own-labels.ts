// The labels an address entry carries itself (not inherited), one u32 per entry: a single label
// as itself, a set of several as MULTI | index into a table shared by all compiles. Kept so that
// an incremental compile can recompute an entry's class when a prefix around it changes.

const MULTI = 0x80000000;

export class OwnLabelSets {
  private readonly lists: number[][] = [];
  private readonly byKey = new Map<string, number>();

  /** The code of a sorted, duplicate-free, non-empty label set. Append-only: codes never change meaning. */
  code(labels: readonly number[]): number {
    if (labels.length === 1) return labels[0];
    const key = labels.join(',');
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.lists.length;
      this.lists.push([...labels]);
      this.byKey.set(key, index);
    }
    return (MULTI | index) >>> 0;
  }

  labels(code: number): readonly number[] {
    return code >= MULTI ? this.lists[code - MULTI] : [code];
  }
}
