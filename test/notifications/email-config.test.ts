// The email settings: what an operator gets wrong is refused at start-up, every problem at once,
// and an unset SMTP_URL is said in one start-up line.
import { describe, expect, it } from 'vitest';
import { type ConfigError, configWarnings, loadConfig } from '../../src/config/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ NODE_ENV: 'test', ...env });
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

describe('email configuration', () => {
  it('defaults: no SMTP_URL = emails recorded as skipped, said once at start-up', () => {
    const c = loadConfig({ NODE_ENV: 'test' });
    expect(c.email).toEqual({
      smtpUrl: undefined,
      from: undefined,
      concurrency: 4,
      timeoutMs: 20000,
      retryScheduleSeconds: [0, 30, 120, 600, 1800, 7200],
      dashboardUrl: 'https://torale.ai',
    });
    expect(configWarnings(c).filter((w) => w.includes('SMTP_URL'))).toEqual([
      'SMTP_URL is not set: emails are recorded as skipped, not sent, and email verification answers 503',
    ]);
    const sending = loadConfig({
      NODE_ENV: 'test',
      SMTP_URL: 'smtps://u:p@mail.example.com:465',
      EMAIL_FROM: 'Torale <a@example.com>',
    });
    expect(configWarnings(sending).filter((w) => w.includes('SMTP_URL'))).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'test', DASHBOARD_URL: 'https://dash.example.com//' }).email.dashboardUrl).toBe(
      'https://dash.example.com',
    );
  });

  it('refuses what cannot work, naming each setting', () => {
    expect(problemsOf({ SMTP_URL: 'smtp://mail.example.com:587' })).toEqual([
      'EMAIL_FROM is required when SMTP_URL is set',
    ]);
    expect(problemsOf({ SMTP_URL: 'http://mail.example.com', EMAIL_FROM: 'a@example.com' })).toEqual([
      'SMTP_URL must be a smtp: or smtps: or log: URL',
    ]);
    expect(problemsOf({ EMAIL_FROM: 'not an address' })).toEqual([
      'EMAIL_FROM must be an address or "Name <address>" (got "not an address")',
    ]);
    expect(
      problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y', CLERK_SECRET_KEY: 'sk', SMTP_URL: 'log:' }),
    ).toEqual(['SMTP_URL=log: is refused when NODE_ENV=production']);
    expect(
      problemsOf({ EMAIL_TIMEOUT_MS: '60000', EMAIL_CONCURRENCY: '0', EMAIL_RETRY_SCHEDULE_SECONDS: 'soon' }),
    ).toHaveLength(3);
  });
});
