// The JSON body parser: strict UTF-8 (a malformed byte is an error, not a U+FFFD), errors that
// say where the JSON breaks, and prototype poisoning refused: a `__proto__` key, or a
// `constructor` key holding a `prototype`, anywhere in the document (fastify's
// onProtoPoisoning / onConstructorPoisoning 'error', done here so the message is ours).

import type { FastifyInstance } from 'fastify';
import { parseJsonText } from '../ruleset/json-text';
import { ServiceError, invalid } from '../service/errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * At most this many array elements in one body. A full ruleset holds 1,250,000 set prefixes and
 * 4,096 rules; a body of millions of tiny junk elements (`[1,1,1,...]` fits 32 million in 64 MiB)
 * would otherwise cost minutes and gigabytes in schema validation before being refused.
 */
export const MAX_ARRAY_ELEMENTS = 2_000_000;

export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalid('the body is not valid UTF-8', [{ path: '', message: 'not valid UTF-8' }]);
  }
  if (text.trim() === '') throw invalid('the body is empty', [{ path: '', message: 'a JSON body is required' }]);
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw invalid('the body is not valid JSON', [{ path: '', message: parsed.message }]);
  const elements = countArrayElements(parsed.value);
  if (elements > MAX_ARRAY_ELEMENTS) {
    throw new ServiceError('payload_too_large', `the body holds ${elements} array elements; at most ${MAX_ARRAY_ELEMENTS} are accepted`);
  }
  // Only text that could spell a dangerous key needs the walk (`\u` escapes can spell anything).
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const poisoned = findPoisonedKey(parsed.value, '');
    if (poisoned !== null) throw invalid('the body holds a forbidden key', [{ path: poisoned, message: 'forbidden key (prototype poisoning)' }]);
  }
  return parsed.value;
}

function countArrayElements(value: unknown): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= MAX_ARRAY_ELEMENTS) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      count += v.length;
      for (const item of v) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const key in v) {
        const child = (v as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) stack.push(child);
      }
    }
  }
  return count;
}

/** The pointer of the first `__proto__` key, or `constructor` key with a `prototype`. */
function findPoisonedKey(value: unknown, at: string): string | null {
  const stack: { value: unknown; at: string }[] = [{ value, at }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; at: string };
    if (typeof item.value !== 'object' || item.value === null) continue;
    for (const key of Object.keys(item.value)) {
      const child = (item.value as Record<string, unknown>)[key];
      const path = `${item.at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key === '__proto__') return path;
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.hasOwn(child, 'prototype')) return path;
      stack.push({ value: child, at: path });
    }
  }
  return null;
}

export function installJsonParser(app: FastifyInstance): void {
  // JSON only: fastify's text/plain parser would hand a string to routes that expect objects.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      // Some clients label every request JSON: an empty DELETE body is no body.
      if (req.method === 'DELETE' && (body as Buffer).length === 0) return done(null, undefined);
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
