// The REST JSON of the notification history, in the dashboard's field names (api.ts), with
// the upstream API's `http_status` / `attempt_number` as aliases on deliveries.
import type { DeliveryView, SendView } from './history.service.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toDeliveryJson = (d: DeliveryView) => ({
  ...d,
  next_retry_at: iso(d.next_retry_at),
  created_at: d.created_at.toISOString(),
  delivered_at: iso(d.delivered_at),
  failed_at: iso(d.failed_at),
  http_status: d.http_status_code,
  attempt_number: d.attempts,
});

export const toSendJson = (s: SendView) => ({ ...s, created_at: s.created_at.toISOString() });
