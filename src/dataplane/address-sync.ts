// Brings one copy's address map to the compiled entries. When what the copy holds is known (the
// compiled ruleset last written to it), only the difference is written: both lists are sorted by
// (address, length), so one merge finds it. Otherwise the map is emptied and filled.

import { BpfMap } from '../../native/lib';
import { encodeAddr4Keys, encodeAddr6Keys, encodeU32s } from './encode';

export interface AddrList {
  addr: Uint32Array;
  len: Uint8Array;
  cls: Uint32Array;
}

export interface SyncStats {
  written: number;
  deleted: number;
}

export function syncAddressMap(map: BpfMap, family: 4 | 6, desired: AddrList, known: AddrList | null): SyncStats {
  const width = family === 4 ? 1 : 4;
  const encodeKeys = family === 4 ? encodeAddr4Keys : encodeAddr6Keys;
  if (known === null) {
    const deleted = clearMap(map);
    writeEntries(map, encodeKeys(desired.addr, desired.len), encodeU32s(desired.cls), desired.len.length);
    return { written: desired.len.length, deleted };
  }
  const { upserts, deletes } = diffSorted(width, desired, known);
  if (deletes.length > 0) {
    const del = pick(width, known, deletes);
    map.deleteBatch(encodeKeys(del.addr, del.len), deletes.length);
  }
  if (upserts.length > 0) {
    const up = pick(width, desired, upserts);
    writeEntries(map, encodeKeys(up.addr, up.len), encodeU32s(up.cls), upserts.length);
  }
  return { written: upserts.length, deleted: deletes.length };
}

function writeEntries(map: BpfMap, keys: Buffer, values: Buffer, count: number): void {
  if (count > 0) map.updateBatch(keys, values, count);
}

function clearMap(map: BpfMap): number {
  const keys: Buffer[] = [];
  for (const key of map.keys()) keys.push(Buffer.from(key));
  if (keys.length > 0) map.deleteBatch(Buffer.concat(keys), keys.length);
  return keys.length;
}

function compare(width: number, a: AddrList, i: number, b: AddrList, j: number): number {
  for (let k = 0; k < width; k++) {
    const d = a.addr[i * width + k] - b.addr[j * width + k];
    if (d !== 0) return d;
  }
  return a.len[i] - b.len[j];
}

/** Indexes into desired to write, and into known to delete. */
export function diffSorted(width: number, desired: AddrList, known: AddrList): { upserts: number[]; deletes: number[] } {
  const upserts: number[] = [];
  const deletes: number[] = [];
  let i = 0;
  let j = 0;
  while (i < desired.len.length || j < known.len.length) {
    const c =
      i >= desired.len.length ? 1 : j >= known.len.length ? -1 : compare(width, desired, i, known, j);
    if (c < 0) upserts.push(i++);
    else if (c > 0) deletes.push(j++);
    else {
      if (desired.cls[i] !== known.cls[j]) upserts.push(i);
      i++;
      j++;
    }
  }
  return { upserts, deletes };
}

function pick(width: number, list: AddrList, idx: number[]): AddrList {
  const addr = new Uint32Array(idx.length * width);
  const len = new Uint8Array(idx.length);
  const cls = new Uint32Array(idx.length);
  idx.forEach((n, k) => {
    for (let w = 0; w < width; w++) addr[k * width + w] = list.addr[n * width + w];
    len[k] = list.len[n];
    cls[k] = list.cls[n];
  });
  return { addr, len, cls };
}
