// Where the tests run: root or not, in the init mount namespace or not, and how to invoke the CLI
// (the built one when the tests themselves run from dist/, else the TypeScript source via tsx).

import fs from 'node:fs';
import path from 'node:path';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function mountNamespaceOf(pid: number | 'self'): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

/**
 * The test's bpffs must be mounted where the daemon (and pins) outlive it: the init mount
 * namespace. PID 1 may hide its namespaces (ptrace rules), kthreadd (PID 2) never lives elsewhere.
 */
export function inInitMountNamespace(): boolean {
  const self = mountNamespaceOf('self');
  const init = mountNamespaceOf(1) ?? mountNamespaceOf(2);
  return self !== null && self === init;
}

/** Why the netns tests cannot run here, or undefined when they can. Pass as node:test `skip`. */
export function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'netns tests need Linux';
  if (!isRoot()) return 'netns tests need root (network namespaces, veth, XDP, bpffs): run as root or via `npm test` under sudo';
  if (!inInitMountNamespace()) return 'netns tests must run in the init mount namespace (not under `ip netns exec` or unshare -m)';
  return undefined;
}

let root: string | null = null;

/** The repository root: the nearest ancestor of this file holding the package.json named "xdpfw". */
export function repoRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'xdpfw') return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`no package.json named "xdpfw" above ${__dirname}`);
  }
}

/** True when this file was compiled into dist/ (CI runs the tests from there). */
function runningFromDist(): boolean {
  return path.relative(repoRoot(), __dirname).split(path.sep)[0] === 'dist';
}

/**
 * argv (program first) that runs `xdpfw` as ONE process, so that the pid we kill -9 is the
 * daemon itself: `node bin/xdpfw` when running from dist/, else `node --import tsx src/cli/main.ts`
 * (the tsx launcher would put a second process in between). XDPFW_TEST_CLI=dist|src, or the path
 * of another entry point (.js, or .ts run through tsx), overrides.
 */
export function cliArgv(): string[] {
  const r = repoRoot();
  const choice = process.env.XDPFW_TEST_CLI ?? (runningFromDist() ? 'dist' : 'src');
  if (choice === 'dist') {
    const main = path.join(r, 'dist/src/cli/main.js');
    if (!fs.existsSync(main)) throw new Error('dist/src/cli/main.js is missing: run `npm run build`');
    const bin = path.join(r, 'bin/xdpfw');
    return [process.execPath, fs.existsSync(bin) ? bin : main];
  }
  const entry = choice === 'src' ? path.join(r, 'src/cli/main.ts') : path.resolve(choice);
  return entry.endsWith('.ts') ? [process.execPath, '--import', 'tsx', entry] : [process.execPath, entry];
}

/** python3 for AF_PACKET work: the system's when present (pyenv shims need a shell environment). */
export function python3(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}
