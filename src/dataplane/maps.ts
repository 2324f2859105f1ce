// Opening the data path: the BPF object loaded with its maps either created fresh (and pinned)
// or adopted from pins, so a restarted daemon keeps the tables and counters in force.

import fs from 'node:fs';
import path from 'node:path';
import { BpfMap, BpfObject, BpfProgram, packageRoot } from '../../native/lib';
import { MAP_LAYOUT, SIZES } from './layout';
import { AddressTableViews } from './address-table';

/** Bump when a map's layout changes: pins of another layout are then not reused. */
export const LAYOUT_VERSION = 1;

export const MAP_NAMES = Object.keys(MAP_LAYOUT);

export function dataPathObjectPath(): string {
  return path.join(packageRoot(), 'xdp', 'build', 'xdpfw.bpf.o');
}

export function mapsPinDir(pinDir: string): string {
  return path.join(pinDir, `maps-v${LAYOUT_VERSION}`);
}

/** The maps of one data path, with the mmap'ed views user space writes through. */
export class DataPathMaps {
  readonly byName: Map<string, BpfMap>;
  /** active.generation, the epoch whose low bit selects the live copy */
  readonly active: BigUint64Array;
  readonly valueClass: Uint32Array;
  readonly classBits: Uint32Array;
  readonly ruleTable: Uint32Array;
  readonly ifaceClass: Uint32Array;
  readonly addressViews: Record<4 | 6, AddressTableViews>;

  constructor(maps: Map<string, BpfMap>) {
    for (const [name, expect] of Object.entries(MAP_LAYOUT)) {
      const map = maps.get(name);
      if (!map) throw new Error(`data path: map "${name}" is missing`);
      if (map.info.keySize !== expect.key || map.info.valueSize !== expect.value) {
        throw new Error(
          `data path: map "${name}" has key/value ${map.info.keySize}/${map.info.valueSize} bytes, ` +
            `this build expects ${expect.key}/${expect.value}`,
        );
      }
    }
    this.byName = maps;
    this.active = new BigUint64Array(this.get('active').mmap(), 0, 1);
    this.valueClass = new Uint32Array(this.get('value_class').mmap());
    this.classBits = new Uint32Array(this.get('class_bits').mmap());
    this.ruleTable = new Uint32Array(this.get('rule_table').mmap());
    this.ifaceClass = new Uint32Array(this.get('iface_class').mmap());
    const root = new Uint32Array(this.get('addr_root').mmap());
    this.addressViews = {
      4: { root, node: new Uint32Array(this.get('addr_node4').mmap()), bucket: new Uint32Array(this.get('addr_bucket4').mmap()) },
      6: { root, node: new Uint32Array(this.get('addr_node6').mmap()), bucket: new Uint32Array(this.get('addr_bucket6').mmap()) },
    };
    if (SIZES.classBits % 8 !== 0) throw new Error('class_bits must be 8-byte sized for mmap');
  }

  get(name: string): BpfMap {
    const map = this.byName.get(name);
    if (!map) throw new Error(`data path: no map "${name}"`);
    return map;
  }

  /** Join any grace wait first (GenerationWriter.close): its thread uses grace_inner's fd. */
  close(): void {
    for (const map of this.byName.values()) map.close();
  }
}

export interface LoadedDataPath {
  program: BpfProgram;
  maps: DataPathMaps;
  /** true when the maps came from pins (a data path was already in force) */
  adopted: boolean;
}

export interface LoadOptions {
  /** Where maps are pinned; null keeps them unpinned (tests). */
  pinDir: string | null;
  /** Explain twin: counts nothing and reports its decision in the frame. */
  explain?: boolean;
  /** Maps to share instead of creating or adopting (the explain twin shares the daemon's). */
  shareMaps?: DataPathMaps;
  /** max_entries overrides (tests use small address maps). */
  maxEntries?: Record<string, number>;
}

/** Loads the program; maps are shared, adopted from pins, or created (and pinned). */
export function loadDataPath(opts: LoadOptions): LoadedDataPath {
  const dir = opts.pinDir === null ? null : mapsPinDir(opts.pinDir);
  const adopted = !opts.shareMaps && dir !== null && fs.existsSync(path.join(dir, 'active'));
  const reuseMaps: Record<string, BpfMap> = {};
  if (opts.shareMaps) for (const name of MAP_NAMES) reuseMaps[name] = opts.shareMaps.get(name);
  const reusePinnedMaps: Record<string, string> = {};
  if (adopted && dir) for (const name of MAP_NAMES) reusePinnedMaps[name] = path.join(dir, name);

  const explainFlag = Buffer.alloc(4);
  explainFlag.writeUInt32LE(opts.explain ? 1 : 0);
  const obj = BpfObject.open(dataPathObjectPath(), {
    reuseMaps,
    reusePinnedMaps,
    mapMaxEntries: opts.shareMaps || adopted ? undefined : opts.maxEntries,
    rodata: { '.rodata.explain': explainFlag },
  });
  try {
    const program = obj.program('xdpfw');
    const byName = new Map(MAP_NAMES.map((name) => [name, obj.map(name)] as const));
    if (!adopted && !opts.shareMaps && dir !== null) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const [name, map] of byName) map.pin(path.join(dir, name));
    }
    return { program, maps: new DataPathMaps(byName), adopted };
  } finally {
    obj.close();
  }
}

/** Removes the map pins of every layout under pinDir. */
export function unpinMaps(pinDir: string): void {
  if (!fs.existsSync(pinDir)) return;
  for (const entry of fs.readdirSync(pinDir)) {
    if (!entry.startsWith('maps-v')) continue;
    fs.rmSync(path.join(pinDir, entry), { recursive: true, force: true });
  }
}
