// BpfProgram: one loaded program fd; BPF_PROG_TEST_RUN for tests, pins, lookup by id.
import type { NativeFd } from './binding';
import { ProgType } from './constants';
import { call, closedError } from './errors';
import { binding } from './load';
import { openPinned, pin } from './pins';
import { requireBuffer, requirePositive, requireUint } from './validate';

export interface TestRunOptions {
  data: Buffer;
  /** runs averaged into duration; 0 and 1 both run once */
  repeat?: number;
  /** room for the packet after the run; default: input + 256 bytes (head/tail may grow) */
  dataOutSize?: number;
  /** XDP only: ctx->ingress_ifindex, an interface in this process's network namespace */
  ingressIfindex?: number;
  /** XDP only: ctx->rx_queue_index, below that interface's rx queue count */
  rxQueueIndex?: number;
}

export interface TestRunResult {
  retval: number;
  /** ns per run, as the kernel reports */
  duration: number;
  dataOut: Buffer;
}

// struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex (u32 each).
const XDP_MD_SIZE = 24;
const DATA_OUT_SLACK = 256;

export class BpfProgram {
  readonly fd: number;
  readonly id: number;
  /** The function name when the program came from an object, else the kernel's (15 chars max). */
  readonly name: string;
  readonly type: number;
  private handle: NativeFd | null;

  /** @internal Takes ownership of handle (closed here if the program cannot be inspected). */
  constructor(handle: NativeFd, name?: string) {
    let info;
    try {
      info = call(`program fd ${handle.fd}`, () => binding().progInfo(handle.fd));
    } catch (e) {
      handle.close();
      throw e;
    }
    this.handle = handle;
    this.fd = handle.fd;
    this.id = info.id;
    this.name = name ?? info.name;
    this.type = info.type;
  }

  static openPinned(path: string): BpfProgram {
    return new BpfProgram(openPinned(path, 'program'));
  }

  static fromId(id: number): BpfProgram {
    requirePositive('program id', id);
    return new BpfProgram(call(`program id ${id}`, () => binding().progFromId(id)));
  }

  private get subject(): string {
    return `program "${this.name}"`;
  }

  get closed(): boolean {
    return this.handle === null;
  }

  private live(syscall: string): number {
    if (this.handle === null) throw closedError(this.subject, syscall);
    return this.fd;
  }

  testRun(opts: TestRunOptions): TestRunResult {
    const data = requireBuffer(`${this.subject}: testRun data`, opts.data);
    const repeat = requireUint(`${this.subject}: repeat`, opts.repeat ?? 1, 0x7fff_ffff);
    const dataOutSize = requireUint(`${this.subject}: dataOutSize`, opts.dataOutSize ?? data.length + DATA_OUT_SLACK);
    const ctx = this.xdpContext(data, opts);
    const fd = this.live('bpf_prog_test_run_opts');
    return call(this.subject, () => binding().progTestRun(fd, data, dataOutSize, repeat, ctx));
  }

  pin(path: string): void {
    pin(this.live('bpf_obj_pin'), path, this.subject);
  }

  close(): void {
    this.handle?.close();
    this.handle = null;
  }

  // The kernel insists data_end equals the packet length and the other offsets are zero.
  private xdpContext(data: Buffer, opts: TestRunOptions): Buffer | null {
    if (opts.ingressIfindex === undefined && opts.rxQueueIndex === undefined) return null;
    if (this.type !== ProgType.XDP) {
      throw new TypeError(`${this.subject}: ingressIfindex/rxQueueIndex apply to XDP programs only`);
    }
    const ctx = Buffer.alloc(XDP_MD_SIZE);
    ctx.writeUInt32LE(data.length, 4);
    ctx.writeUInt32LE(requireUint(`${this.subject}: ingressIfindex`, opts.ingressIfindex ?? 0), 12);
    ctx.writeUInt32LE(requireUint(`${this.subject}: rxQueueIndex`, opts.rxQueueIndex ?? 0), 16);
    return ctx;
  }
}
