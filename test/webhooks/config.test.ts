// The webhook settings are validated at startup with a clear message, like every setting.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('webhook configuration', () => {
  it('defaults to the Svix-like schedule, five days before disabling, a 24 h secret overlap', () => {
    const c = loadConfig({});
    expect(c.webhooks.retryScheduleSeconds).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(c.webhooks.disableAfterHours).toBe(120);
    expect(c.webhooks.secretOverlapHours).toBe(24);
  });

  it('takes a schedule of whole seconds and fractional hours', () => {
    const c = loadConfig({
      WEBHOOK_RETRY_SCHEDULE_SECONDS: ' 0, 1 ,1',
      WEBHOOK_DISABLE_AFTER_HOURS: '0.5',
      WEBHOOK_SECRET_OVERLAP_HOURS: '0',
    });
    expect(c.webhooks.retryScheduleSeconds).toEqual([0, 1, 1]);
    expect(c.webhooks.disableAfterHours).toBe(0.5);
    expect(c.webhooks.secretOverlapHours).toBe(0);
  });

  it('refuses bad values, naming each', () => {
    for (const bad of ['0,,5', '0,-5', '1.5', 'soon', '0,700000', Array(21).fill('1').join(',')]) {
      expect(problems({ WEBHOOK_RETRY_SCHEDULE_SECONDS: bad })).toEqual([
        `WEBHOOK_RETRY_SCHEDULE_SECONDS must be 1 to 20 comma-separated whole seconds, each at most 604800 (got "${bad}")`,
      ]);
    }
    expect(problems({ WEBHOOK_DISABLE_AFTER_HOURS: '-1', WEBHOOK_SECRET_OVERLAP_HOURS: 'a day' })).toEqual([
      'WEBHOOK_DISABLE_AFTER_HOURS must be a number of hours between 0 and 8760 (got "-1")',
      'WEBHOOK_SECRET_OVERLAP_HOURS must be a number of hours between 0 and 8760 (got "a day")',
    ]);
  });
});
