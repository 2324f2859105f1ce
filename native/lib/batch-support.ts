// Which batch commands work, learned once: the kernel-wide probe lives in the addon, and a map
// type that answers ENOTSUPP for an operation is remembered so later calls go straight to the
// element-by-element fallback (cilium/ebpf does the same).
import { BpfError } from './errors';
import { binding } from './load';

export type BatchOp = 'update' | 'delete' | 'lookup';

const unsupported = new Set<string>();

export function batchUsable(op: BatchOp, mapType: number): boolean {
  return !unsupported.has(`${op}:${mapType}`) && binding().batchApiSupported();
}

/** True (and remembered) when err says this map type lacks the batch operation. */
export function learnUnsupported(op: BatchOp, mapType: number, err: unknown): boolean {
  if (!(err instanceof BpfError) || (err.code !== 'ENOTSUPP' && err.code !== 'EOPNOTSUPP')) return false;
  unsupported.add(`${op}:${mapType}`);
  return true;
}
