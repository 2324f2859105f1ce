// The sender: trafgen at a fixed offered rate, 64-byte IPv4/UDP frames (FCS not included) from
// random sources in 198.18.0.0/16 with random source ports, to the receiver's 198.18.0.2 port
// 9999 (the benchmark rulesets' last rule: every firewall drops them, having tried every rule).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TRAFFIC_DPORT = 9999;

function trafgenConfig(dstMac: string): string {
  const mac = dstMac.split(':').map((b) => `0x${b}`).join(', ');
  return [
    '{',
    `  ${mac},`,
    '  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,',
    '  0x08, 0x00,',
    // IPv4: version/IHL, TOS, total length 50, id, flags/offset, TTL, UDP, checksum over 14..33.
    '  0x45, 0x00, const16(50), const16(0), const16(0), 64, 17, csumip(14, 33),',
    '  198, 18, drnd(2),',
    '  198, 18, 0, 2,',
    // UDP: random source port, destination, length 30, no checksum (allowed for IPv4).
    `  drnd(2), const16(${TRAFFIC_DPORT}), const16(30), const16(0),`,
    '  fill(0x00, 22)',
    '}',
    '',
  ].join('\n');
}

export interface TrafgenRun {
  packets: number;
  seconds: number;
}

/** Sends `packets` frames at `rate` pps from namespace ns via ifname; resolves when done. */
export function sendFixedRate(ns: string, ifname: string, dstMac: string, rate: number, packets: number): Promise<TrafgenRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-trafgen-'));
  const conf = path.join(dir, 'frame.cfg');
  fs.writeFileSync(conf, trafgenConfig(dstMac));
  // -P 1: one sender process; -Q: leave IRQ affinities alone (the machine is shared).
  const argv = ['ip', 'netns', 'exec', ns, 'trafgen', '--dev', ifname, '--conf', conf, '-b', `${rate}pps`, '-n', String(packets), '-P', '1', '-Q', '-q'];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: 120_000 + (packets / rate) * 4000 }, (err, _out, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (err) return reject(new Error(`trafgen failed: ${err.message} ${stderr}`));
      resolve({ packets, seconds: (performance.now() - t0) / 1000 });
    });
  });
}
