// The operator's switches: LOG_FORMAT (JSON lines, or pino-pretty for a terminal) and the
// OpenTelemetry settings, validated with the rest of the configuration; and log lines that
// carry the trace they were written in.
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { loggerOptions } from '../../src/lib/logger.js';
import { startTracing } from '../../src/telemetry.js';

const ROOT = new URL('../..', import.meta.url).pathname;

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
};

/** What createLogger(level, format) prints on stdout, in a process of its own (pino-pretty runs in a worker). */
const logged = (format: string) =>
  execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { createLogger } from './src/lib/logger.ts';
       createLogger('info', ${JSON.stringify(format)}).info({ n: 1 }, 'hello');`,
    ],
    { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );

describe('LOG_FORMAT', () => {
  it('defaults to JSON; pretty is accepted, anything else refused by name', () => {
    expect(loadConfig({}).telemetry.logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).telemetry.logFormat).toBe('pretty');
    expect(problemsOf({ LOG_FORMAT: 'xml' })).toEqual(['LOG_FORMAT must be one of json, pretty (got "xml")']);
  });

  it('json prints one JSON object per line; pretty prints a time, a level and the message', () => {
    const json = logged('json').trim();
    expect(JSON.parse(json)).toMatchObject({ level: 30, msg: 'hello', n: 1, service: 'torale-gateway' });
    const pretty = logged('pretty');
    // One line per record, fields on it (issue 24: a request was six lines through pino-pretty).
    expect(pretty).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO hello n=1\n$/);
  }, 30_000);

  it('npm run dev asks for pretty logs unless LOG_FORMAT says otherwise', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(pkg.scripts.dev).toMatch(/LOG_FORMAT=\$\{LOG_FORMAT:-pretty\}/);
    expect(pkg.scripts.start).not.toContain('LOG_FORMAT');
  });
});

describe('trace ids in log lines', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { lines, stream };
  };

  it('with tracing on, a line written inside a span names its trace and span', () => {
    let active: { traceId: string; spanId: string } | undefined;
    const { lines, stream } = capture();
    const log = pino(loggerOptions('info', { traceIds: () => active }), stream);
    log.info('outside');
    active = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    log.child({ reqId: 'r1' }).info('inside');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ msg: 'inside', reqId: 'r1', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) });
  });

  it('with tracing off, lines carry no trace fields', () => {
    const { lines, stream } = capture();
    pino(loggerOptions('info'), stream).info('plain');
    expect(Object.keys(lines[0]!).sort()).toEqual(['level', 'msg', 'service', 'time']);
  });
});

describe('OpenTelemetry settings', () => {
  it('tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; the service is torale-gateway unless renamed', async () => {
    const c = loadConfig({}).telemetry;
    expect(c.otelEndpoint).toBeUndefined();
    expect(c.otelServiceName).toBe('torale-gateway');
    expect(await startTracing(c)).toBeUndefined();
    const on = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SERVICE_NAME: 'gw-eu',
    }).telemetry;
    expect(on.otelEndpoint).toBe('http://collector:4318');
    expect(on.otelServiceName).toBe('gw-eu');
  });

  it('refuses an endpoint that is not an http(s) URL, by name', () => {
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be a http: or https: URL',
    ]);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT is not a valid URL',
    ]);
  });
});
