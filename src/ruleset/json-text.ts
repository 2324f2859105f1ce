// JSON text -> value, with syntax errors located by line and column (V8 reports an offset).

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJsonText(text: string): JsonTextResult {
  try {
    // A byte order mark is not JSON, but editors on some systems write one.
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (err) {
    return { ok: false, message: `invalid JSON: ${locate((err as Error).message, text)}` };
  }
}

/** `Expected ',' ... in JSON at position 13` -> `line 3, column 3: Expected ',' ...`. */
function locate(message: string, text: string): string {
  const m = / in JSON at position (\d+)/.exec(message);
  if (!m) return message;
  const offset = Number(m[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${message.replace(m[0], '').replace(/ \(line \d+ column \d+\)$/, '')}`;
}
