// Bearer-token authentication (--token-file). Every route needs `Authorization: Bearer <token>`
// except the open ones (/metrics, /healthz, the OpenAPI document); unknown paths need it too, so
// a caller without the token learns nothing about the routes. Tokens are compared as SHA-256
// digests with timingSafeEqual: equal lengths, constant time, whatever the caller sends.

import crypto from 'node:crypto';
import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServiceError } from '../service/errors';

export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/metrics', '/healthz', '/docs/json']);

export class TokenFileError extends Error {}

/** The token is the file's content, surrounding white space trimmed. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TokenFileError(`--token-file ${file}: ${(e as Error).message}`);
  }
  const token = text.trim();
  if (token === '') throw new TokenFileError(`--token-file ${file} is empty`);
  if (/[\s]/.test(token)) throw new TokenFileError(`--token-file ${file}: the token may not contain white space`);
  return token;
}

/**
 * The mode of a token file that group or others may read or write (a local user could then
 * take the token, or replace it), else null. Not refused: some set-ups share it with a group
 * on purpose; the daemon warns instead.
 */
export function tokenFileExposure(file: string): number | null {
  const mode = fs.statSync(file).mode & 0o777;
  return (mode & 0o066) !== 0 ? mode : null;
}

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

/** How logs name a token holder: never the token, the first 8 hex digits of its SHA-256. */
export function tokenId(token: string): string {
  return digest(token).toString('hex').slice(0, 8);
}

/**
 * The check every request but the open routes' passes: throws ServiceError('unauthorized'),
 * else names the caller on the request. Used by the onRequest hook and, for requests fastify
 * refuses before routing (malformed URLs), by the frameworkErrors handler.
 */
export function authenticator(token: string | null): (req: FastifyRequest) => void {
  const expected = token === null ? null : digest(token);
  const id = token === null ? null : tokenId(token);
  return (req) => {
    const route = req.routeOptions.url;
    if (expected === null || (route !== undefined && OPEN_ROUTES.has(route))) return;
    // Authorization is a singleton field (RFC 9110): with two, Node keeps the first, so a proxy
    // appending a second one could be bypassed. Refuse the ambiguity.
    const count = req.raw.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization').length;
    if (count > 1) throw new ServiceError('unauthorized', 'more than one Authorization header');
    const header = req.headers.authorization;
    // The scheme is matched as the contract writes it: `Bearer`, one space, the token.
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
    if (given === null || !crypto.timingSafeEqual(digest(given), expected)) {
      throw new ServiceError('unauthorized', given === null ? 'missing or malformed Authorization header: send Authorization: Bearer <token>' : 'wrong bearer token');
    }
    (req as FastifyRequest & { caller?: string }).caller = `token:${id}`;
  };
}

export function installAuth(app: FastifyInstance, authenticate: (req: FastifyRequest) => void): void {
  app.addHook('onRequest', async (req: FastifyRequest) => authenticate(req));
}

/** Who made a request, for the change log: the token id, else the socket it came through. */
export function callerOf(req: FastifyRequest, listen: string): string {
  const byToken = (req as FastifyRequest & { caller?: string }).caller;
  if (byToken) return byToken;
  if (listen.startsWith('unix:')) return listen;
  return `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
}
