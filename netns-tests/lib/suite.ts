// What a netns test file starts with: `const env = useNetnsEnv();` then `test(..., { skip: env.skip }, ...)`.
// It sweeps leftovers of killed runs before the tests, and tears down everything after them.

import { after, before } from 'node:test';
import { mountTestBpffs, sweepStaleMounts, type TestBpffs } from './bpffs';
import { teardownAll } from './cleanup';
import { skipReason } from './env';
import { Netns, sweepStale } from './netns';
import { createLink, type Link, type LinkOptions } from './topology';

export interface Pair {
  /** Traffic generator namespace; its veth end is link.a (g0). */
  gen: Netns;
  /** Firewall namespace; its veth end is link.b (f0), where the daemon attaches. */
  fw: Netns;
  link: Link;
}

export interface NetnsEnv {
  /** The reason to skip, when not root etc.; undefined when the tests can run. */
  skip: string | undefined;
  /** Namespaces gen and fw joined by g0 <-> f0 (198.18.k.1/2, fd00:0:0:k::1/2). */
  pair(opts?: LinkOptions): Pair;
  /** A bpffs of this test's own for --pin-dir. */
  bpffs(): TestBpffs;
}

export function useNetnsEnv(): NetnsEnv {
  const skip = skipReason();
  if (skip === undefined) {
    before(() => {
      sweepStale();
      sweepStaleMounts();
    });
  }
  after(() => teardownAll());
  return {
    skip,
    pair(opts = {}) {
      const gen = Netns.create('gen');
      const fw = Netns.create('fw');
      return { gen, fw, link: createLink(gen, 'g0', fw, 'f0', opts) };
    },
    bpffs: mountTestBpffs,
  };
}
