// A task's webhook (CONTRACT.md "Webhooks (additions)"): inputs and responses of rotation,
// the delivery log, replay and test. Shared by REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { DateTime, NullableDateTime, NullableString, StringEnum } from '../http/schemas.js';

export const TaskDeliveryParams = Type.Object({ id: Type.String(), deliveryId: Type.String() });

export const TaskDeliveriesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: '`next_cursor` of the page before' }),
    ),
  },
  { additionalProperties: false },
);
export type TaskDeliveriesQuery = Static<typeof TaskDeliveriesQuery>;

export const AttemptSchema = Type.Object({
  at: DateTime,
  status_code: Type.Unsafe<number | null>({ type: ['integer', 'null'] }),
  duration_ms: Type.Integer(),
  error: NullableString,
});

export const DeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Also the `webhook-id` header of every attempt' }),
  event: Type.String({ description: '`task.condition_met` or `ping`' }),
  status: StringEnum(['pending', 'delivered', 'failed'] as const),
  created_at: DateTime,
  next_attempt_at: NullableDateTime,
  attempts: Type.Array(AttemptSchema),
});

export const DeliveryPageSchema = Type.Object({
  deliveries: Type.Array(DeliverySchema),
  next_cursor: NullableString,
});

export const RotatedSecretSchema = Type.Object({
  webhook_secret: Type.String({ description: 'The new secret, shown this once' }),
});

export const QueuedSchema = Type.Object({ status: Type.Literal('queued') });

export const TestedSchema = Type.Object({ delivery: DeliverySchema });
