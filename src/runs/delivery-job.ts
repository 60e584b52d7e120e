// What a webhook-delivery job carries, and the events around a task's webhook. Types only:
// the engine, the attempts and the services share them without importing each other.
import type { Db, WebhookDisabledReason } from '../db/types.js';

/**
 * `scheduled` attempts follow the retry schedule (a failure queues the next one); a `final`
 * attempt (a replay of a delivery that had ended, a test ping) is one attempt and no more.
 */
export type AttemptKind = 'scheduled' | 'final';

export interface DeliveryJob {
  deliveryId: string;
  /** The attempt number this job makes (absent in jobs of earlier releases: the next one). */
  attempt?: number;
  kind?: AttemptKind;
}

export interface DeliveryQueue {
  /**
   * Queues one attempt. Jobs with the same `key` are one job (their id is derived from it),
   * so instances racing to queue the same attempt queue it once; no key = a fresh job.
   */
  enqueueWebhookAttempt(
    db: Db,
    job: Required<DeliveryJob>,
    opts: { startAfter?: Date; key: string | null },
  ): Promise<void>;
}

/** A task's webhook was turned off by the gateway (for a security/activity record, an email). */
export interface WebhookDisabledEvent {
  userId: string;
  taskId: string;
  url: string;
  reason: WebhookDisabledReason;
  at: Date;
}

export type OnWebhookDisabled = (event: WebhookDisabledEvent) => Promise<void> | void;
