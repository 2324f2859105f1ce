// What the kernel says is attached to an interface, independent of xdpfw's own view.

import type { Netns } from './netns';

export interface XdpAttachment {
  /** 'native' (driver), 'generic' (skb) or 'offload'. */
  mode: 'native' | 'generic' | 'offload';
  progId: number;
}

const MODES = { 1: 'native', 2: 'generic', 3: 'offload' } as const;

/** The XDP program on `ifname` in `ns` (from `ip -j link`), or null when there is none. */
export function xdpAttachment(ns: Netns, ifname: string): XdpAttachment | null {
  const [link] = JSON.parse(ns.ip('-j', '-d', 'link', 'show', 'dev', ifname)) as { xdp?: { mode: number; prog?: { id: number } } }[];
  if (!link.xdp || !link.xdp.prog) return null;
  const mode = MODES[link.xdp.mode as 1 | 2 | 3];
  if (!mode) throw new Error(`${ifname}: unexpected XDP mode ${link.xdp.mode}`);
  return { mode, progId: link.xdp.prog.id };
}
