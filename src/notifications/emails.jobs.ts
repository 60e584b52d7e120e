// The background side of email, registered with the job engine at composition time: the
// queue of send attempts (worked by emails.ts), and the run listener that records a run's
// emails (a first run's welcome, a met condition) in the run's own transaction.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import { EMAIL_JOB_EXPIRE_SECONDS } from '../config/settings.js';
import type { DB } from '../db/types.js';
import type { JobEngine } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import type { RunListener } from '../runs/run-listener.js';
import { createEmails, type EmailJob, emailsOwner, type RunResult } from './emails.js';
import { DEFAULT_FROM, type Mailer } from './mailer.js';

export interface EmailsJobsDeps {
  db: Kysely<DB>;
  engine: JobEngine;
  mailer: Mailer | undefined;
  logger: Logger;
  config: Pick<Config, 'email' | 'engine'>;
}

export function registerEmails({ db, engine, mailer, logger, config }: EmailsJobsDeps) {
  const queue = engine.queue<EmailJob>({
    name: 'email-send',
    label: 'email',
    concurrency: config.email.concurrency,
    // Attempts schedule their own retries; the engine's retry only covers a handler that threw.
    retryLimit: 5,
    retryDelaySeconds: config.engine.retryDelaySeconds,
    expireInSeconds: EMAIL_JOB_EXPIRE_SECONDS,
    handler: async (job) => {
      await emails.attempt(job);
    },
  });
  const emails = createEmails({
    db,
    mailer,
    queue: engine.keepsJobs ? queue : undefined,
    logger,
    links: { dashboardUrl: config.email.dashboardUrl },
    from: config.email.from ?? DEFAULT_FROM,
    scheduleSeconds: config.email.retryScheduleSeconds,
    heldRecheckSeconds: config.engine.heldRecheckSeconds,
  });
  const runListener: RunListener = {
    // Torale welcomes a task's first run and emails a met condition, to the owner by default.
    wants: ({ notifications, conditionMet, firstRun }) => (conditionMet || firstRun) && emailsOwner(notifications),
    record: (trx, { task, execution, conditionMet, firstRun }) =>
      emails.afterRun(trx, {
        task,
        executionId: execution.id,
        result: (execution.result ?? {}) as RunResult,
        conditionMet,
        firstRun,
        sources: execution.grounding_sources,
      }),
  };
  return { ...emails, runListener };
}
