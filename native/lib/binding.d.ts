// The raw N-API addon (native/src), declared once. Only the classes in native/lib call it:
// they check every argument first and turn its errors into BpfError (errors.ts).

/** Owns one kernel object fd; close() is idempotent, GC and env shutdown close it too. */
export interface NativeFd {
  readonly fd: number;
  close(): void;
}

/** A loaded bpf_object; map()/program() return dup()'ed fds, null when the name is absent. */
export interface NativeObject {
  mapNames(): string[];
  programNames(): string[];
  map(name: string): NativeFd | null;
  program(name: string): NativeFd | null;
  close(): void;
}

export interface NativeOpenOptions {
  maxEntries: Record<string, number>;
  reuseFds: Record<string, number>;
  rodata: Record<string, Buffer>;
}

export interface NativeMapInfo {
  id: number;
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

export interface NativeProgInfo {
  id: number;
  name: string;
  type: number;
}

export interface NativeLinkInfo {
  id: number;
  progId: number;
  type: number;
  ifindex: number;
}

export interface NativeXdpQuery {
  progId: number;
  mode: number; // XDP_ATTACHED_*
  drvProgId: number;
  skbProgId: number;
  hwProgId: number;
}

/**
 * Failures are thrown as Error with these extra fields; `done` only from batch calls,
 * `log` only from openObject (libbpf and verifier output).
 */
export interface NativeFailure {
  errno: number;
  syscall: string;
  strerror: string;
  detail?: string;
  log?: string;
  done?: number;
}

/** An update running on a native thread (opaque). */
export interface NativePendingUpdate {
  readonly __pendingUpdate: unique symbol;
}

export interface Binding {
  openObject(path: string, options: NativeOpenOptions): NativeObject;

  mapLookup(fd: number, key: Buffer, valueSize: number): Buffer | null;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): void;
  mapUpdateStart(fd: number, key: Buffer, value: Buffer, flags: number): NativePendingUpdate;
  mapUpdateJoin(pending: NativePendingUpdate): void;
  mapDelete(fd: number, key: Buffer): boolean;
  mapNextKey(fd: number, key: Buffer | null, keySize: number): Buffer | null;
  mapUpdateBatch(fd: number, keys: Buffer, values: Buffer, count: number, keySize: number, valueSize: number, flags: number): void;
  mapDeleteBatch(fd: number, keys: Buffer, count: number, keySize: number): void;
  mapLookupBatch(fd: number, keySize: number, valueSize: number, maxEntries: number): { keys: Buffer; values: Buffer; count: number };
  mapCreate(type: number, keySize: number, valueSize: number, maxEntries: number, flags: number, name: string): NativeFd;
  mapInfo(fd: number): NativeMapInfo;
  mapMmap(handle: NativeFd, dataSize: number): ArrayBuffer;
  mapUnmap(handle: NativeFd): void;
  batchApiSupported(): boolean;

  progInfo(fd: number): NativeProgInfo;
  progTestRun(fd: number, data: Buffer, dataOutSize: number, repeat: number, ctx: Buffer | null): { retval: number; duration: number; dataOut: Buffer };

  linkCreate(progFd: number, ifindex: number, attachType: number, flags: number): NativeFd;
  linkUpdate(linkFd: number, progFd: number): void;
  linkDetach(linkFd: number): void;
  linkInfo(fd: number): NativeLinkInfo;

  numPossibleCpus(): number;
  ifNameToIndex(name: string): number;
  ifIndexToName(ifindex: number): string | null;
  xdpQuery(ifindex: number): NativeXdpQuery;
  objGet(path: string): NativeFd;
  objPin(fd: number, path: string): void;
  progFromId(id: number): NativeFd;
  mapFromId(id: number): NativeFd;
}
