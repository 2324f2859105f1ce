// The bytes of everything persisted in a state dir (snapshot, then journal), to assert that a
// failed change wrote nothing.

import fs from 'node:fs';
import type { StateStore } from '../../src/service/state-store';

export function stateBytes(store: StateStore): Buffer {
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0));
  return Buffer.concat([read(store.file), Buffer.from('\0'), read(store.journal)]);
}
