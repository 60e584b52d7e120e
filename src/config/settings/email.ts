// Email: the SMTP relay, the sender, how attempts run, and where links in emails point. One entry per setting (see ../settings.ts).
import { int, secondsList, str, url } from '../kinds.js';
import { EMAIL_JOB_EXPIRE_SECONDS, HTTP } from './shared.js';

export const email = {
  smtpUrl: url(
    'SMTP_URL',
    'where email goes: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://user:pass@host:465` (any SMTP relay: SES, Postmark, Mailgun, Novu…); `log:` = each email is written to the log instead (development; refused in production); unset = emails are recorded as `skipped` and email verification answers 503',
    { protocols: ['smtp:', 'smtps:', 'log:'], example: 'smtps://user:pass@smtp.example.com:465' },
  ),
  from: str(
    'EMAIL_FROM',
    'the From of every email, `alerts@example.com` or `Torale <alerts@example.com>`; required with an `smtp(s)` `SMTP_URL`; its domain names the Message-IDs',
    { example: 'Torale <alerts@example.com>' },
  ),
  concurrency: int('EMAIL_CONCURRENCY', 'email attempts in flight at once per instance (the `email-send` queue)', {
    min: 1,
    max: 50,
    default: 4,
  }),
  timeoutMs: int(
    'EMAIL_TIMEOUT_MS',
    `deadline of each step of one SMTP attempt (connect, greeting, each command); well within the ${EMAIL_JOB_EXPIRE_SECONDS} s an email job lives`,
    { min: 1000, max: ((EMAIL_JOB_EXPIRE_SECONDS * 3) / 4) * 1000, default: 20_000 },
  ),
  retryScheduleSeconds: secondsList(
    'EMAIL_RETRY_SCHEDULE_SECONDS',
    'delay before each attempt of an email, comma-separated whole seconds; its length is the number of attempts',
    [0, 30, 120, 600, 1800, 7200],
    { maxEntries: 20, maxSeconds: 7 * 86400 },
  ),
  dashboardUrl: url(
    'DASHBOARD_URL',
    "the dashboard's address, for links in emails (a task's page `…/tasks/{id}`, `…/settings/notifications`)",
    { protocols: HTTP, default: 'https://torale.ai' },
  ),
};
