// The email settings (issue 25): read by loadConfig with the same readers, so their problems
// are reported with every other one.
import type { envReaders } from './config-readers.js';

export interface EmailConfig {
  /** smtp(s)://user:pass@host:port = emails are sent; `log:` = written to the log (dev); unset = recorded as skipped. */
  readonly smtpUrl: string | undefined;
  /** The From of every email, e.g. `Torale <alerts@example.com>`. */
  readonly emailFrom: string;
  /** Emails in flight at once on this instance. */
  readonly emailConcurrency: number;
  /** One deadline per SMTP attempt (connect, greeting, each command). */
  readonly emailTimeoutMs: number;
  /** Delay before each attempt of an email, in seconds (its length is the number of attempts). */
  readonly emailRetryScheduleSeconds: readonly number[];
  /** The dashboard's address: links in emails (a task's page, notification settings). */
  readonly dashboardUrl: string;
}

export function emailConfig(
  { str, int, url, schedule }: ReturnType<typeof envReaders>,
  isProduction: boolean,
  problems: string[],
): EmailConfig {
  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:', 'log:']);
  const emailFrom = str('EMAIL_FROM');
  if (smtpUrl && !smtpUrl.startsWith('log:') && !emailFrom)
    problems.push('EMAIL_FROM is required when SMTP_URL is set');
  if (emailFrom && !/^[^<>\s]+@[^<>\s]+$|<[^<>\s]+@[^<>\s]+>$/.test(emailFrom)) {
    problems.push(`EMAIL_FROM must be an address or "Name <address>" (got "${emailFrom}")`);
  }
  if (smtpUrl?.startsWith('log:') && isProduction) problems.push('SMTP_URL=log: is refused when NODE_ENV=production');
  return {
    smtpUrl,
    emailFrom: emailFrom ?? 'Torale <noreply@torale.localhost>',
    emailConcurrency: int('EMAIL_CONCURRENCY', 4, 1, 50),
    // At most 45 s: an email job expires after 60 s and would then be tried by another instance.
    emailTimeoutMs: int('EMAIL_TIMEOUT_MS', 20000, 1000, 45000),
    emailRetryScheduleSeconds: schedule('EMAIL_RETRY_SCHEDULE_SECONDS', [0, 30, 120, 600, 1800, 7200]),
    dashboardUrl: (url('DASHBOARD_URL', ['https:', 'http:']) ?? 'https://torale.ai').replace(/\/+$/, ''),
  };
}
