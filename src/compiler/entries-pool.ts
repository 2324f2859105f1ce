// Recycled arrays for the entries an incremental compile merges (about 14 MB for a million
// IPv4 prefixes). Fresh memory page-faults on first touch, 7-20 ms for that size on the test VM,
// against 2 ms to copy into memory touched before. The data plane gives back the entries of a
// generation no table copy holds any more (GenerationWriter); they are marked released, and a
// compile offered released entries as its previous ones computes from scratch instead.

import type { FamilyEntries } from './address-classes';

/** Buffers kept per address width; more would only hold memory. */
const KEEP = 2;
/** Headroom of a fresh allocation, so that patches adding a few entries still fit next time. */
const HEADROOM = 1 / 16;

export type EntryArrays = Pick<FamilyEntries, 'addr' | 'len' | 'cls' | 'own'>;

export class EntriesPool {
  private readonly spare = new Map<number, EntryArrays[]>();

  /** Arrays for `size` entries of `width` words (contents undefined). */
  take(width: number, size: number): EntryArrays {
    const list = this.spare.get(width) ?? [];
    const i = list.findIndex((s) => s.len.buffer.byteLength >= size);
    if (i >= 0) {
      const [s] = list.splice(i, 1);
      return {
        addr: new Uint32Array(s.addr.buffer, 0, size * width),
        len: new Uint8Array(s.len.buffer, 0, size),
        cls: new Uint32Array(s.cls.buffer, 0, size),
        own: new Uint32Array(s.own.buffer, 0, size),
      };
    }
    const cap = Math.ceil(size * (1 + HEADROOM)) + 1024;
    return {
      addr: new Uint32Array(new ArrayBuffer(cap * width * 4), 0, size * width),
      len: new Uint8Array(new ArrayBuffer(cap), 0, size),
      cls: new Uint32Array(new ArrayBuffer(cap * 4), 0, size),
      own: new Uint32Array(new ArrayBuffer(cap * 4), 0, size),
    };
  }

  /** Takes back entries nobody will read again; they are marked released. */
  give(width: number, e: FamilyEntries): void {
    if (e.released) return;
    e.released = true;
    const list = this.spare.get(width) ?? this.spare.set(width, []).get(width)!;
    // Only whole buffers of consistent capacity are reusable as views from offset 0.
    const cap = e.len.buffer.byteLength;
    if (e.addr.byteOffset !== 0 || e.addr.buffer.byteLength < cap * width * 4 || e.cls.buffer.byteLength < cap * 4 || e.own.buffer.byteLength < cap * 4) return;
    list.push({ addr: e.addr, len: e.len, cls: e.cls, own: e.own });
    if (list.length > KEEP) list.shift();
  }
}
