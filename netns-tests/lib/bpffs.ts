// A bpf filesystem of the test's own, mounted at /run/xdpfw-test-<pid>-<n> in the init mount
// namespace (outside every network namespace's private /sys), where the daemon pins under
// --pin-dir. Unmounting at teardown frees whatever is still pinned there.

import fs from 'node:fs';
import { onTeardown } from './cleanup';
import { pidAlive } from './netns';
import { runSync, tryRunSync } from './sh';

const PREFIX = '/run/xdpfw-test-';
let counter = 0;

export interface TestBpffs {
  /** The mount point. Its root holds the kernel's own maps.debug and progs.debug. */
  dir: string;
  /** <dir>/xdpfw: pass it as --pin-dir (like the default /sys/fs/bpf/xdpfw, a directory below a mount). */
  pinDir: string;
  /** Entries under pinDir, recursively, as relative paths ([] when pinDir is gone). */
  list(): string[];
  unmount(): void;
}

export function mountTestBpffs(): TestBpffs {
  const dir = `${PREFIX}${process.pid}-${counter++}`;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  runSync(['mount', '-t', 'bpf', 'bpf', dir]);
  const unmount = onTeardown(`unmount ${dir}`, () => removeMount(dir));
  const pinDir = `${dir}/xdpfw`;
  return {
    dir,
    pinDir,
    list: () => (fs.existsSync(pinDir) ? (fs.readdirSync(pinDir, { recursive: true }) as string[]).sort() : []),
    unmount,
  };
}

function removeMount(dir: string): void {
  tryRunSync(['umount', dir]);
  fs.rmdirSync(dir); // throws (and says so at teardown) if the unmount did not happen
}

/** Unmounts test bpffs left by test processes that no longer exist. */
export function sweepStaleMounts(): void {
  for (const name of fs.readdirSync('/run')) {
    const m = /^xdpfw-test-(\d+)-\d+$/.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      removeMount(`/run/${name}`);
    } catch {
      // still mounted; left for a person to look at
    }
  }
}
