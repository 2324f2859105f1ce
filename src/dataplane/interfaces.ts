// Interfaces: each attached interface gets a class (1..MAX_IFACES) in the shared iface_class map,
// used for `iface` rules and per-interface counters. A class stays with its ifindex across
// restarts, so counters continue.

import fs from 'node:fs';
import path from 'node:path';
import { BpfLink, BpfProgram, XdpMode, ifNameToIndex, xdpQuery } from '../../native/lib';
import { DataPathMaps } from './maps';
import { IFINDEX_LIMIT, MAX_IFACES } from './layout';

/** An error in the environment (not in the user's ruleset): the CLI exits 2 on it. */
export class EnvironmentError extends Error {
  readonly code = 'environment';
}

export function linkPinPath(pinDir: string, iface: string): string {
  return path.join(pinDir, 'links', iface);
}

export function ifaceIndex(name: string): number {
  const ifindex = ifNameToIndex(name);
  if (ifindex === 0) throw new EnvironmentError(`interface "${name}" does not exist`);
  return ifindex;
}

/** The interface's class, assigning the lowest free one when it has none. */
export function ifaceClassFor(maps: DataPathMaps, ifindex: number): number {
  if (ifindex <= 0 || ifindex >= IFINDEX_LIMIT) {
    throw new EnvironmentError(`ifindex ${ifindex} is beyond what xdpfw supports (< ${IFINDEX_LIMIT})`);
  }
  // mmap'ed array elements are 8 bytes: the class of ifindex i is word 2i.
  const classes = maps.ifaceClass;
  if (classes[ifindex * 2] !== 0) return classes[ifindex * 2];
  const used = new Set<number>();
  for (let i = 0; i < IFINDEX_LIMIT; i++) if (classes[i * 2] !== 0) used.add(classes[i * 2]);
  for (let cls = 1; cls <= MAX_IFACES; cls++) {
    if (!used.has(cls)) {
      classes[ifindex * 2] = cls;
      return cls;
    }
  }
  throw new EnvironmentError(`more than ${MAX_IFACES} interfaces`);
}

export interface AttachedInterface {
  name: string;
  ifindex: number;
  mode: 'native' | 'generic';
  link: BpfLink;
  /** true when a pinned link was already there and now runs this program */
  adopted: boolean;
}

/**
 * Attaches the program to an interface through a bpf_link pinned under pinDir, or adopts the
 * pinned link: the program is swapped on the same link (bpf_link_update), so filtering never stops.
 */
export function attachInterface(program: BpfProgram, pinDir: string | null, name: string, mode: XdpMode): AttachedInterface {
  const ifindex = ifaceIndex(name);
  const pinPath = pinDir === null ? null : linkPinPath(pinDir, name);
  if (pinPath !== null && fs.existsSync(pinPath)) {
    const link = BpfLink.openPinned(pinPath);
    const info = link.info();
    const current = xdpQuery(ifindex).mode;
    if (info.ifindex !== ifindex) {
      link.close();
      throw new EnvironmentError(`${pinPath} is a link on ifindex ${info.ifindex}, not ${name} (${ifindex}); run \`xdpfw detach --iface ${name}\``);
    }
    const pinnedMode = current === 'generic' ? 'generic' : 'native';
    if (mode !== 'auto' && mode !== pinnedMode) {
      link.close();
      throw new EnvironmentError(`${name} is attached in ${pinnedMode} mode; --mode ${mode} differs (detach first to change it)`);
    }
    link.update(program);
    return { name, ifindex, mode: pinnedMode, link, adopted: true };
  }
  const { link, mode: actual } = BpfLink.attachXdp(program, ifindex, mode);
  if (pinPath !== null) {
    fs.mkdirSync(path.dirname(pinPath), { recursive: true, mode: 0o700 });
    link.pin(pinPath);
  }
  return { name, ifindex, mode: actual, link, adopted: false };
}

/** Detaches and unpins the link of one interface; false when none is pinned. */
export function detachInterface(pinDir: string, name: string): boolean {
  const pinPath = linkPinPath(pinDir, name);
  if (!fs.existsSync(pinPath)) return false;
  const link = BpfLink.openPinned(pinPath);
  try {
    link.detach();
  } finally {
    link.close();
  }
  fs.rmSync(pinPath, { force: true });
  return true;
}

/** Interface names with a pinned link under pinDir. */
export function pinnedInterfaces(pinDir: string): string[] {
  const dir = path.join(pinDir, 'links');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
