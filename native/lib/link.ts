// BpfLink: an XDP attachment owned by an fd or pin rather than by the interface, so it cannot be
// replaced behind our back and is updated atomically (bpf_link_update).
import type { NativeFd } from './binding';
import { AttachType, XdpFlags } from './constants';
import { BpfError, call, closedError, toBpfError } from './errors';
import { binding } from './load';
import { openPinned, pin } from './pins';
import { BpfProgram } from './program';
import { requirePositive } from './validate';

export type XdpMode = 'native' | 'generic' | 'auto';

export interface LinkInfo {
  id: number;
  progId: number;
  /** 0 once the link is detached */
  ifindex: number;
  type: number;
}

const MODE_FLAGS = { native: XdpFlags.DRV_MODE, generic: XdpFlags.SKB_MODE } as const;

// Failures that say something already holds the interface: trying the other mode cannot help.
const NO_FALLBACK = new Set(['EBUSY', 'EEXIST', 'EPERM', 'ENODEV', 'EBADF']);

// A closed program's fd number may already belong to something else: never pass it on.
function requireOpenProgram(what: string, prog: unknown): asserts prog is BpfProgram {
  if (!(prog instanceof BpfProgram)) throw new TypeError(`${what}: prog must be a BpfProgram`);
  if (prog.closed) throw new TypeError(`${what}: program "${prog.name}" is closed`);
}

export class BpfLink {
  readonly fd: number;
  private handle: NativeFd | null;

  /** @internal Takes ownership of handle. */
  constructor(handle: NativeFd) {
    this.handle = handle;
    this.fd = handle.fd;
  }

  /** 'auto' tries native first, then generic; the result says which mode was used. */
  static attachXdp(prog: BpfProgram, ifindex: number, mode: XdpMode): { link: BpfLink; mode: 'native' | 'generic' } {
    requireOpenProgram('attachXdp', prog);
    requirePositive('ifindex', ifindex, 0x7fff_ffff);
    if (mode !== 'native' && mode !== 'generic' && mode !== 'auto') {
      throw new TypeError(`attachXdp: mode must be native, generic or auto, got ${String(mode)}`);
    }
    if (mode !== 'auto') return { link: BpfLink.create(prog, ifindex, mode), mode };
    try {
      return { link: BpfLink.create(prog, ifindex, 'native'), mode: 'native' };
    } catch (e) {
      if (!(e instanceof BpfError) || NO_FALLBACK.has(e.code)) throw e;
    }
    return { link: BpfLink.create(prog, ifindex, 'generic'), mode: 'generic' };
  }

  private static create(prog: BpfProgram, ifindex: number, mode: 'native' | 'generic'): BpfLink {
    try {
      return new BpfLink(binding().linkCreate(prog.fd, ifindex, AttachType.XDP, MODE_FLAGS[mode]));
    } catch (e) {
      const name = binding().ifIndexToName(ifindex);
      const where = name === null ? `interface ${ifindex}` : `interface ${ifindex} (${name})`;
      // The kernel answers EINVAL, not ENODEV, for an ifindex that does not exist.
      const detail = name === null ? `no interface with index ${ifindex} in this network namespace` : undefined;
      throw toBpfError(e, { subject: `${where} for program "${prog.name}" in ${mode} mode`, detail });
    }
  }

  static openPinned(path: string): BpfLink {
    return new BpfLink(openPinned(path, 'link'));
  }

  private get subject(): string {
    return `link fd ${this.fd}`;
  }

  get closed(): boolean {
    return this.handle === null;
  }

  private live(syscall: string): number {
    if (this.handle === null) throw closedError(this.subject, syscall);
    return this.fd;
  }

  /** Atomically replaces the attached program. */
  update(prog: BpfProgram): void {
    requireOpenProgram('update', prog);
    const fd = this.live('bpf_link_update');
    call(`${this.subject} (program "${prog.name}")`, () => binding().linkUpdate(fd, prog.fd));
  }

  info(): LinkInfo {
    const fd = this.live('bpf_obj_get_info_by_fd');
    return call(this.subject, () => binding().linkInfo(fd));
  }

  pin(path: string): void {
    pin(this.live('bpf_obj_pin'), path, this.subject);
  }

  /** Detaches the program now, even while other fds or pins still hold the link. */
  detach(): void {
    const fd = this.live('bpf_link_detach');
    call(this.subject, () => binding().linkDetach(fd));
  }

  /** Closes this fd; the program stays attached while a pin or another fd holds the link. */
  close(): void {
    this.handle?.close();
    this.handle = null;
  }
}
