// Argument checks done before any call into the addon: wrong sizes or types never reach the kernel.

const U32_MAX = 0xffff_ffff;

export function requireUint(what: string, value: unknown, max: number = U32_MAX): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer from 0 to ${max}, got ${String(value)}`);
  }
  return value;
}

export function requirePositive(what: string, value: unknown, max: number = U32_MAX): number {
  if (requireUint(what, value, max) === 0) throw new RangeError(`${what} must be positive, got 0`);
  return value as number;
}

export function requireString(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  if (value.includes('\0')) throw new TypeError(`${what} must not contain NUL`);
  return value;
}

export function requireBuffer(what: string, value: unknown): Buffer {
  if (!Buffer.isBuffer(value)) throw new TypeError(`${what} must be a Buffer`);
  return value;
}

/** `map "x": key is 3 bytes, expected 4` */
export function requireSize(owner: string, what: string, value: unknown, expected: number): Buffer {
  const buffer = requireBuffer(`${owner}: ${what}`, value);
  if (buffer.length !== expected) {
    throw new RangeError(`${owner}: ${what} is ${buffer.length} bytes, expected ${expected}`);
  }
  return buffer;
}

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
