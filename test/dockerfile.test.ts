// No Docker engine runs here, so the Dockerfile is checked statically: every file its build stage
// copies exists, the runtime stage copies only what the build stage produces, and it builds with
// the same three commands as `npm run build` (scripts/build.sh).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../native/lib';

const root = packageRoot();
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const buildScript = fs.readFileSync(path.join(root, 'scripts', 'build.sh'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);

test('the Dockerfile has a build stage and a runtime stage', () => {
  assert.equal(stages.length, 2);
  assert.match(stages[0], /AS build/);
  assert.doesNotMatch(stages[1], /clang|libbpf-dev|npm ci/, 'the runtime stage carries no toolchain');
});

test('every file the build stage copies exists in the repository', () => {
  const copies = [...stages[0].matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1].trim().split(/\s+/).slice(0, -1));
  assert.ok(copies.length >= 5);
  for (const sources of copies) for (const src of sources) assert.ok(fs.existsSync(path.join(root, src)), `COPY ${src}: missing`);
});

test('the runtime stage copies build outputs the build commands produce', () => {
  const fromBuild = [...stages[1].matchAll(/^COPY --from=build \/src\/(\S+)/gm)].map((m) => m[1]);
  for (const p of ['dist', 'xdp/build', 'native/build/Release/libbpf_ts.node', 'node_modules', 'bin']) {
    assert.ok(fromBuild.includes(p), `runtime stage lacks ${p}`);
  }
  assert.match(stages[1], /ENTRYPOINT \["node", "\/opt\/xdpfw\/bin\/xdpfw"\]/);
});

test('it builds with the same commands as npm run build', () => {
  for (const command of ['make -s -C xdp', 'node-gyp rebuild --directory native', 'tsc -p tsconfig.json']) {
    assert.ok(buildScript.includes(command), `scripts/build.sh lacks "${command}"`);
    assert.ok(dockerfile.includes(command), `Dockerfile lacks "${command}"`);
  }
});
