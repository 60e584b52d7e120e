// A waitlist entry as Torale's admin console reads it.
import type { WaitlistRow } from '../db/types.js';

export const toWaitlistJson = (w: WaitlistRow) => ({
  id: w.id,
  email: w.email,
  created_at: w.created_at.toISOString(),
  status: w.status,
  invited_at: w.invited_at?.toISOString() ?? null,
  notes: w.notes,
});
