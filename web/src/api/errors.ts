/** One field a 400 names, as the API's `details.fields` lists them (`config.entities.0.name`). */
export interface FieldProblem {
  field: string;
  location?: string;
  message: string;
}

/**
 * The API's error envelope `{ error: { code, message, details, request_id } }` as a thrown value.
 * Network failures and answers that are not the envelope get codes of their own, so callers only
 * ever handle this one type.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;
  /** Seconds to wait, on a 429. */
  readonly retryAfter: number | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    extra: { details?: Record<string, unknown>; requestId?: string; retryAfter?: number } = {},
  ) {
    super(message);
    this.details = extra.details;
    this.requestId = extra.requestId;
    this.retryAfter = extra.retryAfter;
  }

  /** The fields a validation error names; empty for any other error. */
  get fields(): FieldProblem[] {
    const fields = this.details?.fields;
    if (!Array.isArray(fields)) return [];
    return fields.filter(isFieldProblem);
  }
}

function isFieldProblem(value: unknown): value is FieldProblem {
  if (typeof value !== 'object' || value === null) return false;
  const { field, message } = value as Record<string, unknown>;
  return typeof field === 'string' && typeof message === 'string';
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Reads the envelope out of a parsed body, or undefined when the body is something else. */
export function envelopeOf(status: number, body: unknown): ApiError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const {
    code,
    message,
    details,
    request_id: requestId,
    retry_after: retryAfter,
  } = error as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  return new ApiError(status, code, typeof message === 'string' ? message : code, {
    details:
      typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    retryAfter: typeof retryAfter === 'number' ? retryAfter : undefined,
  });
}
