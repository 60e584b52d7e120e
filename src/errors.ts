// The error catalog: one place that maps each failure a client can see to its HTTP
// status, REST `{"detail"}` body and GraphQL `extensions.code` (CONTRACT.md).

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string | ValidationIssue[];
  readonly headers: Readonly<Record<string, string>>;
  /**
   * GraphQL extensions: `code` and any others (`reason`, `requiredScope`). graphql-js copies an
   * original error's `extensions` into the GraphQLError, so subscriptions carry them too.
   * REST shows only `detail`.
   */
  readonly extensions: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: ErrorCode,
    detail: string | ValidationIssue[],
    headers: Record<string, string> = {},
    extensions: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : 'Request validation failed');
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.headers = status === 401 ? { 'www-authenticate': 'Bearer', ...headers } : headers;
    this.extensions = { code, ...extensions };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * A catalog error as a GraphQL error's message and extensions — the one envelope, whether
 * Apollo formats it (a resolver threw) or the HTTP edge does (refused before Apollo). Issues
 * are joined by field; `body` is left out of their path, as a GraphQL client sent no body field.
 */
export function graphqlEnvelopeOf(err: AppError): { message: string; extensions: Record<string, string> } {
  const message =
    typeof err.detail === 'string'
      ? err.detail
      : err.detail.map((i) => `${i.loc.filter((l) => l !== 'body').join('.')}: ${i.msg}`).join('; ');
  return { message, extensions: { ...err.extensions, code: err.code } };
}

const unauthenticated = (detail: string) => new AppError(401, 'UNAUTHENTICATED', detail);

/** Refused because the verification queue is full: counts as a failed attempt of the caller. */
export const SERVER_BUSY = 'Server is busy, please retry';

/** Why an API key was refused (GraphQL `extensions.reason`); revoked/expired only once its secret verified. */
export type ApiKeyRefusal = 'API_KEY_INVALID' | 'API_KEY_REVOKED' | 'API_KEY_EXPIRED';

export const Errors = {
  authorizationMissing: () => unauthenticated('Authorization header missing'),
  invalidApiKey: (reason: Exclude<ApiKeyRefusal, 'API_KEY_EXPIRED'> = 'API_KEY_INVALID') =>
    new AppError(401, 'UNAUTHENTICATED', 'Invalid API key', {}, { reason }),
  apiKeyExpired: () => new AppError(401, 'UNAUTHENTICATED', 'API key has expired', {}, { reason: 'API_KEY_EXPIRED' }),
  missingScope: (scope: string) =>
    new AppError(403, 'FORBIDDEN', `API key lacks the required scope: ${scope}`, {}, { requiredScope: scope }),
  cannotRotate: () => new AppError(400, 'BAD_USER_INPUT', 'API key cannot be rotated'),
  replacedKeyCannotManageKeys: () =>
    new AppError(
      403,
      'FORBIDDEN',
      'API key was replaced by a rotation and can no longer manage keys',
      {},
      {
        reason: 'API_KEY_REPLACED',
      },
    ),
  tokenExpired: () => unauthenticated('Token has expired'),
  invalidToken: () => unauthenticated('Invalid authentication token'),
  clerkNotConfigured: () => new AppError(503, 'SERVICE_UNAVAILABLE', 'Clerk authentication not configured'),
  clerkUnavailable: () => new AppError(503, 'SERVICE_UNAVAILABLE', 'Clerk is unavailable'),
  developerRequired: () =>
    new AppError(403, 'FORBIDDEN', 'Developer access required. Please contact support to enable API access.'),
  adminRequired: () => new AppError(403, 'FORBIDDEN', 'Admin access required'),
  userDisabled: () => new AppError(403, 'FORBIDDEN', 'User account is disabled'),
  userNotSynced: () => new AppError(404, 'NOT_FOUND', 'User not found. Please sync user first.'),
  activeKeyExists: () =>
    new AppError(
      400,
      'BAD_USER_INPUT',
      'You already have an active API key. Please revoke it before creating a new one.',
    ),
  apiKeyNotFound: () => new AppError(404, 'NOT_FOUND', 'API key not found'),
  taskNotFound: () => new AppError(404, 'NOT_FOUND', 'Task not found'),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError(429, 'TOO_MANY_REQUESTS', 'Too many requests', {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  validation: (issues: ValidationIssue[]) => new AppError(422, 'BAD_USER_INPUT', issues),
  badRequest: (detail: string) => new AppError(400, 'BAD_USER_INPUT', detail),
  conflict: (detail: string) => new AppError(409, 'CONFLICT', detail),
  notFound: (detail = 'Not Found') => new AppError(404, 'NOT_FOUND', detail),
  methodNotAllowed: (allow: string) => new AppError(405, 'BAD_USER_INPUT', 'Method Not Allowed', { allow }),
  databaseUnavailable: () =>
    new AppError(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable', { 'retry-after': '1' }),
  serviceBusy: () => new AppError(503, 'SERVICE_UNAVAILABLE', SERVER_BUSY, { 'retry-after': '1' }),
  internal: () => new AppError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'),
} as const;

/**
 * PostgreSQL and pool failures that mean "the database is not reachable right now":
 * connection refused/reset, admin shutdown, pool checkout timeout. These become 503,
 * never 500, so clients retry instead of reporting a bug.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection
  // exceptions, 57014 statement timeout (a lock or an overloaded server), 55P03 lock timeout
  if (/^(57P0[123]|08\d{3}|57014|55P03)$/.test(code)) return true;
  const msg = typeof err.message === 'string' ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly|the database system is (starting up|shutting down)/i.test(
    msg,
  );
}

/** The constraint a PostgreSQL unique violation (23505) hit, else undefined. */
export function violatedUniqueConstraint(e: unknown): string | undefined {
  const err = e as { code?: string; constraint?: string } | null;
  return err?.code === '23505' ? (err.constraint ?? 'unknown') : undefined;
}

/** Turns any thrown value into the AppError a client is allowed to see. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  if (isDatabaseUnavailable(e)) return Errors.databaseUnavailable();
  return Errors.internal();
}
