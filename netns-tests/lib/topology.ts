// Veth links between test namespaces, with addresses from 198.18.0.0/15 and fd00::/8.
//
// The standard pair: namespace `gen` (traffic generator, veth end g<k>) <-> namespace `fw`
// (veth end f<k>, where the daemon attaches). Traffic from gen to fw arrives on f<k> and meets
// the XDP program; replies leave f<k> (XDP sees ingress only). The veth ends live only inside the
// test's namespaces, so short fixed names cannot collide with anything.
//
// Native XDP on veth (checked on 6.18): attaching to the receiving end is enough. The veth driver
// then receives through NAPI and runs the program on every frame the peer sends, including TCP
// segments built with TSO (attaching strips GSO from the peer's features); the peer needs no
// program and no GRO setting. A peer-side program is needed only to receive XDP_TX/REDIRECT
// frames, which xdpfw never sends. Generic mode works on veth too.

import type { Netns } from './netns';

export interface LinkEnd {
  ns: Netns;
  ifname: string;
  mac: string;
  ifindex: number;
  ip4: string;
  ip6: string;
}

export interface Link {
  /** The generator side. */
  a: LinkEnd;
  /** The firewall side. */
  b: LinkEnd;
}

export interface LinkOptions {
  /** Subnet number k: 198.18.k.0/24 and fd00:0:0:k::/64, ends .1/::1 (a) and .2/::2 (b). */
  subnet?: number;
  /** Static neighbour entries both ways (default true); false leaves ARP and ND to do the work. */
  staticNeighbours?: boolean;
}

export function ip4(subnet: number, host: number): string {
  return `198.18.${subnet}.${host}`;
}

export function ip6(subnet: number, host: number): string {
  return `fd00:0:0:${subnet.toString(16)}::${host.toString(16)}`;
}

/** A veth pair a:aName <-> b:bName, addressed, up. Both ends die with their namespaces. */
export function createLink(a: Netns, aName: string, b: Netns, bName: string, opts: LinkOptions = {}): Link {
  const k = opts.subnet ?? 0;
  a.ip('link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name);
  const ends: LinkEnd[] = [];
  for (const [ns, ifname, host] of [[a, aName, 1], [b, bName, 2]] as const) {
    // Quiet IPv6: no router solicitations, no DAD delay (nodad), so tests start at once and
    // counters see little background traffic.
    ns.sysctl(`net.ipv6.conf.${ifname}.router_solicitations`, 0);
    ns.sysctl(`net.ipv6.conf.${ifname}.accept_dad`, 0);
    ns.ip('addr', 'add', `${ip4(k, host)}/24`, 'dev', ifname);
    ns.ip('-6', 'addr', 'add', `${ip6(k, host)}/64`, 'dev', ifname, 'nodad');
    ns.ip('link', 'set', ifname, 'up');
    ends.push({ ns, ifname, mac: ns.macOf(ifname), ifindex: ns.ifindexOf(ifname), ip4: ip4(k, host), ip6: ip6(k, host) });
  }
  const [ea, eb] = ends;
  if (opts.staticNeighbours ?? true) {
    for (const [from, to] of [[ea, eb], [eb, ea]]) {
      from.ns.ip('neigh', 'replace', to.ip4, 'lladdr', to.mac, 'dev', from.ifname, 'nud', 'permanent');
      from.ns.ip('-6', 'neigh', 'replace', to.ip6, 'lladdr', to.mac, 'dev', from.ifname, 'nud', 'permanent');
    }
  }
  return { a: ea, b: eb };
}

/**
 * Gives one end of a link another address, 198.18.k.<host> and fd00:0:0:k::<host>, and the other
 * end a static neighbour entry for it (used as a second source or destination in rules).
 */
export function addHost(link: Link, side: 'a' | 'b', host: number, subnet = 0): { ip4: string; ip6: string } {
  const end = link[side];
  const peer = link[side === 'a' ? 'b' : 'a'];
  const addr = { ip4: ip4(subnet, host), ip6: ip6(subnet, host) };
  end.ns.ip('addr', 'add', `${addr.ip4}/24`, 'dev', end.ifname);
  // Deprecated at once (preferred_lft 0): IPv6 source selection then keeps using the link's
  // first address unless a test binds this one explicitly (ping -I, bind()).
  end.ns.ip('-6', 'addr', 'add', `${addr.ip6}/64`, 'dev', end.ifname, 'nodad', 'preferred_lft', '0');
  peer.ns.ip('neigh', 'replace', addr.ip4, 'lladdr', end.mac, 'dev', peer.ifname, 'nud', 'permanent');
  peer.ns.ip('-6', 'neigh', 'replace', addr.ip6, 'lladdr', end.mac, 'dev', peer.ifname, 'nud', 'permanent');
  return addr;
}
