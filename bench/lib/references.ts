// The two reference programs every data-path figure is read beside: a bare XDP_PASS (the floor:
// what BPF_PROG_TEST_RUN and an XDP program cost at all) and xdp-filter's full deny program from
// Debian's xdp-tools, with a few entries in its maps as `xdp-filter ip` / `xdp-filter port` put them.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { BpfObject, BpfProgram, numPossibleCpus, packageRoot } from '../../native/lib';

export const XDP_FILTER_OBJECT = '/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o';
const XDP_FILTER_PROGRAM = 'xdpfilt_dny_all';

// xdp-filter's map value flags (its common_kern_user.h): which direction / protocol an entry covers.
const MAP_FLAG_SRC = 1 << 0;
const MAP_FLAG_DST = 1 << 1;
const MAP_FLAG_TCP = 1 << 2;
const MAP_FLAG_UDP = 1 << 3;

export interface Reference {
  name: string;
  program: BpfProgram;
  close(): void;
}

/** Builds bench/xdp/build/pass.bpf.o (make skips it when up to date) and loads it. */
export function loadPassProgram(): Reference {
  const dir = path.join(packageRoot(), 'bench', 'xdp');
  execFileSync('make', ['-s', '-C', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const obj = BpfObject.open(path.join(dir, 'build', 'pass.bpf.o'));
  const program = obj.program('xdp_pass');
  obj.close();
  return { name: 'XDP_PASS', program, close: () => program.close() };
}

/**
 * xdp-filter's deny-mode program (entries are allowed, everything else dropped) with 10 IPv4 and
 * 10 IPv6 addresses and one UDP/TCP port, none of which the benchmark packets carry: each packet
 * then takes every lookup the program has (two MACs, two addresses, two ports) before its verdict.
 */
export function loadXdpFilter(): Reference {
  const obj = BpfObject.open(XDP_FILTER_OBJECT);
  const program = obj.program(XDP_FILTER_PROGRAM);
  const maps = ['filter_ipv4', 'filter_ipv6', 'filter_ports'].map((n) => obj.map(n));
  obj.close();
  const [v4, v6, ports] = maps;
  // Per-CPU maps: xdp-filter writes the same flags into every CPU's slot.
  const perCpu = (flags: number) => {
    const b = Buffer.alloc(8 * numPossibleCpus());
    for (let c = 0; c < numPossibleCpus(); c++) b.writeBigUInt64LE(BigInt(flags), c * 8);
    return b;
  };
  for (let i = 0; i < 10; i++) {
    // 203.0.113.0/24 and 2001:db8::/32: documentation ranges no benchmark packet uses.
    v4.update(Buffer.from([203, 0, 113, 10 + i]), perCpu(MAP_FLAG_SRC | MAP_FLAG_DST));
    const a6 = Buffer.alloc(16);
    a6.writeUInt32BE(0x20010db8, 0);
    a6.writeUInt32BE(10 + i, 12);
    v6.update(a6, perCpu(MAP_FLAG_SRC | MAP_FLAG_DST));
  }
  // The port key is the header's big-endian 16 bits widened to 32 (the program copies udp->dest).
  const port = Buffer.alloc(4);
  port.writeUInt16BE(2222, 0);
  ports.update(port, perCpu(MAP_FLAG_DST | MAP_FLAG_TCP | MAP_FLAG_UDP));
  return {
    name: 'xdp-filter',
    program,
    close: () => {
      program.close();
      for (const m of maps) m.close();
    },
  };
}
