// Logs and traces. One entry per setting (see ../settings.ts).
import { oneOf, str, url } from '../kinds.js';
import { HTTP } from './shared.js';

export const telemetry = {
  logLevel: oneOf(
    'LOG_LEVEL',
    'pino level (`silent` to turn logs off)',
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    { default: 'info', lowercase: true },
  ),
  logFormat: oneOf(
    'LOG_FORMAT',
    '`json` (one object per line, for log shippers) or `pretty` (one line per record for a person: requests as method, path, status, ms, GraphQL operation and the reason for a 4xx); `npm run dev` sets `pretty` unless given',
    ['json', 'pretty'],
    { default: 'json', lowercase: true },
  ),
  otelEndpoint: url(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OpenTelemetry collector base URL (OTLP/HTTP protobuf, spans go to `…/v1/traces`); set = every request is traced (see "Operating it"); unset = OpenTelemetry is not even loaded. The exporter\'s own `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*` apply',
    { protocols: HTTP, example: 'http://127.0.0.1:4318' },
  ),
  otelServiceName: str('OTEL_SERVICE_NAME', '`service.name` of the spans', { default: 'torale-gateway' }),
};
