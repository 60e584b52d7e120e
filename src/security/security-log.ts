// The port through which features write to an account's security log (security-events.service.ts
// implements it). Recording never throws: the log must not fail the request or job that writes it.
import type { NewSecurityEvent } from './security-events.repository.js';

export type { NewSecurityEvent };

export interface SecurityLog {
  /** Records an event; false when its `once` key was seen before (or it could not be written). */
  record(event: NewSecurityEvent): Promise<boolean>;
}
