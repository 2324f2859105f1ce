// BpfMap: one map fd with typed, size-checked access. Keys and values are Buffers of exactly
// the map's key size and valueBufferSize (all CPUs' values for per-CPU maps).
import os from 'node:os';
import { batchUsable, learnUnsupported, type BatchOp } from './batch-support';
import type { NativeFd, NativePendingUpdate } from './binding';
import { MapFlags, MapType, PER_CPU_MAP_TYPES, UpdateFlags } from './constants';
import { call, closedError, makeBpfError, toBpfError } from './errors';
import { binding } from './load';
import { openPinned, pin, unpin } from './pins';
import { numPossibleCpus } from './system';
import { requirePositive, requireSize, requireUint, roundUp } from './validate';

export interface MapInfo {
  id: number;
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

export interface MapSpec {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
}

export type UpdateFlag = keyof typeof UpdateFlags;

export class BpfMap {
  readonly fd: number;
  readonly info: MapInfo;
  /** The libbpf name when the map came from an object (".rodata" maps are "obj.rodata"), else the kernel's. */
  readonly name: string;
  readonly perCpu: boolean;
  readonly valueBufferSize: number;
  private handle: NativeFd | null;
  private memory: ArrayBuffer | null = null;
  private pending: PendingUpdate | null = null;

  /** @internal Takes ownership of handle (closed here if the map cannot be inspected). */
  constructor(handle: NativeFd, name?: string) {
    try {
      this.info = call(`map fd ${handle.fd}`, () => binding().mapInfo(handle.fd));
    } catch (e) {
      handle.close();
      throw e;
    }
    this.handle = handle;
    this.fd = handle.fd;
    this.name = name ?? this.info.name;
    this.perCpu = PER_CPU_MAP_TYPES.has(this.info.type);
    this.valueBufferSize = this.perCpu ? roundUp(this.info.valueSize, 8) * numPossibleCpus() : this.info.valueSize;
  }

  /** A fresh, unpinned map (tests, scratch maps). */
  static create(spec: MapSpec): BpfMap {
    const type = requirePositive('map type', spec.type);
    const keySize = requireUint('key size', spec.keySize);
    const valueSize = requirePositive('value size', spec.valueSize);
    const maxEntries = requirePositive('max entries', spec.maxEntries);
    const flags = requireUint('map flags', spec.flags ?? 0);
    const name = spec.name ?? '';
    if (name.length > 15 || !/^[A-Za-z0-9_.]*$/.test(name)) {
      throw new RangeError(`map name must be up to 15 characters [A-Za-z0-9_.], got "${name}"`);
    }
    const handle = call(`new map "${name}"`, () =>
      binding().mapCreate(type, keySize, valueSize, maxEntries, flags, name));
    return new BpfMap(handle, name || undefined);
  }

  static openPinned(path: string): BpfMap {
    return new BpfMap(openPinned(path, 'map'));
  }

  static fromId(id: number): BpfMap {
    requirePositive('map id', id);
    return new BpfMap(call(`map id ${id}`, () => binding().mapFromId(id)));
  }

  private get subject(): string {
    return `map "${this.name}"`;
  }

  get closed(): boolean {
    return this.handle === null;
  }

  private live(syscall: string): number {
    if (this.handle === null) throw closedError(this.subject, syscall);
    return this.fd;
  }

  private key(key: unknown, what = 'key'): Buffer {
    return requireSize(this.subject, what, key, this.info.keySize);
  }

  /** The value, or null when the key is absent. */
  lookup(key: Buffer): Buffer | null {
    this.key(key);
    const fd = this.live('bpf_map_lookup_elem');
    return call(this.subject, () => binding().mapLookup(fd, key, this.valueBufferSize));
  }

  update(key: Buffer, value: Buffer, flags: UpdateFlag = 'any'): void {
    const { fd, flag } = this.checkUpdate(key, value, flags);
    call(this.subject, () => binding().mapUpdate(fd, key, value, flag));
  }

  /** The checks of update and updateStart: sizes and flag; the live fd and the flag's number. */
  private checkUpdate(key: Buffer, value: Buffer, flags: UpdateFlag): { fd: number; flag: number } {
    this.key(key);
    requireSize(this.subject, 'value', value, this.valueBufferSize);
    const flag = UpdateFlags[flags];
    if (flag === undefined) throw new TypeError(`${this.subject}: update flag must be any, noexist or exist`);
    return { fd: this.live('bpf_map_update_elem'), flag };
  }

  /**
   * The same update on a native thread, for updates that block (a map-of-maps update waits an
   * RCU grace period): returns at once; join() waits and throws its failure. close() joins it.
   */
  updateStart(key: Buffer, value: Buffer, flags: UpdateFlag = 'any'): PendingUpdate {
    const { fd, flag } = this.checkUpdate(key, value, flags);
    this.joinPending();
    const pending = new PendingUpdate(this.subject, call(this.subject, () => binding().mapUpdateStart(fd, key, value, flag)));
    this.pending = pending;
    return pending;
  }

  /** Waits for an update started earlier (its failure belongs to whoever holds it). */
  private joinPending(): void {
    const p = this.pending;
    this.pending = null;
    if (p && !p.joined) {
      try {
        p.join();
      } catch {
        // reported to the holder of the PendingUpdate when it joins
      }
    }
  }

  /** false when the key was absent. */
  delete(key: Buffer): boolean {
    this.key(key);
    const fd = this.live('bpf_map_delete_elem');
    return call(this.subject, () => binding().mapDelete(fd, key));
  }

  /** The key after key (the first with null); null at the end. */
  nextKey(key: Buffer | null): Buffer | null {
    if (key !== null) this.key(key);
    const fd = this.live('bpf_map_get_next_key');
    return call(this.subject, () => binding().mapNextKey(fd, key, this.info.keySize));
  }

  /** Walks the keys with get_next_key; a key deleted meanwhile restarts hash maps from the top. */
  *keys(): IterableIterator<Buffer> {
    for (let key = this.nextKey(null); key !== null; key = this.nextKey(key)) yield key;
  }

  /** Packed keys and values; partial progress is in error.done. */
  updateBatch(keys: Buffer, values: Buffer, count: number, flags: UpdateFlag = 'any'): void {
    this.batchArgs(keys, count);
    requireSize(this.subject, `values for ${count} elements`, values, count * this.valueBufferSize);
    const flag = UpdateFlags[flags];
    if (flag === undefined) throw new TypeError(`${this.subject}: update flag must be any, noexist or exist`);
    const fd = this.live('bpf_map_update_batch');
    if (count === 0) return;
    const { keySize } = this.info;
    const valueSize = this.valueBufferSize;
    if (this.tryBatch('update', count, () => binding().mapUpdateBatch(fd, keys, values, count, keySize, valueSize, flag))) return;
    this.eachElement(count, (i) => binding().mapUpdate(
      fd, keys.subarray(i * keySize, (i + 1) * keySize), values.subarray(i * valueSize, (i + 1) * valueSize), flag));
  }

  /** Packed keys; stops at the first absent key (ENOENT) with progress in error.done. */
  deleteBatch(keys: Buffer, count: number): void {
    this.batchArgs(keys, count);
    const fd = this.live('bpf_map_delete_batch');
    if (count === 0) return;
    const { keySize } = this.info;
    if (this.tryBatch('delete', count, () => binding().mapDeleteBatch(fd, keys, count, keySize))) return;
    this.eachElement(count, (i) => {
      if (!binding().mapDelete(fd, keys.subarray(i * keySize, (i + 1) * keySize))) {
        throw makeBpfError(os.constants.errno.ENOENT, 'bpf_map_delete_elem', { subject: this.subject, done: i, of: count });
      }
    });
  }

  /** The whole map, packed; values are valueBufferSize bytes each. */
  lookupBatch(): { keys: Buffer; values: Buffer; count: number } {
    const fd = this.live('bpf_map_lookup_batch');
    const { keySize, maxEntries, type } = this.info;
    if (batchUsable('lookup', type)) {
      try {
        return binding().mapLookupBatch(fd, keySize, this.valueBufferSize, maxEntries);
      } catch (e) {
        const err = toBpfError(e, { subject: this.subject });
        if (!learnUnsupported('lookup', type, err)) throw err;
      }
    }
    const keys: Buffer[] = [];
    const values: Buffer[] = [];
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value === null) continue; // deleted since get_next_key returned it
      keys.push(key);
      values.push(value);
    }
    return { keys: Buffer.concat(keys), values: Buffer.concat(values), count: keys.length };
  }

  /** The value area of a BPF_F_MMAPABLE array, shared with the kernel; detached by unmap()/close(). */
  mmap(): ArrayBuffer {
    const { type, flags, valueSize, maxEntries } = this.info;
    if (type !== MapType.ARRAY || (flags & MapFlags.MMAPABLE) === 0) {
      throw new TypeError(`${this.subject}: only arrays created with BPF_F_MMAPABLE can be mmap'ed`);
    }
    this.live('mmap');
    if (this.memory === null || this.memory.byteLength === 0) {
      const handle = this.handle as NativeFd;
      this.memory = call(this.subject, () => binding().mapMmap(handle, roundUp(valueSize, 8) * maxEntries));
    }
    return this.memory;
  }

  unmap(): void {
    if (this.handle !== null && this.memory !== null) binding().mapUnmap(this.handle);
    this.memory = null;
  }

  pin(path: string): void {
    pin(this.live('bpf_obj_pin'), path, this.subject);
  }

  /** Removes a pin (unlink); this map stays usable. */
  unpin(path: string): void {
    unpin(path);
  }

  close(): void {
    this.joinPending(); // the thread uses this fd
    this.unmap();
    this.handle?.close();
    this.handle = null;
  }

  private batchArgs(keys: Buffer, count: number): void {
    requireUint(`${this.subject}: count`, count);
    requireSize(this.subject, `keys for ${count} elements`, keys, count * this.info.keySize);
  }

  /** Runs a batch call; false when the map type lacks it and the caller must loop instead. */
  private tryBatch(op: BatchOp, count: number, batch: () => void): boolean {
    if (!batchUsable(op, this.info.type)) return false;
    try {
      batch();
      return true;
    } catch (e) {
      const err = toBpfError(e, { subject: this.subject, of: count });
      if (learnUnsupported(op, this.info.type, err)) return false;
      throw err;
    }
  }

  /** The fallback for batch calls: one element at a time, reporting how many were done. */
  private eachElement(count: number, fn: (i: number) => void): void {
    for (let i = 0; i < count; i++) {
      try {
        fn(i);
      } catch (e) {
        throw toBpfError(e, { subject: this.subject, done: i, of: count });
      }
    }
  }
}

/** An update running on a native thread (BpfMap.updateStart). */
export class PendingUpdate {
  private handle: NativePendingUpdate | null;
  private failure: unknown = null;

  /** @internal */
  constructor(private readonly subject: string, handle: NativePendingUpdate) {
    this.handle = handle;
  }

  get joined(): boolean {
    return this.handle === null;
  }

  /** Waits for the update; throws its failure (every call, once it failed). */
  join(): void {
    const handle = this.handle;
    if (handle !== null) {
      this.handle = null;
      try {
        call(this.subject, () => binding().mapUpdateJoin(handle));
      } catch (e) {
        this.failure = e;
      }
    }
    if (this.failure !== null) throw this.failure;
  }
}
