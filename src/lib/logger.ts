// Logger settings shared by the server and scripts. Credentials never reach a log line:
// the Authorization header is redacted and request logs carry method, url and id only.
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { LogLevel } from '../config.js';

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

export function loggerOptions(level: LogLevel) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'torale-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level: LogLevel): Logger {
  return pino(loggerOptions(level)) as unknown as Logger;
}
