// Logger settings shared by the server and scripts. Credentials never reach a log line:
// the Authorization header is redacted and request logs carry method, url and id only.
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { LogFormat, LogLevel } from '../config/config.js';
import { devLogStream } from './dev-log.js';

export type Logger = FastifyBaseLogger;

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'key',
  '*.key',
  'key_hash',
  '*.key_hash',
  'token',
  '*.token',
];

export interface LoggerExtras {
  /** The active trace's ids (tracing on): every line logged inside a request then names its trace. */
  traceIds?: () => { traceId: string; spanId: string } | undefined;
}

export function loggerOptions(level: LogLevel, { traceIds }: LoggerExtras = {}): pino.LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'torale-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(traceIds && {
      mixin: () => {
        const ids = traceIds();
        return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
      },
    }),
  };
}

/** JSON lines on stdout, or (LOG_FORMAT=pretty) one readable line per record, for people at a terminal. */
export function createLogger(level: LogLevel, format: LogFormat = 'json', extras: LoggerExtras = {}): Logger {
  const options = loggerOptions(level, extras);
  if (format === 'pretty') return pino(options, devLogStream()) as unknown as Logger;
  return pino(options) as unknown as Logger;
}
