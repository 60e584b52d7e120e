// The waitlist's inputs and answers, in Torale's shapes (its landing page and admin console
// parse them). Shared by REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { DateTime, NullableDateTime, NullableString, StringEnum } from '../http/schemas.js';
import { NO_NUL_PATTERN } from '../lib/validation.js';
import { TASK_LIMITS } from '../tasks/tasks.schemas.js';
import { WAITLIST_STATUSES } from './waitlist-statuses.js';

/** The admin list: Torale answers every entry; here a page of them, in sign-up order. */
export const WAITLIST_LIMITS = { default: 100, max: 500, maxOffset: 1_000_000, notesLength: 2000 } as const;

export const JoinWaitlistBody = Type.Object(
  {
    email: Type.String({
      format: 'email',
      minLength: 1,
      maxLength: TASK_LIMITS.emailLength,
      pattern: NO_NUL_PATTERN,
      'x-trim': true,
    }),
  },
  { additionalProperties: false },
);
export type JoinWaitlistBody = Static<typeof JoinWaitlistBody>;

export const JoinedSchema = Type.Object({ message: Type.String(), position: Type.Integer({ minimum: 1 }) });

export const WaitlistStatusSchema = StringEnum(WAITLIST_STATUSES);

export const WaitlistQuery = Type.Object({
  status_filter: Type.Optional(WaitlistStatusSchema),
  limit: Type.Integer({ minimum: 1, maximum: WAITLIST_LIMITS.max, default: WAITLIST_LIMITS.default }),
  offset: Type.Integer({ minimum: 0, maximum: WAITLIST_LIMITS.maxOffset, default: 0 }),
});
export type WaitlistQuery = Static<typeof WaitlistQuery>;

export const UpdateWaitlistBody = Type.Object(
  {
    status: Type.Optional(WaitlistStatusSchema),
    notes: Type.Optional(Type.String({ maxLength: WAITLIST_LIMITS.notesLength, pattern: NO_NUL_PATTERN })),
  },
  { additionalProperties: false },
);
export type UpdateWaitlistBody = Static<typeof UpdateWaitlistBody>;

export const WaitlistEntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  created_at: DateTime,
  status: WaitlistStatusSchema,
  invited_at: NullableDateTime,
  notes: NullableString,
});

export const WaitlistStatsSchema = Type.Object({
  pending: Type.Integer(),
  invited: Type.Integer(),
  converted: Type.Integer(),
  total: Type.Integer(),
});

export const DeletedSchema = Type.Object({ status: Type.Literal('deleted') });
