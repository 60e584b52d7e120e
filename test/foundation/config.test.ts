import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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
    expect(c.port).toBe(8000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.clerkApiUrl).toBe('https://api.clerk.com');
    expect(c.noAuth).toBe(false);
    expect(c.noAuthEmail).toBe('test@example.com');
    expect(c.agentTimeoutMs).toBe(240000);
    expect(c.introspection).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('production needs DATABASE_URL and Clerk, and names each missing variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.some((p) => p.includes('DATABASE_URL'))).toBe(true);
    expect(problems.some((p) => p.includes('CLERK_SECRET_KEY'))).toBe(true);
  });

  it('production turns introspection off unless asked', () => {
    const base = { NODE_ENV: 'production', DATABASE_URL: 'postgres://x@h/db', CLERK_SECRET_KEY: 'sk_live_x' };
    expect(loadConfig(base).introspection).toBe(false);
    expect(loadConfig({ ...base, GRAPHQL_INTROSPECTION: '1' }).introspection).toBe(true);
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
    expect(loadConfig({ TORALE_NOAUTH: '1', HOST: '::1' }).noAuth).toBe(true);
  });

  it('refuses a NODE_ENV it does not know, rather than running with development defaults', () => {
    for (const nodeEnv of ['prod', 'Production', 'staging', 'dev']) {
      const problems = problemsOf({ NODE_ENV: nodeEnv, TORALE_NOAUTH: '1' });
      expect(problems.join(), nodeEnv).toMatch(/NODE_ENV must be one of development, test, production/);
    }
    for (const nodeEnv of ['development', 'test']) expect(loadConfig({ NODE_ENV: nodeEnv }).nodeEnv).toBe(nodeEnv);
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

  it('the bcrypt-every-request benchmark switch cannot be enabled in production', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://h/d',
      CLERK_SECRET_KEY: 'x',
      TORALE_BENCH_BCRYPT_EVERY_REQUEST: '1',
    });
    expect(problems.join()).toContain('TORALE_BENCH_BCRYPT_EVERY_REQUEST');
  });

  it('webhook attempts: a deadline of at most 30 s (delivery jobs expire after 60 s), several at once', () => {
    const c = loadConfig({});
    expect(c.webhookTimeoutMs).toBe(10000);
    expect(c.webhookDeliveryConcurrency).toBe(16);
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '1500', WEBHOOK_DELIVERY_CONCURRENCY: '1' })).toMatchObject({
      webhookTimeoutMs: 1500,
      webhookDeliveryConcurrency: 1,
    });
    expect(problemsOf({ WEBHOOK_TIMEOUT_MS: '60000' })).toEqual([
      'WEBHOOK_TIMEOUT_MS must be an integer between 100 and 30000 (got "60000")',
    ]);
    expect(problemsOf({ WEBHOOK_DELIVERY_CONCURRENCY: '0' })).toEqual([
      'WEBHOOK_DELIVERY_CONCURRENCY must be an integer between 1 and 50 (got "0")',
    ]);
  });
});
