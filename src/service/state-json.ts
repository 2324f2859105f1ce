// state.json written a piece at a time: a million-member set costs a megabyte of buffer, not
// three copies of a 30 MB text.

import fs from 'node:fs';
import type { PersistedState } from './state-format';

/** Set arrays longer than this are written in pieces of this many members. */
const MEMBERS_PER_PIECE = 1 << 14;
/** Text buffered before a write (a snapshot is never held whole: it can be 30 MB). */
const FLUSH_AT = 1 << 20;

/**
 * Writes JSON.stringify(state) + "\n" to `fd` and returns its length in bytes. Set member arrays
 * are encoded a piece at a time, so a million-member set costs a megabyte of buffer, not three
 * copies of the whole text.
 */
export function writeStateJson(fd: number, state: PersistedState): number {
  let pending: string[] = [];
  let pendingLength = 0;
  let written = 0;
  const flush = () => {
    const bytes = Buffer.from(pending.join(''));
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    written += bytes.length;
    pending = [];
    pendingLength = 0;
  };
  const put = (text: string) => {
    pending.push(text);
    pendingLength += text.length;
    if (pendingLength >= FLUSH_AT) flush();
  };
  const array = (value: unknown) => {
    if (!Array.isArray(value) || value.length <= MEMBERS_PER_PIECE) return put(JSON.stringify(value));
    put('[');
    for (let i = 0; i < value.length; i += MEMBERS_PER_PIECE) {
      if (i > 0) put(',');
      put(JSON.stringify(value.slice(i, i + MEMBERS_PER_PIECE)).slice(1, -1));
    }
    put(']');
  };
  // Key order and undefined-skipping as JSON.stringify: the file reads the same.
  const object = (value: object, member: (key: string, v: unknown) => void) => {
    put('{');
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      put(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      member(k, v);
    }
    put('}');
  };
  const plain = (_k: string, v: unknown) => put(JSON.stringify(v));
  const sets = (_k: string, v: unknown) => object(v as object, (_name, members) => array(members));
  const ruleset = (_k: string, v: unknown) => object(v as object, (k, inner) => (k === 'sets' ? sets(k, inner) : plain(k, inner)));
  object(state, (k, v) => (k === 'ruleset' ? ruleset(k, v) : plain(k, v)));
  put('\n');
  flush();
  return written;
}
