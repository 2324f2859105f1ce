// `xdpfw detach`: remove the program, links and pinned maps, even while a daemon still holds them
// (BPF_LINK_DETACH ends the attachment whoever holds the link).

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_PIN_DIR } from '../dataplane/bpffs';
import { detachInterface, pinnedInterfaces } from '../dataplane/interfaces';
import { unpinMaps } from '../dataplane/maps';

export const DETACH_USAGE = `usage: xdpfw detach --iface IF | --all [--pin-dir DIR]

Detaches the firewall from one interface, or from all and removes every pin under --pin-dir
(default ${DEFAULT_PIN_DIR}).`;

export async function detachCommand(argv: string[]): Promise<number> {
  let values: { iface?: string; all?: boolean; 'pin-dir'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { iface: { type: 'string' }, all: { type: 'boolean', default: false }, 'pin-dir': { type: 'string', default: DEFAULT_PIN_DIR } },
      strict: true,
    }));
    if (!values.all === !values.iface) throw new Error('give exactly one of --iface IF or --all');
  } catch (e) {
    process.stderr.write(`xdpfw detach: ${(e as Error).message}\n\n${DETACH_USAGE}\n`);
    return 2;
  }
  const pinDir = values['pin-dir'] as string;
  try {
    const targets = values.all ? pinnedInterfaces(pinDir) : values.iface!.split(',');
    let missing = 0;
    for (const name of targets) {
      if (detachInterface(pinDir, name)) process.stdout.write(`detached ${name}\n`);
      else {
        process.stderr.write(`xdpfw detach: no xdpfw link pinned for ${name} under ${pinDir}\n`);
        missing++;
      }
    }
    if (values.all) {
      unpinMaps(pinDir);
      fs.rmSync(pinDir, { recursive: true, force: true });
      process.stdout.write(`removed ${pinDir}\n`);
    }
    return missing > 0 ? 1 : 0;
  } catch (e) {
    process.stderr.write(`xdpfw detach: ${(e as Error).message}\n`);
    return 2;
  }
}

export const detachCli = {
  name: 'detach',
  summary: 'remove the program, links and pins',
  usage: DETACH_USAGE,
  run: detachCommand,
};
