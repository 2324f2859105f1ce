// BpfObject: an ELF object opened, configured and loaded in one step. Programs and maps taken
// from it own dup()'ed fds, so they keep working after the object is closed.
import os from 'node:os';
import type { NativeObject } from './binding';
import { call, closedError, makeBpfError } from './errors';
import { binding } from './load';
import { BpfMap } from './map';
import { BpfProgram } from './program';
import { requireBuffer, requirePositive, requireString } from './validate';

export interface OpenOptions {
  /** map name -> max_entries, set before load */
  mapMaxEntries?: Record<string, number>;
  /** map name -> pinned path whose map is used instead of creating one (shared maps) */
  reusePinnedMaps?: Record<string, string>;
  /** map name -> open map used instead of creating one */
  reuseMaps?: Record<string, BpfMap>;
  /** map name (".rodata" or libbpf's "obj.rodata") -> the section's whole initial value */
  rodata?: Record<string, Buffer>;
}

export class BpfObject {
  readonly path: string;
  private handle: NativeObject | null;

  private constructor(path: string, handle: NativeObject) {
    this.path = path;
    this.handle = handle;
  }

  /** bpf_object__open_file, the options, bpf_object__load; load errors carry the verifier log. */
  static open(path: string, opts: OpenOptions = {}): BpfObject {
    requireString('object path', path);
    const maxEntries: Record<string, number> = {};
    for (const [name, n] of Object.entries(opts.mapMaxEntries ?? {})) {
      maxEntries[name] = requirePositive(`mapMaxEntries["${name}"]`, n);
    }
    const rodata: Record<string, Buffer> = {};
    for (const [name, bytes] of Object.entries(opts.rodata ?? {})) {
      rodata[name] = requireBuffer(`rodata["${name}"]`, bytes);
    }
    const reuseFds: Record<string, number> = {};
    for (const [name, map] of Object.entries(opts.reuseMaps ?? {})) {
      if (!(map instanceof BpfMap)) throw new TypeError(`reuseMaps["${name}"] must be a BpfMap`);
      if (map.closed) throw new TypeError(`reuseMaps["${name}"] is closed`);
      reuseFds[name] = map.fd;
    }
    const pinned: BpfMap[] = [];
    try {
      for (const [name, pinPath] of Object.entries(opts.reusePinnedMaps ?? {})) {
        if (name in reuseFds) throw new TypeError(`map "${name}" is in both reuseMaps and reusePinnedMaps`);
        const map = BpfMap.openPinned(requireString(`reusePinnedMaps["${name}"]`, pinPath));
        pinned.push(map);
        reuseFds[name] = map.fd;
      }
      const handle = call(`"${path}"`, () => binding().openObject(path, { maxEntries, reuseFds, rodata }));
      return new BpfObject(path, handle);
    } finally {
      for (const map of pinned) map.close(); // libbpf holds its own dup
    }
  }

  private get subject(): string {
    return `"${this.path}"`;
  }

  private live(syscall: string): NativeObject {
    if (this.handle === null) throw closedError(this.subject, syscall);
    return this.handle;
  }

  /** A program by function name, with its own fd (close it too). */
  program(name: string): BpfProgram {
    requireString('program name', name);
    const handle = this.live('bpf_object__find_program_by_name').program(name);
    if (handle === null) throw this.absent('program', name, 'bpf_object__find_program_by_name', this.programNames());
    return new BpfProgram(handle, name);
  }

  /** A map by name, with its own fd (close it too). */
  map(name: string): BpfMap {
    requireString('map name', name);
    const object = this.live('bpf_object__find_map_by_name');
    const handle = object.map(name);
    if (handle === null) throw this.absent('map', name, 'bpf_object__find_map_by_name', this.mapNames());
    return new BpfMap(handle, name);
  }

  mapNames(): string[] {
    return this.live('bpf_object__next_map').mapNames();
  }

  programNames(): string[] {
    return this.live('bpf_object__next_program').programNames();
  }

  /** Frees the object; programs and maps taken from it stay open until closed themselves. */
  close(): void {
    this.handle?.close();
    this.handle = null;
  }

  private absent(kind: string, name: string, syscall: string, names: string[]) {
    return makeBpfError(os.constants.errno.ENOENT, syscall, {
      subject: this.subject,
      detail: `no ${kind} named "${name}" (has: ${names.join(', ') || 'none'})`,
    });
  }
}
