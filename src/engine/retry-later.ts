/** Thrown by a job handler to make the engine retry its job (after the queue's backoff). */
export class RetryLater extends Error {}
