// Values more than one group's settings are bounded by.
export const HTTP = ['http:', 'https:'];
export const MINUTE_LIMIT = { min: 1, max: 1_000_000 };

/** A delivery job expires after this long (pg-boss), so an attempt must end well within it. */
export const DELIVERY_JOB_EXPIRE_SECONDS = 60;
export const MAX_WEBHOOK_TIMEOUT_MS = (DELIVERY_JOB_EXPIRE_SECONDS / 2) * 1000;

/** An email job expires after this long (pg-boss), so an SMTP attempt must end well within it. */
export const EMAIL_JOB_EXPIRE_SECONDS = 60;
