// Webhook delivery: targets, deadlines, retries, disabling, secret rotation. One entry per setting (see ../settings.ts).
import { bool, hours, int, ports, secondsList } from '../kinds.js';
import { DELIVERY_JOB_EXPIRE_SECONDS, MAX_WEBHOOK_TIMEOUT_MS } from './shared.js';

export const webhooks = {
  allowInsecureTargets: bool(
    'WEBHOOK_ALLOW_INSECURE_TARGETS',
    '`1` lets webhooks (task webhooks, the default webhook and its test ping) target `http` and private addresses (local testing only)',
  ),
  timeoutMs: int(
    'WEBHOOK_TIMEOUT_MS',
    `deadline of one webhook attempt, from lookup and connect to the answer's last byte read (at most 64 KiB of body is read); the socket is destroyed when it passes. At most half the ${DELIVERY_JOB_EXPIRE_SECONDS} s a delivery job lives`,
    { min: 100, max: MAX_WEBHOOK_TIMEOUT_MS, default: 10_000 },
  ),
  // A test ping to any port of any public host would be a port scanner with a report.
  testPorts: ports(
    'WEBHOOK_TEST_PORTS',
    "ports the default webhook's test ping (`POST /api/v1/webhooks/test`) may call, comma-separated; any port when `WEBHOOK_ALLOW_INSECURE_TARGETS=1`. Failures say `the target could not be reached`, never how",
    [443, 80],
    { maxEntries: 20 },
  ),
  deliveryConcurrency: int(
    'WEBHOOK_DELIVERY_CONCURRENCY',
    'webhook attempts in flight at once per instance; a slow target holds one of them for at most `WEBHOOK_TIMEOUT_MS`',
    { min: 1, max: 50, default: 16 },
  ),
  // A quarter of the default slots: one user's slow targets leave the rest to everyone else.
  deliveryPerUser: int(
    'WEBHOOK_DELIVERY_PER_USER',
    "of those, attempts one user's deliveries may have in flight at once; more wait in the queue a second at a time, so one user's slow targets never hold every slot. 0 = no bound",
    { min: 0, max: 50, default: 4 },
  ),
  // Like Svix: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
  retryScheduleSeconds: secondsList(
    'WEBHOOK_RETRY_SCHEDULE_SECONDS',
    'delay before each attempt of a delivery, comma-separated whole seconds; its length is the number of attempts',
    [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
    { maxEntries: 20, maxSeconds: 7 * 86400 },
  ),
  disableAfterHours: hours(
    'WEBHOOK_DISABLE_AFTER_HOURS',
    'a task webhook whose every attempt has failed this long is disabled (`failing`)',
    120,
  ),
  secretOverlapHours: hours(
    'WEBHOOK_SECRET_OVERLAP_HOURS',
    'after a secret rotation, how long the previous secret signs beside the new one (fractions allowed)',
    24,
  ),
};
