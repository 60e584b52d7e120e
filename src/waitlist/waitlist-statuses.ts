// The waitlist's statuses, as Torale has them: pending (queued), invited (the admin sent an
// invitation; invited_at says when), converted (the person signed up).
export const WAITLIST_STATUSES = ['pending', 'invited', 'converted'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];
