// A --token-file that group or others may read or write (issue 6): the daemon starts (some
// set-ups share the file with a group on purpose) but logs a warning naming the file and its
// mode, never the token. A 0600 or 0400 file starts silently.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tokenFileExposure } from '../src/api/auth';
import { isRoot } from './lib/netdev';
import { TestEnv } from './lib/daemon-process';

const TOKEN = 'token-file-test-0c9d8e7f6a5b4c3d2e1f';
const SAFE = [0o600, 0o400, 0o700, 0o500];
const EXPOSED = [0o640, 0o644, 0o604, 0o660, 0o606, 0o620, 0o602, 0o666, 0o777];

describe('token file mode', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-h6-token-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('tokenFileExposure: the mode when group or others may read or write, else null', () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, TOKEN);
    for (const mode of [...SAFE, ...EXPOSED]) {
      fs.chmodSync(file, mode);
      assert.equal(tokenFileExposure(file), SAFE.includes(mode) ? null : mode, `mode 0${mode.toString(8)}`);
    }
    // Through a symlink: the mode of the file the token is read from.
    const link = path.join(dir, 'link');
    fs.symlinkSync(file, link);
    fs.chmodSync(file, 0o644);
    assert.equal(tokenFileExposure(link), 0o644);
  });

  describe('the daemon', { skip: !isRoot() && 'needs root (XDP, bpffs)' }, () => {
    let env: TestEnv;
    before(() => {
      env = new TestEnv('tokenmode');
    });
    after(async () => env?.cleanup());

    for (const mode of [0o644, 0o640, 0o600]) {
      test(`--token-file mode 0${mode.toString(8)}: ${mode === 0o600 ? 'no warning' : 'a warning naming the file and its mode'}`, async () => {
        const file = path.join(env.dir, `token-${mode.toString(8)}`);
        fs.writeFileSync(file, `${TOKEN}\n`);
        fs.chmodSync(file, mode);
        const rules = env.writeRules('r.json', { rules: [] });
        const d = await env.start(['--rules', rules, '--token-file', file], { token: TOKEN });
        try {
          assert.equal((await d.api('GET', '/v1/status')).status, 200, 'the daemon serves with the token');
        } finally {
          assert.equal(await d.stop('SIGTERM'), 0, d.output);
        }
        const warnings = d.logs().filter((l) => l.level === 40 && l.token_file === file);
        assert.ok(!d.output.includes(TOKEN), 'the token appears in the output');
        if (mode === 0o600) {
          assert.deepEqual(warnings, [], d.output);
          return;
        }
        assert.equal(warnings.length, 1, d.output);
        assert.equal(warnings[0].mode, `0${mode.toString(8)}`);
        assert.match(String(warnings[0].msg), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is mode 0${mode.toString(8)}: group or others may read`));
      });
    }
  });
});
