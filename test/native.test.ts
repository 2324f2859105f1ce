// libbpf-ts against the real kernel: a fixture object (test/fixtures/native/test_prog.bpf.c) is
// loaded, its maps driven from user space and checked through BPF_PROG_TEST_RUN, and XDP links
// attached to a veth pair created for this run. Needs root; skipped otherwise.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  BpfError, BpfLink, BpfMap, BpfObject, BpfProgram, MapFlags, MapType, ProgType,
  ifNameToIndex, isBpffs, numPossibleCpus, packageRoot, xdpQuery,
} from '../native/lib/index';
import { KernelEnv, bpfFdCount, bpfMappings, buildFixture, collectGarbage, fdCount } from './fixtures/native/kernel-env';

const XDP_ABORTED = 0;
const XDP_DROP = 1;
const XDP_PASS = 2;
const XDP_TX = 3;

const skip = process.getuid?.() === 0 ? false : 'kernel tests need root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)';

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A packet whose first four bytes are `head`: the key the fixture program looks up. */
function packet(head: number[], length = 64): Buffer {
  const b = Buffer.alloc(length, 0xab);
  Buffer.from(head).copy(b);
  return b;
}

function headKey(head: number[]): Buffer {
  return Buffer.from(head);
}

/** LPM trie key: prefixlen (u32, host order) then the address bytes. */
function prefixKey(prefixlen: number, addr: number[]): Buffer {
  return Buffer.concat([u32(prefixlen), Buffer.from(addr)]);
}

function sumPerCpu(value: Buffer, cpus: number): bigint {
  let sum = 0n;
  for (let cpu = 0; cpu < cpus; cpu++) sum += value.readBigUInt64LE(cpu * 8);
  return sum;
}

function expectBpfError(fn: () => unknown, expected: { code: string | string[]; syscall?: string; message?: RegExp; done?: number }): BpfError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BpfError, `expected BpfError, got ${String(caught)}`);
  const codes = Array.isArray(expected.code) ? expected.code : [expected.code];
  assert.ok(codes.includes(caught.code), `code ${caught.code} not in ${codes.join(',')}: ${caught.message}`);
  assert.equal(typeof caught.errno, 'number');
  assert.ok(caught.errno > 0);
  if (expected.syscall !== undefined) assert.equal(caught.syscall, expected.syscall);
  if (expected.message !== undefined) assert.match(caught.message, expected.message);
  if (expected.done !== undefined) assert.equal(caught.done, expected.done);
  return caught;
}

describe('libbpf-ts (native)', { skip }, () => {
  const env = new KernelEnv();
  let objectPath = '';
  let badObjectPath = '';
  let ifindex = 0;

  before(() => {
    objectPath = buildFixture('test_prog');
    badObjectPath = buildFixture('bad_prog');
    env.setUp();
    ifindex = ifNameToIndex(env.veth);
  });

  after(() => env.tearDown());

  // Whatever a failed test left behind must not break the next one: an attached link would.
  const owned: { close(): void }[] = [];
  function own<T extends { close(): void }>(handle: T): T {
    owned.push(handle);
    return handle;
  }
  afterEach(() => {
    for (const handle of owned.splice(0).reverse()) handle.close();
    env.removePins();
  });

  /** A freshly loaded fixture with the named maps/programs, all closed afterwards. */
  function withObject(fn: (obj: BpfObject) => void, opts = {}): void {
    const obj = BpfObject.open(objectPath, opts);
    try {
      fn(obj);
    } finally {
      obj.close();
    }
  }

  describe('system queries', () => {
    it('numPossibleCpus matches /sys/devices/system/cpu/possible', () => {
      const ranges = fs.readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim().split(',');
      const expected = ranges.reduce((n, r) => {
        const [lo, hi = lo] = r.split('-').map(Number);
        return n + (hi - lo + 1);
      }, 0);
      assert.equal(numPossibleCpus(), expected);
    });

    it('isBpffs tells bpffs from other filesystems and missing paths', () => {
      assert.equal(isBpffs(env.bpffs), true);
      assert.equal(isBpffs('/tmp'), false);
      assert.equal(isBpffs(path.join(env.bpffs, 'does-not-exist')), false);
    });

    it('ifNameToIndex agrees with sysfs and returns 0 for unknown names', () => {
      const sysfs = Number(fs.readFileSync(`/sys/class/net/${env.veth}/ifindex`, 'utf8'));
      assert.equal(ifindex, sysfs);
      assert.equal(ifNameToIndex('xdpfwnone0'), 0);
    });

    it('xdpQuery reports nothing attached on a fresh veth', () => {
      assert.deepEqual(xdpQuery(ifindex), { progId: 0, mode: 'none' });
    });
  });

  describe('BpfObject', () => {
    it('loads, lists maps and programs, and applies max_entries', () => {
      withObject((obj) => {
        assert.deepEqual(obj.programNames().sort(), ['xdp_drop_all', 'xdp_main']);
        const names = obj.mapNames();
        for (const name of ['override', 'verdicts', 'counters', 'prefixes']) assert.ok(names.includes(name), name);
        assert.ok(names.some((n) => n.endsWith('.rodata')), names.join(','));
        const verdicts = obj.map('verdicts');
        assert.equal(verdicts.info.maxEntries, 7);
        assert.equal(verdicts.info.type, MapType.HASH);
        assert.deepEqual([verdicts.info.keySize, verdicts.info.valueSize], [4, 4]);
        assert.ok(verdicts.info.id > 0);
        verdicts.close();
        const prog = obj.program('xdp_main');
        assert.equal(prog.type, ProgType.XDP);
        assert.equal(prog.name, 'xdp_main');
        assert.ok(prog.id > 0);
        prog.close();
      }, { mapMaxEntries: { verdicts: 7 } });
    });

    it('sets const volatile rodata before load, by section or libbpf name', () => {
      withObject((obj) => {
        const prog = obj.program('xdp_main');
        assert.equal(prog.testRun({ data: packet([1, 2, 3, 4]) }).retval, XDP_PASS);
        prog.close();
      });
      withObject((obj) => {
        const prog = obj.program('xdp_main');
        assert.equal(prog.testRun({ data: packet([1, 2, 3, 4]) }).retval, XDP_DROP);
        prog.close();
      }, { rodata: { '.rodata': u32(XDP_DROP) } });
      withObject((obj) => {
        const prog = obj.program('xdp_main');
        assert.equal(prog.testRun({ data: packet([1, 2, 3, 4]) }).retval, XDP_TX);
        prog.close();
      }, { rodata: { 'test_pro.rodata': u32(XDP_TX) } });
    });

    it('rejects bad options with BpfError before loading', () => {
      expectBpfError(() => BpfObject.open(objectPath, { rodata: { '.rodata': Buffer.alloc(3) } }),
        { code: 'EINVAL', syscall: 'bpf_map__set_initial_value', message: /is 3 bytes, expected 4/ });
      expectBpfError(() => BpfObject.open(objectPath, { mapMaxEntries: { nosuchmap: 4 } }),
        { code: 'ENOENT', syscall: 'bpf_object__find_map_by_name', message: /no map named "nosuchmap"/ });
      assert.throws(() => BpfObject.open(objectPath, { mapMaxEntries: { verdicts: 0 } }), RangeError);
    });

    it('reports a missing file as ENOENT from bpf_object__open_file', () => {
      expectBpfError(() => BpfObject.open('/nonexistent/xdpfw.bpf.o'),
        { code: 'ENOENT', syscall: 'bpf_object__open_file', message: /"\/nonexistent\/xdpfw\.bpf\.o"/ });
    });

    it('reports verifier failures with the tail of the verifier log', () => {
      const err = expectBpfError(() => BpfObject.open(badObjectPath),
        { code: 'EACCES', syscall: 'bpf_object__load', message: /invalid access to packet/ });
      assert.equal(err.errno, 13);
      assert.match(err.log ?? '', /BEGIN PROG LOAD LOG/);
      assert.match(err.message, /xdp_unchecked/);
    });

    it('throws for unknown programs and maps, naming what exists', () => {
      withObject((obj) => {
        expectBpfError(() => obj.program('nope'), { code: 'ENOENT', message: /no program named "nope" \(has: .*xdp_main/ });
        expectBpfError(() => obj.map('nope'), { code: 'ENOENT', message: /no map named "nope"/ });
      });
    });

    it('hands out dup()ed fds that survive close() of the object', () => {
      const obj = BpfObject.open(objectPath);
      const map = obj.map('verdicts');
      const prog = obj.program('xdp_main');
      obj.close();
      expectBpfError(() => obj.map('verdicts'), { code: 'EBADF' });
      map.update(headKey([9, 9, 9, 9]), u32(XDP_TX));
      assert.equal(prog.testRun({ data: packet([9, 9, 9, 9]) }).retval, XDP_TX);
      map.close();
      prog.close();
      expectBpfError(() => map.lookup(headKey([9, 9, 9, 9])), { code: 'EBADF', message: /map "verdicts": already closed/ });
      expectBpfError(() => prog.testRun({ data: packet([0, 0, 0, 0]) }), { code: 'EBADF' });
      obj.close(); // idempotent
      map.close();
    });
  });

  describe('BpfMap', () => {
    it('does CRUD on a hash, with flags and ENOENT as null/false', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        const key = headKey([10, 0, 0, 1]);
        assert.equal(map.lookup(key), null);
        map.update(key, u32(XDP_TX));
        assert.deepEqual(map.lookup(key), u32(XDP_TX));
        expectBpfError(() => map.update(key, u32(XDP_DROP), 'noexist'),
          { code: 'EEXIST', syscall: 'bpf_map_update_elem', message: /^bpf_map_update_elem on map "verdicts": .*\(EEXIST\)$/ });
        map.update(key, u32(XDP_DROP), 'exist');
        assert.deepEqual(map.lookup(key), u32(XDP_DROP));
        expectBpfError(() => map.update(headKey([10, 0, 0, 2]), u32(XDP_DROP), 'exist'), { code: 'ENOENT' });
        assert.equal(map.delete(key), true);
        assert.equal(map.delete(key), false);
        assert.equal(map.lookup(key), null);
        map.close();
      });
    });

    it('runs an update on a native thread: join waits, and throws its failure every time; close joins', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        const key = headKey([10, 0, 0, 9]);
        const ok = map.updateStart(key, u32(XDP_TX));
        ok.join();
        assert.equal(ok.joined, true);
        ok.join(); // nothing left to wait for, nothing failed
        assert.deepEqual(map.lookup(key), u32(XDP_TX));
        const bad = map.updateStart(headKey([10, 0, 0, 10]), u32(XDP_DROP), 'exist');
        expectBpfError(() => bad.join(), { code: 'ENOENT', syscall: 'bpf_map_update_elem', message: /map "verdicts"/ });
        expectBpfError(() => bad.join(), { code: 'ENOENT' });
        // A second start joins the first (its failure stays with its holder); close joins the last.
        const first = map.updateStart(headKey([10, 0, 0, 11]), u32(XDP_DROP), 'exist');
        const second = map.updateStart(headKey([10, 0, 0, 12]), u32(XDP_DROP));
        assert.equal(first.joined, true);
        expectBpfError(() => first.join(), { code: 'ENOENT' });
        map.close();
        assert.equal(second.joined, true, 'close joined the thread; the holder still gets its outcome');
        second.join();
        assert.throws(() => map.updateStart(key, u32(XDP_TX)), { name: 'BpfError', code: 'EBADF' });
      });
    });

    it('checks key and value sizes before calling the kernel', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        assert.throws(() => map.lookup(Buffer.alloc(3)), { name: 'RangeError', message: 'map "verdicts": key is 3 bytes, expected 4' });
        assert.throws(() => map.update(Buffer.alloc(4), Buffer.alloc(8)), { name: 'RangeError', message: 'map "verdicts": value is 8 bytes, expected 4' });
        assert.throws(() => map.update(Buffer.alloc(4), Buffer.alloc(4), 'sometimes' as never), TypeError);
        assert.throws(() => map.updateBatch(Buffer.alloc(8), Buffer.alloc(4), 2), RangeError);
        assert.throws(() => map.lookup('abcd' as never), TypeError);
        map.close();
      });
    });

    it('feeds the program: hash and LPM verdicts seen by BPF_PROG_TEST_RUN', () => {
      withObject((obj) => {
        const prog = obj.program('xdp_main');
        const verdicts = obj.map('verdicts');
        const prefixes = obj.map('prefixes');
        assert.equal(prog.testRun({ data: packet([10, 1, 2, 3]) }).retval, XDP_PASS);
        prefixes.update(prefixKey(8, [10, 0, 0, 0]), u32(XDP_DROP));
        assert.equal(prog.testRun({ data: packet([10, 1, 2, 3]) }).retval, XDP_DROP);
        assert.equal(prog.testRun({ data: packet([11, 1, 2, 3]) }).retval, XDP_PASS);
        verdicts.update(headKey([10, 1, 2, 3]), u32(XDP_TX));
        assert.equal(prog.testRun({ data: packet([10, 1, 2, 3]) }).retval, XDP_TX);
        for (const m of [prog, verdicts, prefixes]) m.close();
      });
    });

    it('iterates keys with nextKey/keys()', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        assert.equal(map.nextKey(null), null);
        assert.deepEqual([...map.keys()], []);
        const inserted = [1, 2, 3, 40, 500].map((n) => u32(n));
        for (const k of inserted) map.update(k, u32(XDP_PASS));
        const seen = [...map.keys()].map((k) => k.readUInt32LE()).sort((a, b) => a - b);
        assert.deepEqual(seen, [1, 2, 3, 40, 500]);
        const first = map.nextKey(null);
        assert.ok(first !== null && first.length === 4);
        map.close();
      });
    });

    it('batch update into a full hash reports partial progress in error.done', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        const count = 6;
        const keys = Buffer.concat(Array.from({ length: count }, (_, i) => u32(100 + i)));
        const values = Buffer.concat(Array.from({ length: count }, (_, i) => u32(i % 4)));
        const err = expectBpfError(() => map.updateBatch(keys, values, count),
          { code: 'E2BIG', done: 4, message: /map "verdicts".*after 4 of 6 elements/ });
        assert.equal(err.syscall, 'bpf_map_update_batch');
        assert.equal([...map.keys()].length, 4);
        const all = map.lookupBatch();
        assert.equal(all.count, 4);
        assert.equal(all.keys.length, 16);
        for (let i = 0; i < all.count; i++) {
          const k = all.keys.readUInt32LE(i * 4);
          assert.equal(all.values.readUInt32LE(i * 4), (k - 100) % 4, `value of key ${k}`);
        }
        map.deleteBatch(Buffer.concat([u32(100), u32(101)]), 2);
        assert.equal(map.lookup(u32(100)), null);
        assert.equal([...map.keys()].length, 2);
        expectBpfError(() => map.deleteBatch(Buffer.concat([u32(102), u32(7777)]), 2), { code: 'ENOENT', done: 1 });
        map.updateBatch(Buffer.alloc(0), Buffer.alloc(0), 0); // no-op
        map.close();
      }, { mapMaxEntries: { verdicts: 4 } });
    });

    it('batch update and lookup work on an LPM trie (ENOSPC when full)', () => {
      withObject((obj) => {
        const map = obj.map('prefixes');
        const count = 20; // max_entries is 16
        const keys = Buffer.concat(Array.from({ length: count }, (_, i) => prefixKey(32, [192, 168, 0, i])));
        const values = Buffer.concat(Array.from({ length: count }, (_, i) => u32(i)));
        expectBpfError(() => map.updateBatch(keys, values, count), { code: 'ENOSPC', done: 16 });
        const all = map.lookupBatch();
        assert.equal(all.count, 16);
        assert.equal(all.values.length, 16 * 4);
        const lastBytes = new Set<number>();
        for (let i = 0; i < all.count; i++) lastBytes.add(all.keys[i * 8 + 7]);
        assert.deepEqual([...lastBytes].sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i));
        map.close();
      });
    });

    it('falls back to single updates where a map type lacks the batch op (array delete)', () => {
      withObject((obj) => {
        const map = obj.map('override');
        // Arrays have no delete at all: the fallback reports the single delete's EINVAL.
        expectBpfError(() => map.deleteBatch(u32(0), 1), { code: 'EINVAL', syscall: 'bpf_map_delete_elem', done: 0 });
        map.close();
      });
    });

    it('reads per-CPU values for all CPUs, summing to the packets seen', () => {
      withObject((obj) => {
        const cpus = numPossibleCpus();
        const counters = obj.map('counters');
        const prog = obj.program('xdp_main');
        assert.equal(counters.perCpu, true);
        assert.equal(counters.valueBufferSize, 8 * cpus);
        const before = sumPerCpu(counters.lookup(u32(0)) ?? assert.fail('no counter'), cpus);
        prog.testRun({ data: packet([1, 1, 1, 1], 100), repeat: 25 });
        prog.testRun({ data: packet([1, 1, 1, 1], 100) });
        assert.equal(sumPerCpu(counters.lookup(u32(0)) ?? assert.fail('no counter'), cpus) - before, 26n);
        assert.equal(sumPerCpu(counters.lookup(u32(1)) ?? assert.fail('no counter'), cpus), 2600n);
        const all = counters.lookupBatch();
        assert.equal(all.count, 2);
        assert.equal(all.values.length, 2 * 8 * cpus);
        // Writing per-CPU values sets each CPU's slot.
        const perCpu = Buffer.alloc(8 * cpus);
        for (let cpu = 0; cpu < cpus; cpu++) perCpu.writeBigUInt64LE(BigInt(cpu + 1), cpu * 8);
        counters.update(u32(1), perCpu);
        assert.deepEqual(counters.lookup(u32(1)), perCpu);
        assert.throws(() => counters.update(u32(1), Buffer.alloc(8)), RangeError);
        counters.close();
        prog.close();
      });
    });

    it('mmap shares the array with the program both ways; unmap detaches the buffer', () => {
      withObject((obj) => {
        const map = obj.map('override');
        const prog = obj.program('xdp_main');
        assert.ok(map.info.flags & MapFlags.MMAPABLE);
        const mappingsBefore = bpfMappings();
        const memory = map.mmap();
        assert.equal(memory.byteLength, 4096);
        assert.equal(map.mmap(), memory, 'a second mmap() returns the same buffer');
        assert.equal(bpfMappings(), mappingsBefore + 1);
        const view = new Uint32Array(memory);
        view[1] = XDP_ABORTED;
        view[0] = 1; // enabled
        assert.equal(prog.testRun({ data: packet([5, 5, 5, 5]) }).retval, XDP_ABORTED);
        view[1] = XDP_TX;
        assert.equal(prog.testRun({ data: packet([5, 5, 5, 5]) }).retval, XDP_TX);
        assert.deepEqual(map.lookup(u32(0)), Buffer.concat([u32(1), u32(XDP_TX)]));
        map.update(u32(0), Buffer.concat([u32(0), u32(XDP_DROP)]));
        assert.equal(view[0], 0, 'a syscall write is visible through the mapping');
        assert.equal(view[1], XDP_DROP);
        map.unmap();
        assert.equal(memory.byteLength, 0, 'the ArrayBuffer is detached');
        assert.equal(view.length, 0);
        assert.equal(bpfMappings(), mappingsBefore);
        const again = map.mmap();
        assert.equal(again.byteLength, 4096);
        map.close();
        assert.equal(again.byteLength, 0, 'close() unmaps too');
        assert.equal(bpfMappings(), mappingsBefore);
        const hash = obj.map('verdicts');
        assert.throws(() => hash.mmap(), TypeError);
        hash.close();
        prog.close();
      });
    });

    it('creates scratch maps', () => {
      const map = BpfMap.create({ type: MapType.ARRAY, keySize: 4, valueSize: 12, maxEntries: 3, name: 'scratch' });
      assert.equal(map.name, 'scratch');
      assert.equal(map.info.name, 'scratch');
      assert.equal(map.info.valueSize, 12);
      assert.deepEqual(map.lookup(u32(2)), Buffer.alloc(12));
      expectBpfError(() => map.update(u32(3), Buffer.alloc(12)), { code: 'E2BIG', message: /index is beyond max_entries/ });
      map.updateBatch(Buffer.concat([u32(0), u32(1)]), Buffer.alloc(24, 7), 2);
      assert.deepEqual(map.lookup(u32(1)), Buffer.alloc(12, 7));
      assert.equal(map.lookupBatch().count, 3);
      map.close();
    });
  });

  describe('BpfProgram.testRun', () => {
    it('returns retval, per-run duration and the packet as the program left it', () => {
      withObject((obj) => {
        const prog = obj.program('xdp_main');
        const input = packet([7, 7, 7, 7], 80);
        const r = prog.testRun({ data: input, repeat: 100 });
        assert.equal(r.retval, XDP_PASS);
        assert.ok(Number.isInteger(r.duration) && r.duration > 0, `duration ${r.duration}`);
        assert.equal(r.dataOut.length, 80);
        // Without a context the kernel runs the program as if received on loopback, queue 0.
        assert.equal(r.dataOut.readUInt32LE(4), ifNameToIndex('lo'));
        assert.equal(r.dataOut.readUInt32LE(8), 0);
        assert.deepEqual(r.dataOut.subarray(12), input.subarray(12));
        assert.deepEqual(input.subarray(4, 8), Buffer.alloc(4, 0xab), 'input is not modified');
        prog.close();
      });
    });

    it('passes ingress_ifindex and rx_queue_index through struct xdp_md', () => {
      withObject((obj) => {
        const prog = obj.program('xdp_main');
        const r = prog.testRun({ data: packet([7, 7, 7, 7]), ingressIfindex: ifindex, rxQueueIndex: env.rxQueues - 1 });
        assert.equal(r.dataOut.readUInt32LE(4), ifindex);
        assert.equal(r.dataOut.readUInt32LE(8), env.rxQueues - 1);
        expectBpfError(() => prog.testRun({ data: packet([7, 7, 7, 7]), ingressIfindex: ifindex, rxQueueIndex: env.rxQueues + 5 }),
          { code: 'EINVAL', syscall: 'bpf_prog_test_run_opts' });
        expectBpfError(() => prog.testRun({ data: Buffer.alloc(8) }), { code: 'EINVAL', message: /program "xdp_main"/ });
        expectBpfError(() => prog.testRun({ data: packet([1, 2, 3, 4], 64), dataOutSize: 10 }), { code: 'ENOSPC' });
        prog.close();
      });
    });
  });

  describe('pins', () => {
    it('pins and reopens maps and programs; reuses pinned maps across objects', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        const prog = obj.program('xdp_main');
        const mapPin = env.pinPath('verdicts');
        const progPin = env.pinPath('xdp_main');
        map.pin(mapPin);
        prog.pin(progPin);
        expectBpfError(() => map.pin(mapPin), { code: 'EEXIST', syscall: 'bpf_obj_pin' });

        const reopened = BpfMap.openPinned(mapPin);
        assert.equal(reopened.info.id, map.info.id);
        reopened.update(headKey([3, 3, 3, 3]), u32(XDP_TX));
        assert.deepEqual(map.lookup(headKey([3, 3, 3, 3])), u32(XDP_TX));
        const byId = BpfMap.fromId(map.info.id);
        assert.equal(byId.info.name, 'verdicts');

        const progAgain = BpfProgram.openPinned(progPin);
        assert.equal(progAgain.id, prog.id);
        const progById = BpfProgram.fromId(prog.id);
        assert.equal(progById.id, prog.id);

        // A second instance of the object shares the pinned map instead of creating its own.
        const second = BpfObject.open(objectPath, { reusePinnedMaps: { verdicts: mapPin } });
        const secondProg = second.program('xdp_main');
        const secondMap = second.map('verdicts');
        assert.equal(secondMap.info.id, map.info.id);
        assert.equal(secondProg.testRun({ data: packet([3, 3, 3, 3]) }).retval, XDP_TX);
        const third = BpfObject.open(objectPath, { reuseMaps: { verdicts: map } });
        const thirdMap = third.map('verdicts');
        assert.equal(thirdMap.info.id, map.info.id);

        expectBpfError(() => BpfMap.openPinned(progPin), { code: 'EINVAL', message: /is a program, not a map/ });
        expectBpfError(() => BpfProgram.openPinned(mapPin), { code: 'EINVAL', message: /is a map, not a program/ });
        expectBpfError(() => BpfMap.openPinned(env.pinPath('missing')), { code: 'ENOENT', syscall: 'bpf_obj_get' });
        expectBpfError(() => BpfObject.open(objectPath, { reusePinnedMaps: { verdicts: env.pinPath('missing') } }),
          { code: 'ENOENT', syscall: 'bpf_obj_get' });
        expectBpfError(() => BpfMap.fromId(0x7fff_fff0), { code: 'ENOENT', syscall: 'bpf_map_get_fd_by_id' });

        map.unpin(mapPin);
        assert.equal(fs.existsSync(mapPin), false);
        expectBpfError(() => map.unpin(mapPin), { code: 'ENOENT', syscall: 'unlink' });
        fs.unlinkSync(progPin);
        for (const h of [map, prog, reopened, byId, progAgain, progById, secondProg, secondMap, thirdMap, second, third]) h.close();
      });
    });

    it('explains pins outside a bpf filesystem', () => {
      withObject((obj) => {
        const map = obj.map('verdicts');
        const tmp = fs.mkdtempSync('/tmp/xdpfw-native-');
        try {
          expectBpfError(() => map.pin(path.join(tmp, 'verdicts')), { code: 'EPERM', message: /not a bpf filesystem/ });
        } finally {
          fs.rmSync(tmp, { recursive: true, force: true });
          map.close();
        }
      });
    });
  });

  describe('BpfLink (XDP on a test veth)', () => {
    it('attaches natively, pins, updates atomically and detaches while pinned', () => {
      withObject((obj) => {
        const main = own(obj.program('xdp_main'));
        const drop = own(obj.program('xdp_drop_all'));
        const { link, mode } = BpfLink.attachXdp(main, ifindex, 'native');
        own(link);
        assert.equal(mode, 'native');
        assert.deepEqual(xdpQuery(ifindex), { progId: main.id, mode: 'native' });
        const info = link.info();
        assert.equal(info.ifindex, ifindex);
        assert.equal(info.progId, main.id);
        assert.ok(info.id > 0);

        expectBpfError(() => BpfLink.attachXdp(drop, ifindex, 'native'),
          { code: ['EBUSY', 'EEXIST'], syscall: 'bpf_link_create', message: new RegExp(`already attached.*|${env.veth}`) });
        expectBpfError(() => BpfLink.attachXdp(drop, ifindex, 'generic'), { code: ['EBUSY', 'EEXIST'] });
        expectBpfError(() => BpfLink.attachXdp(drop, ifindex, 'auto'), { code: ['EBUSY', 'EEXIST'] });

        const linkPin = env.pinPath('link');
        link.pin(linkPin);
        link.close();
        assert.deepEqual(xdpQuery(ifindex), { progId: main.id, mode: 'native' }, 'the pin keeps the link');

        const pinned = own(BpfLink.openPinned(linkPin));
        assert.equal(pinned.info().id, info.id);
        pinned.update(drop);
        assert.deepEqual(xdpQuery(ifindex), { progId: drop.id, mode: 'native' });
        assert.equal(pinned.info().progId, drop.id);

        pinned.detach();
        assert.equal(fs.existsSync(linkPin), true, 'the pin is still there');
        assert.deepEqual(xdpQuery(ifindex), { progId: 0, mode: 'none' });
        assert.equal(pinned.info().ifindex, 0);
        expectBpfError(() => pinned.update(main), { code: 'ENOLINK', syscall: 'bpf_link_update' });
        pinned.close();
        expectBpfError(() => BpfMap.openPinned(linkPin), { code: 'EINVAL', message: /is a link, not a map/ });
        fs.unlinkSync(linkPin);
        main.close();
        drop.close();
      });
    });

    it('attaches in generic mode and detaches when the last fd closes', () => {
      withObject((obj) => {
        const main = own(obj.program('xdp_main'));
        const { link, mode } = BpfLink.attachXdp(main, ifindex, 'generic');
        own(link);
        assert.equal(mode, 'generic');
        assert.deepEqual(xdpQuery(ifindex), { progId: main.id, mode: 'generic' });
        expectBpfError(() => BpfLink.attachXdp(main, ifindex, 'native'), { code: ['EBUSY', 'EEXIST'] });
        link.close();
        assert.deepEqual(xdpQuery(ifindex), { progId: 0, mode: 'none' });
        main.close();
      });
    });

    it("'auto' picks native on a veth", () => {
      withObject((obj) => {
        const main = own(obj.program('xdp_main'));
        const { link, mode } = BpfLink.attachXdp(main, ifindex, 'auto');
        own(link);
        assert.equal(mode, 'native');
        assert.equal(xdpQuery(ifindex).mode, 'native');
        link.close();
        main.close();
      });
    });

    function closedMap(): BpfMap {
      const map = BpfMap.create({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1 });
      map.close();
      return map;
    }

    it('validates arguments and reports unknown interfaces', () => {
      withObject((obj) => {
        const main = obj.program('xdp_main');
        assert.throws(() => BpfLink.attachXdp(main, 0, 'native'), RangeError);
        assert.throws(() => BpfLink.attachXdp(main, ifindex, 'offload' as never), TypeError);
        const closed = obj.program('xdp_drop_all');
        closed.close();
        assert.equal(closed.closed, true);
        assert.throws(() => BpfLink.attachXdp(closed, ifindex, 'generic'), /program "xdp_drop_all" is closed/);
        assert.throws(() => BpfObject.open(objectPath, { reuseMaps: { verdicts: closedMap() } }), /reuseMaps\["verdicts"\] is closed/);
        expectBpfError(() => BpfLink.attachXdp(main, 0x7fff_fff0, 'generic'),
          { code: 'EINVAL', syscall: 'bpf_link_create', message: /no interface with index 2147483632/ });
        main.close();
      });
    });
  });

  describe('resource release', () => {
    it('leaks no fds over 1,000 open/close cycles of object, map, program and link', async () => {
      const mapPin = env.pinPath('leak-map');
      const progPin = env.pinPath('leak-prog');
      const linkPin = env.pinPath('leak-link');
      const setup = own(BpfObject.open(objectPath));
      const setupProg = own(setup.program('xdp_main'));
      const setupMap = own(setup.map('verdicts'));
      setupMap.pin(mapPin);
      setupProg.pin(progPin);
      const { link: setupLink } = BpfLink.attachXdp(setupProg, ifindex, 'generic');
      own(setupLink);
      setupLink.pin(linkPin);
      setupLink.close();

      await collectGarbage(); // so nothing unrelated is finalized (and closed) mid-count
      const baseline = fdCount();
      const bpfBaseline = bpfFdCount();
      for (let i = 0; i < 1000; i++) {
        const obj = BpfObject.open(objectPath, { reusePinnedMaps: { verdicts: mapPin } });
        const map = obj.map('override');
        const prog = obj.program('xdp_main');
        map.mmap();
        obj.close();
        const pinnedMap = BpfMap.openPinned(mapPin);
        const pinnedProg = BpfProgram.openPinned(progPin);
        const link = BpfLink.openPinned(linkPin);
        const byId = BpfProgram.fromId(prog.id);
        for (const h of [map, prog, pinnedMap, pinnedProg, link, byId]) h.close();
        try {
          BpfMap.openPinned(progPin); // the wrong kind: the fd must still be closed
        } catch {
          // expected
        }
      }
      // Attaching is slow (RCU grace periods on detach): fewer cycles, same assertion.
      const link = own(BpfLink.openPinned(linkPin));
      link.detach();
      link.close();
      for (let i = 0; i < 20; i++) {
        BpfLink.attachXdp(setupProg, ifindex, i % 2 ? 'native' : 'generic').link.close();
      }
      assert.equal(bpfFdCount(), bpfBaseline);
      assert.equal(fdCount(), baseline);
      assert.deepEqual(xdpQuery(ifindex), { progId: 0, mode: 'none' });
      for (const p of [mapPin, progPin, linkPin]) fs.unlinkSync(p);
      for (const h of [setupMap, setupProg, setup]) h.close();
    });

    it('closes fds and unmaps memory of objects the garbage collector frees', async () => {
      const setup = own(BpfObject.open(objectPath));
      const override = own(setup.map('override'));
      const id = override.info.id;
      await collectGarbage();
      const baseline = bpfFdCount();
      const mappings = bpfMappings();
      (() => {
        for (let i = 0; i < 50; i++) BpfMap.fromId(id);
        BpfMap.fromId(id).mmap();
        BpfObject.open(objectPath).program('xdp_main');
      })();
      assert.ok(bpfFdCount() >= baseline + 50, 'fds were opened');
      assert.equal(bpfMappings(), mappings + 1);
      await collectGarbage();
      assert.equal(bpfFdCount(), baseline);
      assert.equal(bpfMappings(), mappings);
      override.close();
      setup.close();
    });

    it('releases what a worker left open when the worker exits', async () => {
      const setup = own(BpfObject.open(objectPath));
      const map = own(setup.map('verdicts'));
      const baseline = bpfFdCount();
      const addon = path.join(packageRoot(), 'native', 'build', 'Release', 'libbpf_ts.node');
      const worker = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const b = require(workerData.addon);
         globalThis.kept = Array.from({ length: 20 }, () => b.mapFromId(workerData.id));
         globalThis.obj = b.openObject(workerData.object, { maxEntries: {}, reuseFds: {}, rodata: {} });
         parentPort.postMessage('opened');
         setInterval(() => {}, 60_000); // stay alive, handles open, until terminate()`,
        { eval: true, workerData: { addon, id: map.info.id, object: objectPath } });
      await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const opened = bpfFdCount();
      assert.ok(opened >= baseline + 20, `worker opened fds (${opened} vs ${baseline})`);
      await worker.terminate();
      assert.equal(bpfFdCount(), baseline);
      map.close();
      setup.close();
    });
  });
});
