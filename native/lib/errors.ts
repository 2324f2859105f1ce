// The one error class for failed kernel/libbpf calls, and the conversion from the addon's
// raw failures (errno + syscall) into messages that name the map, program or path involved.
import os from 'node:os';
import type { NativeFailure } from './binding';

export interface BpfErrorFields {
  code: string;
  errno: number;
  syscall: string;
  done?: number;
  log?: string;
}

export class BpfError extends Error {
  override name = 'BpfError';
  /** errno name: 'EPERM', 'ENOENT', 'E2BIG', ... ('ENOTSUPP' for the kernel's 524). */
  readonly code: string;
  /** positive errno */
  readonly errno: number;
  /** the libbpf function or system call that failed */
  readonly syscall: string;
  // `declare`: absent unless set, instead of own properties holding undefined.
  /** batch calls: elements completed before the failure */
  declare readonly done?: number;
  /** load failures: libbpf output including the verifier log (the message holds its tail) */
  declare readonly log?: string;

  constructor(message: string, fields: BpfErrorFields) {
    super(message);
    this.code = fields.code;
    this.errno = fields.errno;
    this.syscall = fields.syscall;
    if (fields.done !== undefined) this.done = fields.done;
    if (fields.log !== undefined) this.log = fields.log;
  }
}

// The kernel's internal ENOTSUPP (524) reaches user space from map/prog ops it lacks;
// libbpf's own codes start at 4000.
const EXTRA_ERRNOS: Record<number, [string, string]> = {
  524: ['ENOTSUPP', 'operation not supported for this map or program type'],
  4000: ['LIBBPF_ERRNO__LIBELF', ''],
  4001: ['LIBBPF_ERRNO__FORMAT', ''],
  4002: ['LIBBPF_ERRNO__KVERSION', ''],
  4003: ['LIBBPF_ERRNO__ENDIAN', ''],
  4004: ['LIBBPF_ERRNO__INTERNAL', ''],
  4005: ['LIBBPF_ERRNO__RELOC', ''],
  4006: ['LIBBPF_ERRNO__LOAD', ''],
  4007: ['LIBBPF_ERRNO__VERIFY', ''],
  4008: ['LIBBPF_ERRNO__PROG2BIG', ''],
  4009: ['LIBBPF_ERRNO__KVER', ''],
  4010: ['LIBBPF_ERRNO__PROGTYPE', ''],
  4011: ['LIBBPF_ERRNO__WRNGPID', ''],
  4012: ['LIBBPF_ERRNO__INVSEQ', ''],
  4013: ['LIBBPF_ERRNO__NLPARSE', ''],
};

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(os.constants.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}

export function errnoName(errno: number): string {
  return EXTRA_ERRNOS[errno]?.[0] || ERRNO_NAMES.get(errno) || `errno ${errno}`;
}

// What a code means for the call that returned it, when strerror would mislead
// (a full hash map is "Argument list too long").
const HINTS: ReadonlyArray<[RegExp, string, string]> = [
  [/^bpf_map_update/, 'E2BIG', 'map is full, or the index is beyond max_entries'],
  [/^bpf_map_update/, 'EEXIST', 'key already exists'],
  [/^bpf_map_(update|delete)/, 'ENOENT', 'key does not exist'],
  [/^bpf_link_create$/, 'EBUSY', 'an XDP program is already attached to this interface'],
  [/^bpf_link_create$/, 'EEXIST', 'an XDP program is already attached to this interface in another mode'],
  [/^bpf_link_create$/, 'EOPNOTSUPP', 'the driver does not support this XDP mode'],
  [/^bpf_obj_get$/, 'ENOENT', 'no such pinned object'],
  [/./, 'EPERM', 'operation not permitted (needs root, or CAP_BPF + CAP_NET_ADMIN)'],
];

function describe(code: string, syscall: string, errno: number, strerror: string): string {
  for (const [pattern, hintCode, text] of HINTS) {
    if (hintCode === code && pattern.test(syscall)) return text;
  }
  return EXTRA_ERRNOS[errno]?.[1] || strerror;
}

const LOG_TAIL_LINES = 20;

function logTail(log: string): string {
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-LOG_TAIL_LINES).join('\n');
}

function isNativeFailure(e: unknown): e is Error & NativeFailure {
  return e instanceof Error && typeof (e as Partial<NativeFailure>).errno === 'number' &&
    typeof (e as Partial<NativeFailure>).syscall === 'string';
}

export interface Context {
  /** what the call was about: 'map "rules"', '"/sys/fs/bpf/x"', 'interface 3 (veth0)' */
  subject: string;
  /** overrides the progress reported by the addon (fallback loops) */
  done?: number;
  /** total elements of a batch call, for the message */
  of?: number;
  /** replaces the generic description */
  detail?: string;
}

export function makeBpfError(errno: number, syscall: string, ctx: Context, extra: Partial<NativeFailure> = {}): BpfError {
  const code = errnoName(errno);
  const done = ctx.done ?? extra.done;
  let message = `${syscall} on ${ctx.subject}: ${ctx.detail ?? extra.detail ?? describe(code, syscall, errno, extra.strerror ?? code)} (${code})`;
  if (done !== undefined) message += ctx.of !== undefined ? ` after ${done} of ${ctx.of} elements` : ` after ${done} elements`;
  if (extra.log) message += `\n${logTail(extra.log)}`;
  return new BpfError(message, { code, errno, syscall, done, log: extra.log });
}

/** Converts an addon failure into a BpfError; anything else (TypeError, ...) passes unchanged. */
export function toBpfError(e: unknown, ctx: Context): unknown {
  if (e instanceof BpfError || !isNativeFailure(e)) return e;
  return makeBpfError(e.errno, e.syscall, ctx, e);
}

/** Runs one addon call, converting its failure. */
export function call<T>(ctx: Context | string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toBpfError(e, typeof ctx === 'string' ? { subject: ctx } : ctx);
  }
}

/** Use of a closed map/program/link/object: EBADF, without reaching the kernel. */
export function closedError(subject: string, syscall: string): BpfError {
  return makeBpfError(os.constants.errno.EBADF, syscall, { subject, detail: 'already closed' });
}
