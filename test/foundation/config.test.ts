import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
};

describe('configuration', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({});
    expect(c.server.port).toBe(8000);
    expect(c.server.host).toBe('127.0.0.1');
    expect(c.auth.clerkApiUrl).toBe('https://api.clerk.com');
    expect(c.auth.noAuth).toBe(false);
    expect(c.auth.noAuthEmail).toBe('test@example.com');
    expect(c.engine.agentTimeoutMs).toBe(240000);
    expect(c.server.introspection).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.server)).toBe(true);
    expect(Object.isFrozen(c.server.corsOrigins)).toBe(true);
  });

  it('production needs DATABASE_URL and Clerk, and names each missing variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.some((p) => p.includes('DATABASE_URL'))).toBe(true);
    expect(problems.some((p) => p.includes('CLERK_SECRET_KEY'))).toBe(true);
  });

  it('production turns introspection off unless asked', () => {
    const base = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@h/db', CLERK_SECRET_KEY: 'sk_live_x' };
    expect(loadConfig(base).server.introspection).toBe(false);
    expect(loadConfig({ ...base, GRAPHQL_INTROSPECTION: '1' }).server.introspection).toBe(true);
  });

  it('no-auth mode is refused off loopback and in production', () => {
    expect(problemsOf({ TORALE_NOAUTH: '1', HOST: '0.0.0.0' }).join()).toContain('TORALE_NOAUTH');
    expect(
      problemsOf({
        TORALE_NOAUTH: '1',
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://h/d',
        CLERK_SECRET_KEY: 'x',
      }).join(),
    ).toContain('TORALE_NOAUTH');
    expect(loadConfig({ TORALE_NOAUTH: '1', HOST: '::1' }).auth.noAuth).toBe(true);
  });

  it('refuses a NODE_ENV it does not know, rather than running with development defaults', () => {
    for (const nodeEnv of ['prod', 'Production', 'staging', 'dev']) {
      const problems = problemsOf({ NODE_ENV: nodeEnv, TORALE_NOAUTH: '1' });
      expect(problems.join(), nodeEnv).toMatch(/NODE_ENV must be one of development, test, production/);
    }
    for (const nodeEnv of ['development', 'test'])
      expect(loadConfig({ NODE_ENV: nodeEnv }).server.nodeEnv).toBe(nodeEnv);
  });

  it('rejects malformed values with the variable name', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      CORS_ORIGINS: 'not a url',
    });
    expect(problems.join('\n')).toContain('PORT');
    expect(problems.join('\n')).toContain('DATABASE_URL');
    expect(problems.join('\n')).toContain('LOG_LEVEL');
    expect(problems.join('\n')).toContain('CORS_ORIGINS');
  });

  it('webhook attempts: a deadline of at most 30 s (delivery jobs expire after 60 s), several at once', () => {
    const c = loadConfig({});
    expect(c.webhooks.timeoutMs).toBe(10000);
    expect(c.webhooks.deliveryConcurrency).toBe(16);
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '1500', WEBHOOK_DELIVERY_CONCURRENCY: '1' }).webhooks).toMatchObject({
      timeoutMs: 1500,
      deliveryConcurrency: 1,
    });
    expect(problemsOf({ WEBHOOK_TIMEOUT_MS: '60000' })).toEqual([
      'WEBHOOK_TIMEOUT_MS must be an integer between 100 and 30000 (got "60000")',
    ]);
    expect(problemsOf({ WEBHOOK_DELIVERY_CONCURRENCY: '0' })).toEqual([
      'WEBHOOK_DELIVERY_CONCURRENCY must be an integer between 1 and 50 (got "0")',
    ]);
  });
});

describe('configuration at its limits', () => {
  it('reports every bad setting at once, in table order, then the rules between settings', () => {
    expect(
      problemsOf({
        NODE_ENV: 'production',
        PORT: '-1',
        DATABASE_POOL_SIZE: '0',
        REDIS_URL: 'http://cache:6379',
        TORALE_NOAUTH: 'maybe',
        CLERK_JWT_KEY: 'abc',
        LOG_LEVEL: 'loud',
        CORS_ORIGINS: 'https://a.example.com, https://b.example.com/app, nope',
      }),
    ).toEqual([
      'PORT must be an integer between 0 and 65535 (got "-1")',
      'CORS_ORIGINS entry "https://b.example.com/app" must be a bare origin like https://app.example.com',
      'CORS_ORIGINS entry "nope" is not a valid origin',
      'DATABASE_POOL_SIZE must be an integer between 1 and 200 (got "0")',
      'REDIS_URL must be a redis: or rediss: URL',
      'CLERK_JWT_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
      'TORALE_NOAUTH must be 1 or 0 (got "maybe")',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'DATABASE_URL is required when NODE_ENV=production (embedded PGlite is for development only)',
      'CLERK_SECRET_KEY or CLERK_JWT_KEY is required when NODE_ENV=production',
    ]);
  });

  it('refuses NUL bytes, non-ASCII digits, fractions and numbers past their bounds', () => {
    for (const port of ['80\u0000', '８０', '80.5', '1e400', '65536', '0x', ' - 1']) {
      expect(problemsOf({ PORT: port }), JSON.stringify(port)).toEqual([
        `PORT must be an integer between 0 and 65535 (got "${port.trim()}")`,
      ]);
    }
    expect(problemsOf({ TORALE_RUN_CONCURRENCY: String(2 ** 53) })).toHaveLength(1);
    expect(problemsOf({ WEBHOOK_DISABLE_AFTER_HOURS: '8760.5' })).toHaveLength(1);
    expect(problemsOf({ DATABASE_URL: 'postgres://\u0000' })).toHaveLength(1);
  });

  it('an empty or blank value is unset; surrounding spaces are ignored', () => {
    const c = loadConfig({ PORT: '  ', CORS_ORIGINS: ' , ', DATABASE_URL: '', LOG_LEVEL: ' DEBUG ' });
    expect(c.server.port).toBe(8000);
    expect(c.server.corsOrigins).toEqual([]);
    expect(c.database.url).toBeUndefined();
    expect(c.telemetry.logLevel).toBe('debug');
  });

  it('booleans are 1/0, true/false, yes/no or on/off in any case', () => {
    for (const on of ['1', 'true', 'YES', 'On']) expect(loadConfig({ TORALE_RUNNER: on }).engine.runner, on).toBe(true);
    for (const off of ['0', 'False', 'no', 'OFF']) {
      expect(loadConfig({ TORALE_RUNNER: off }).engine.runner, off).toBe(false);
    }
    expect(problemsOf({ TORALE_RUNNER: '2' })).toEqual(['TORALE_RUNNER must be 1 or 0 (got "2")']);
  });

  it('keeps text settings as written (unicode included) and turns \\n escapes of a PEM key into newlines', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----';
    const c = loadConfig({ OTEL_SERVICE_NAME: 'gw-café-🚀', CLERK_JWT_KEY: pem });
    expect(c.telemetry.otelServiceName).toBe('gw-café-🚀');
    expect(c.auth.clerkJwtKey).toBe('-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----');
  });

  it('works out the job expiry once: agent timeout + slack; a silent run is swept a minute after that', () => {
    expect(loadConfig({}).engine).toMatchObject({ executionExpireSeconds: 270, strandedAfterSeconds: 330 });
    const c = loadConfig({ TORALE_AGENT_TIMEOUT_MS: '1500', TORALE_RUN_EXPIRE_SLACK_SECONDS: '1' });
    expect(c.engine).toMatchObject({ executionExpireSeconds: 3, strandedAfterSeconds: 63 });
  });

  it('production drains for 5 s unless told; elsewhere it does not', () => {
    const prod = { NODE_ENV: 'production', DATABASE_URL: 'postgres://h/d', CLERK_SECRET_KEY: 'sk' };
    expect(loadConfig(prod).server.shutdownDrainMs).toBe(5000);
    expect(loadConfig({ ...prod, SHUTDOWN_DRAIN_MS: '0' }).server.shutdownDrainMs).toBe(0);
    expect(loadConfig({}).server.shutdownDrainMs).toBe(0);
  });

  it('reads the environment it is given without changing it, and ignores variables it does not know', () => {
    const env = { PORT: '9000', TORALE_BENCH_BCRYPT_EVERY_REQUEST: '1', UNRELATED: 'x' };
    const before = { ...env };
    expect(loadConfig(env).server.port).toBe(9000);
    expect(env).toEqual(before);
  });
});
