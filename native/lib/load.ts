// Finds and loads the compiled addon. This file runs from native/lib (tsx) and from
// dist/native/lib (compiled), so the addon is located from the package root, not __dirname.
import fs from 'node:fs';
import path from 'node:path';
import type { Binding } from './binding';

const PACKAGE_NAME = 'xdpfw';
const ADDON = path.join('native', 'build', 'Release', 'libbpf_ts.node');

export function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`libbpf-ts: no package.json named "${PACKAGE_NAME}" above ${from}`);
  }
}

let loaded: Binding | undefined;

/** The addon, loaded on first use so that importing this package never fails by itself. */
export function binding(): Binding {
  if (loaded === undefined) {
    const file = path.join(packageRoot(), ADDON);
    if (!fs.existsSync(file)) {
      throw new Error(`libbpf-ts: ${file} is missing; build it with: npx node-gyp rebuild --directory native --nodedir=/usr`);
    }
    loaded = require(file) as Binding;
  }
  return loaded;
}
