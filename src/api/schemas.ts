// Route schemas. Request bodies that are rulesets, rules or set edits reference the ruleset's
// JSON Schema (rules/xdpfw.schema.json) by $ref: OpenAPI shows them from the one truth, and the
// service validates them with the same schema through src/ruleset/validate.ts (so the API's
// messages are those of `xdpfw check`). Other bodies and query strings are validated here.

import { schemaRef } from '../ruleset/schema';

const errorBody = {
  type: 'object',
  required: ['error', 'message', 'details'],
  properties: {
    error: { type: 'string', enum: ['invalid_ruleset', 'unauthorized', 'not_found', 'conflict', 'precondition_failed', 'payload_too_large', 'unsupported_media_type', 'capacity_exceeded', 'internal'] },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string', description: 'JSON pointer into the request body' }, message: { type: 'string' } } },
    },
  },
} as const;

const generationBody = { type: 'object', required: ['generation'], properties: { generation: { type: 'integer', minimum: 1 } } } as const;
const packetBytes = { type: 'object', properties: { packets: { type: 'integer' }, bytes: { type: 'integer' } } } as const;

const ifMatch = {
  type: 'object',
  properties: { 'if-match': { type: 'string', description: '"<generation>": apply only if it is still the generation in force (else 412)' } },
} as const;

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { description: `error (${c})`, ...errorBody }]));

/** Set on body schemas the service validates itself (the validator compiler passes them through). */
export const SERVICE_VALIDATED = 'x-validated-by-service';

const serviceBody = (ref: string) => ({ $ref: ref, [SERVICE_VALIDATED]: true });

export const schemas = {
  getRuleset: {
    summary: 'The ruleset in force (file-backed sets inline); ETag: "<generation>"',
    tags: ['ruleset'],
    response: { 200: { $ref: schemaRef('ruleset') }, ...errors(401, 404) },
  },
  putRuleset: {
    summary: 'Replace the whole ruleset',
    tags: ['ruleset'],
    headers: ifMatch,
    body: serviceBody(schemaRef('ruleset')),
    response: { 200: generationBody, ...errors(400, 401, 409, 412, 413, 415, 422, 500) },
  },
  validateRuleset: {
    summary: 'Validate and compile a ruleset, changing nothing',
    tags: ['ruleset'],
    body: serviceBody(schemaRef('ruleset')),
    response: {
      200: { type: 'object', properties: { valid: { type: 'boolean', enum: [true] }, summary: { type: 'object', additionalProperties: true } } },
      ...errors(400, 401, 413, 415, 422),
    },
  },
  getRules: {
    summary: 'The rules in order, with the generation',
    tags: ['rules'],
    response: { 200: { type: 'object', properties: { generation: { type: 'integer' }, rules: { type: 'array', items: { $ref: schemaRef('rule') } } } }, ...errors(401) },
  },
  getRule: {
    summary: 'One rule',
    tags: ['rules'],
    params: { type: 'object', properties: { id: { type: 'string' } } },
    response: { 200: { $ref: schemaRef('rule') }, ...errors(401, 404) },
  },
  postRule: {
    summary: 'Add a rule (appended unless placed with ?before=ID or ?after=ID)',
    tags: ['rules'],
    headers: ifMatch,
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: { before: { type: 'string', minLength: 1 }, after: { type: 'string', minLength: 1 } },
    },
    body: serviceBody(schemaRef('rule')),
    response: { 201: generationBody, ...errors(400, 401, 404, 409, 412, 413, 415, 422, 500) },
  },
  putRule: {
    summary: 'Replace a rule in place (the body id must be the path id)',
    tags: ['rules'],
    headers: ifMatch,
    params: { type: 'object', properties: { id: { type: 'string' } } },
    body: serviceBody(schemaRef('rule')),
    response: { 200: generationBody, ...errors(400, 401, 404, 409, 412, 413, 415, 422, 500) },
  },
  deleteRule: {
    summary: 'Remove a rule',
    tags: ['rules'],
    headers: ifMatch,
    params: { type: 'object', properties: { id: { type: 'string' } } },
    response: { 200: generationBody, ...errors(401, 404, 409, 412, 500) },
  },
  getSet: {
    summary: 'A set and its members',
    tags: ['sets'],
    params: { type: 'object', properties: { name: { type: 'string' } } },
    response: {
      200: { type: 'object', properties: { name: { type: 'string' }, elements: { $ref: schemaRef('setElements') }, count: { type: 'integer' } } },
      ...errors(401, 404),
    },
  },
  patchSet: {
    summary: 'Add and remove members, all or nothing (members compare as prefixes)',
    tags: ['sets'],
    headers: ifMatch,
    params: { type: 'object', properties: { name: { type: 'string' } } },
    body: serviceBody(schemaRef('setPatch')),
    response: { 200: generationBody, ...errors(400, 401, 404, 409, 412, 413, 415, 422, 500) },
  },
  putSet: {
    summary: "Replace a set's members",
    tags: ['sets'],
    headers: ifMatch,
    params: { type: 'object', properties: { name: { type: 'string' } } },
    body: serviceBody(schemaRef('setReplace')),
    response: { 200: generationBody, ...errors(400, 401, 404, 409, 412, 413, 415, 422, 500) },
  },
  stats: {
    summary: 'Counters: enabled rules in order, default, malformed, bypass',
    tags: ['observe'],
    response: {
      200: {
        type: 'object',
        properties: {
          generation: { type: 'integer' },
          rules: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, action: { type: 'string' }, packets: { type: 'integer' }, bytes: { type: 'integer' } } } },
          default: { type: 'object', properties: { action: { type: 'string' }, packets: { type: 'integer' }, bytes: { type: 'integer' } } },
          malformed: packetBytes,
          bypass: { type: 'object', properties: { non_ip: packetBytes, ndp: packetBytes } },
        },
      },
      ...errors(401),
    },
  },
  explain: {
    summary: 'Which rule the live data path picks for a packet, counting nothing',
    tags: ['observe'],
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['iface', 'src', 'dst'],
      properties: {
        iface: { type: 'string', minLength: 1, maxLength: 15 },
        src: { type: 'string', maxLength: 64, description: 'IPv4 or IPv6 address' },
        dst: { type: 'string', maxLength: 64 },
        proto: { type: ['string', 'integer'], minimum: 0, maximum: 255, maxLength: 16, description: 'name or number; default: implied by the other fields (ports/flags: tcp, ICMP fields: icmp/icmpv6)' },
        sport: { type: 'integer', minimum: 0, maximum: 65535, description: 'default 0' },
        dport: { type: 'integer', minimum: 0, maximum: 65535, description: 'default 0' },
        tcp_flags: { type: 'string', maxLength: 64, description: '"syn,ack": these set, the others clear; omitted: none set' },
        icmp_type: { type: 'integer', minimum: 0, maximum: 255 },
        icmp_code: { type: 'integer', minimum: 0, maximum: 255 },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          rule: { type: ['string', 'null'] },
          action: { type: 'string', enum: ['pass', 'drop'] },
          bypass: { type: 'string', enum: ['ndp', 'non_ip'] },
        },
      },
      ...errors(400, 401, 404),
    },
  },
  status: {
    summary: 'Interfaces (name, ifindex, mode, program id), generation, rule count, versions',
    tags: ['observe'],
    response: { 200: { type: 'object', additionalProperties: true }, ...errors(401) },
  },
  healthz: {
    summary: '200 when attached and a ruleset is in force, else 503',
    tags: ['observe'],
    response: { 200: { type: 'object', properties: { status: { type: 'string' }, generation: { type: 'integer' } } }, 503: { type: 'object', properties: { status: { type: 'string' }, reason: { type: 'string' } } } },
  },
} as const;
