// File-backed sets (`{"file": PATH}`): one IP/CIDR a line, `#` comments (whole-line or
// trailing), blank lines, CRLF line ends. Errors name `file:line`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrefixList } from './address';
import { addPrefixText } from './set-elements';

export interface SetFileResult {
  list: PrefixList;
  /** Messages, each starting with `label:line:`. */
  errors: string[];
}

/** Parses the text of a set file; `label` names it in messages (the path as the user wrote it). */
export function parseSetFileText(text: string, label: string): SetFileResult {
  const list = new PrefixList();
  const errors: string[] = [];
  let lineStart = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 byte order mark
  for (let lineNo = 1; lineStart <= text.length; lineNo++) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    // Cut the comment, then the white space around the entry (\r of CRLF included).
    let end = lineStart;
    while (end < lineEnd && text.charCodeAt(end) !== 0x23 /* # */) end++;
    let start = lineStart;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    if (end > start) {
      const message = addPrefixText(list, text, start, end);
      if (message !== null) errors.push(`${label}:${lineNo}: ${message}`);
    }
    lineStart = lineEnd + 1;
  }
  return { list, errors };
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0b || code === 0x0c;
}

/** Reads and parses a set file, `file` relative to `baseDir`. Throws the fs error when unreadable. */
export function readSetFile(file: string, baseDir: string): SetFileResult {
  const text = fs.readFileSync(path.resolve(baseDir, file), 'utf8');
  return parseSetFileText(text, file);
}
