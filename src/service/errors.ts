// The error codes of CONTRACT section 5, as the service raises them. The API turns a
// ServiceError into `{error, message, details}` with its status; nothing else decides statuses.

export type ErrorCode =
  | 'invalid_ruleset'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'capacity_exceeded'
  | 'internal';

export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_ruleset: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  capacity_exceeded: 422,
  internal: 500,
};

export interface ErrorDetail {
  /** JSON pointer into the request body ("" = the body itself). */
  path: string;
  message: string;
}

export class ServiceError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.status = STATUS_OF[code];
  }
}

/** At most this many details in one answer: a million bad prefixes need not echo back a million lines. */
export const MAX_DETAILS = 100;

export function invalid(message: string, details: ErrorDetail[]): ServiceError {
  const shown = details.slice(0, MAX_DETAILS);
  const more = details.length - shown.length;
  return new ServiceError('invalid_ruleset', more > 0 ? `${message} (${more} more problems not shown)` : message, shown);
}
