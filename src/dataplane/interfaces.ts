// Interfaces: each attached interface gets a class (1..MAX_IFACES) in the shared iface_class map,
// used for `iface` rules and per-interface counters. A class stays with its ifindex across
// restarts, so counters continue.

import fs from 'node:fs';
import path from 'node:path';
import { BpfLink, BpfProgram, XdpMode, ifNameToIndex, xdpQuery } from '../../native/lib';
import { DataPathMaps } from './maps';
import { MAX_IFACES } from './layout';
import { u32 } from './encode';

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
  const map = maps.get('iface_class');
  const existing = map.lookup(u32(ifindex));
  if (existing) return existing.readUInt32LE(0);
  const used = new Set<number>();
  for (const key of map.keys()) {
    const v = map.lookup(key);
    if (v) used.add(v.readUInt32LE(0));
  }
  for (let cls = 1; cls <= MAX_IFACES; cls++) {
    if (!used.has(cls)) {
      map.update(u32(ifindex), u32(cls));
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
