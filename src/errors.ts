/**
 * Every error Sentinel reports to a client has a stable code from this table. The table is the single
 * source of truth: docs/api.md lists the same codes and a test checks that the two agree.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, message: 'The request is malformed.' },
  invalid_alert: { status: 400, message: 'One or more alerts are invalid; nothing was stored.' },
  invalid_field: { status: 400, message: 'A field has an invalid value.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  unsupported_media_type: { status: 415, message: 'The request body must be application/json.' },
  too_many_alerts: { status: 400, message: 'Too many alerts in one request.' },
  payload_too_large: { status: 413, message: 'The request body is larger than the configured limit.' },
  unauthorized: { status: 401, message: 'A valid bearer token is required.' },
  forbidden: { status: 403, message: 'The token lacks the scope this endpoint requires.' },
  not_found: { status: 404, message: 'No such resource.' },
  alert_not_found: { status: 404, message: 'No alert with that reference.' },
  incident_not_found: { status: 404, message: 'No incident with that reference.' },
  invalid_transition: {
    status: 409,
    message: 'The requested transition is not allowed from the current state.',
  },
  lock_not_held: { status: 409, message: 'The alert is claimed by another owner.' },
  invalid_silence: { status: 400, message: 'The silence is invalid; nothing was stored.' },
  silence_not_found: { status: 404, message: 'No silence with that id.' },
  silence_expired: { status: 409, message: 'The silence has already expired.' },
  notification_not_found: { status: 404, message: 'No notification with that reference.' },
  check_not_found: { status: 404, message: 'No check with that id is configured.' },
  reload_failed: { status: 400, message: 'The new configuration is invalid; the running one was kept.' },
  store_unavailable: { status: 503, message: 'The store is not available.' },
  internal_error: { status: 500, message: 'An unexpected error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one field, named by its path in the request (e.g. `alerts[3].labels.env`). */
export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}

export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: FieldIssue[];

  constructor(code: ErrorCode, message?: string, details: FieldIssue[] = []) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'SentinelError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }

  toBody(): { error: { code: ErrorCode; message: string; details: FieldIssue[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** Codes a single field issue can carry; documented next to ERROR_CODES in docs/api.md. */
export const FIELD_ISSUE_CODES = [
  'required',
  'invalid_type',
  'invalid_enum',
  'invalid_format',
  'too_long',
  'too_many',
  'out_of_range',
  'conflict',
  'unknown_field',
] as const;
export type FieldIssueCode = (typeof FIELD_ISSUE_CODES)[number];
