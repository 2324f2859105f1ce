// The ruleset's JSON Schema (rules/xdpfw.schema.json) is the one truth for its syntax: the CLI,
// the REST API and editors all use that file. This module compiles it with ajv and turns ajv's
// errors into issues a person can act on: one precise message per problem, at a JSON pointer.

import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationIssue } from './model';
import { pointerJoin } from './pointer';
import { scanIssues, type SchemaAccess } from './schema-scan';
import { didYouMean } from './suggest';

/** `$id` of the schema: other schemas reference its parts as `xdpfw.schema.json#/$defs/rule`. */
export const SCHEMA_ID = 'xdpfw.schema.json';

/** Parts of the schema that are validated on their own (the REST API's request bodies). */
export type SchemaPart = 'ruleset' | 'rule' | 'setElements' | 'setPatch' | 'setReplace';

/** A `$ref` to a part, for fastify route schemas after `addSchema(rulesetSchema())`. */
export function schemaRef(part: SchemaPart): string {
  return part === 'ruleset' ? `${SCHEMA_ID}#` : `${SCHEMA_ID}#/$defs/${part}`;
}

// What each $defs entry accepts, in words: ajv's "must match pattern ^(0|[1-9]..." helps nobody.
const EXPECTED: Readonly<Record<string, string>> = {
  action: 'one of: pass, drop',
  ruleId: '1 to 64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit',
  setName: '1 to 64 lower-case letters, digits, "_" or "-", starting with a letter',
  set: 'an array of IPs/CIDRs or {"file": PATH}',
  setElements: 'an array of IPs/CIDRs',
  prefix: 'an IP address or CIDR',
  address: 'an IP address, a CIDR or @set',
  addressField: 'an IP address, a CIDR, @set, or a non-empty array of these',
  proto: 'a protocol (tcp, udp, sctp, icmp, icmpv6, gre, esp) or a number 0..255',
  protoField: 'a protocol (tcp, udp, sctp, icmp, icmpv6, gre, esp), a number 0..255, or a non-empty array of these',
  port: 'a port 0..65535 or a "lo-hi" range',
  portField: 'a port 0..65535, a "lo-hi" range, or a non-empty array of these',
  tcpFlags: 'comma-separated TCP flags from fin, syn, rst, psh, ack, urg, ece, cwr, each optionally preceded by "!" (e.g. "syn,!ack")',
  uint8: 'an integer 0..255',
  uint8Field: 'an integer 0..255 or a non-empty array of these',
  iface: 'an interface name (1 to 15 characters, no "/", ":" or white space)',
  ifaceField: 'an interface name or a non-empty array of names',
};

// A one-or-many field given a single string that fails its pattern: word it as the item.
const ITEM_OF_FIELD: Readonly<Record<string, string>> = {
  addressField: 'address',
  protoField: 'proto',
  portField: 'port',
  ifaceField: 'iface',
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

// ajv errors that only summarise their branches' errors: shown only when nothing better is.
const SUMMARY_KEYWORDS = new Set(['anyOf', 'oneOf', 'if', 'propertyNames']);

interface Compiled {
  schema: Record<string, unknown>;
  access: SchemaAccess;
}

let compiled: Compiled | null = null;

/** Where the schema file lives: rules/ at the repo root, from src/ or from dist/src/. */
export function schemaFilePath(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'rules', 'xdpfw.schema.json');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`rules/xdpfw.schema.json not found above ${__dirname}`);
  }
}

function compile(): Compiled {
  if (compiled) return compiled;
  const schema = JSON.parse(fs.readFileSync(schemaFilePath(), 'utf8')) as Record<string, unknown>;
  // No coercion, defaults or removal: the input is judged exactly as written. verbose gives each
  // error its parentSchema, which names the $defs entry for the messages above. Two validators:
  // allErrors off says cheaply whether the input is valid and finds the first error; allErrors
  // on lists every error, on inputs small enough for it (see schema-scan.ts).
  const ajvWith = (allErrors: boolean) => {
    const ajv = new Ajv({ allErrors, strict: true, allowUnionTypes: true, verbose: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
    ajv.addSchema(schema);
    return ajv;
  };
  const fast = ajvWith(false);
  const full = ajvWith(true);
  const defs = (schema.$defs ?? {}) as Record<string, Record<string, unknown>>;
  const defNames = new Map<unknown, string>(Object.entries(defs).map(([name, def]) => [def, name]));
  const ref = (name: string) => (name === 'ruleset' ? `${SCHEMA_ID}#` : `${SCHEMA_ID}#/$defs/${name}`);
  // Looked up once per name: ajv's getSchema resolves the reference on every call.
  const getter = (ajv: Ajv) => {
    const cache = new Map<string, ValidateFunction>();
    return (name: string): ValidateFunction => {
      let fn = cache.get(name);
      if (fn) return fn;
      fn = ajv.getSchema(ref(name));
      if (!fn) throw new Error(`schema part ${name} missing from ${SCHEMA_ID}`);
      cache.set(name, fn);
      return fn;
    };
  };
  const access: SchemaAccess = {
    fast: getter(fast),
    full: getter(full),
    schemaOf: (name) => (name === 'ruleset' ? schema : (defs[name] ?? {})),
    issues: (errors, basePath) => issuesFromAjvErrors(errors, basePath, defNames),
  };
  for (const part of ['ruleset', 'rule', 'setElements', 'setPatch', 'setReplace'] as const) {
    access.fast(part);
    access.full(part);
  }
  compiled = { schema, access };
  return compiled;
}

/** The schema document, e.g. for fastify's `addSchema` (then reference parts with schemaRef). */
export function rulesetSchema(): Record<string, unknown> {
  return compile().schema;
}

/**
 * Validates `input` against a part of the schema; issue paths are prefixed with `basePath`.
 * Small inputs get every error; big ones are checked member by member, in linear time.
 */
export function checkSchema(part: SchemaPart, input: unknown, basePath = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  scanIssues(compile().access, part, input, basePath, issues);
  return issues;
}

/**
 * Converts ajv errors (allErrors, verbose) into issues: one per offending location, with the
 * most specific message. `defNames` maps schema objects to their $defs names for wording.
 */
export function issuesFromAjvErrors(
  errors: readonly ErrorObject[],
  basePath = '',
  defNames: ReadonlyMap<unknown, string> = new Map(),
): ValidationIssue[] {
  const located = errors.map((e) => ({ error: e, path: basePath + errorPath(e) }));
  const isDetail = (e: ErrorObject) => !SUMMARY_KEYWORDS.has(e.keyword) && e.keyword !== 'type';
  const skipped = new Set<ErrorObject>();
  const replaced = new Map<ErrorObject, string>();
  for (const { error, path: at } of located) {
    if (!SUMMARY_KEYWORDS.has(error.keyword)) continue;
    // propertyNames: its branch error carries the name and says it all.
    if (error.keyword === 'propertyNames') {
      skipped.add(error);
      continue;
    }
    // A branch that got past the type check (e.g. an integer that is too big) says best what
    // is wrong; the other branches' "must be a string" only confuse.
    const explained = located.some((o) => isDetail(o.error) && isAtOrBelow(o.path, at));
    const typeErrors = located.filter((o) => o.error.keyword === 'type' && o.path === at);
    if (error.keyword !== 'if') for (const o of typeErrors) skipped.add(o.error);
    if (explained || typeErrors.length === 0) {
      if (explained || error.keyword === 'if') skipped.add(error);
      continue;
    }
    // No branch took the value: one message naming every form it could have had.
    const def = defNames.get(error.parentSchema);
    const types = typeErrors.flatMap((o) => String((o.error.params as { type: unknown }).type).split(','));
    replaced.set(error, `must be ${(def !== undefined && EXPECTED[def]) || typeWords([...new Set(types)])}`);
  }
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const { error, path: at } of located) {
    if (skipped.has(error)) continue;
    const message = replaced.get(error) ?? errorMessage(error, defNames);
    const key = `${at}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: at, message });
  }
  return issues;
}

function isAtOrBelow(ptr: string, ancestor: string): boolean {
  return ptr === ancestor || ptr.startsWith(ancestor + '/');
}

/** The pointer of the offending field: a missing or unknown key is named by its own path. */
function errorPath(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) return pointerJoin(e.instancePath, e.propertyName);
  if (e.keyword === 'required') return pointerJoin(e.instancePath, String(params.missingProperty));
  if (e.keyword === 'additionalProperties') return pointerJoin(e.instancePath, String(params.additionalProperty));
  return e.instancePath;
}

function errorMessage(e: ErrorObject, defNames: ReadonlyMap<unknown, string>): string {
  const params = e.params as Record<string, unknown>;
  let def = defNames.get(e.parentSchema);
  if (def !== undefined && e.keyword === 'pattern') def = ITEM_OF_FIELD[def] ?? def;
  const expected = def !== undefined ? EXPECTED[def] : undefined;
  if (e.propertyName !== undefined) {
    return `invalid name "${e.propertyName}": must be ${expected ?? 'a valid name'}`;
  }
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(((e.parentSchema ?? {}) as { properties?: object }).properties ?? {});
      return `unknown field "${name}"${didYouMean(name, known)}`;
    }
    case 'type':
      return `must be ${expected ?? typeWords(params.type)}`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}${got(e.data)}`;
    case 'pattern':
      return `must be ${expected ?? `text matching ${String(params.pattern)}`}${got(e.data)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} entries`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} entries`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'false schema':
      return 'is not allowed';
    default:
      return expected !== undefined ? `must be ${expected}` : (e.message ?? `fails ${e.keyword}`);
  }
}

function typeWords(type: unknown): string {
  const names = (Array.isArray(type) ? type : String(type).split(',')).map((t) => TYPE_WORDS[String(t)] ?? String(t));
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** `; got "tpc"`, so an error in a long array says which value it means. */
function got(data: unknown): string {
  if (typeof data !== 'string') return '';
  const shown = data.length > 40 ? `${data.slice(0, 40)}...` : data;
  return `; got ${JSON.stringify(shown)}`;
}
