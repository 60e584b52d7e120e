// The job engine and the runs it carries: agent, dispatch, retries, expiry. One entry per setting (see ../settings.ts).
import { bool, int, url } from '../kinds.js';
import { HTTP } from './shared.js';

export const engine = {
  runner: bool('TORALE_RUNNER', '`0` = this instance queues runs but does not execute them (API-only instances)', {
    default: true,
  }),
  agentUrl: url('TORALE_AGENT_URL', 'the monitoring agent', { protocols: HTTP, example: 'http://127.0.0.1:8001' }),
  agentUrlFallback: url('TORALE_AGENT_URL_FALLBACK', 'a second agent, tried when the first cannot be reached', {
    protocols: HTTP,
  }),
  agentTimeoutMs: int('TORALE_AGENT_TIMEOUT_MS', 'longest one agent call may take', {
    min: 1000,
    max: 3_600_000,
    default: 240_000,
  }),
  defaultIntervalSeconds: int(
    'TORALE_DEFAULT_CHECK_INTERVAL_SECONDS',
    'next check when the agent does not say, and after a failed run (an active task is first checked a minute after it is created or resumed, as on Torale)',
    { min: 1, max: 30 * 86400, default: 3600 },
  ),
  heldRecheckSeconds: int(
    'TORALE_HELD_RECHECK_SECONDS',
    'how often the runs and webhook deliveries held for a disabled owner are looked at again',
    { min: 1, max: 86400, default: 60 },
  ),
  maxAttempts: int('TORALE_RUN_MAX_ATTEMPTS', 'attempts of one execution (retryable errors only)', {
    min: 1,
    max: 20,
    default: 4,
  }),
  retryDelaySeconds: int('TORALE_RUN_RETRY_DELAY_SECONDS', 'base of the exponential backoff between attempts', {
    min: 1,
    max: 3600,
    default: 10,
  }),
  runConcurrency: int('TORALE_RUN_CONCURRENCY', 'runs one instance keeps in flight (they mostly wait for the agent)', {
    min: 1,
    max: 2000,
    default: 50,
  }),
  dispatchBatchSize: int('TORALE_DISPATCH_BATCH', 'due tasks started per dispatch transaction', {
    min: 1,
    max: 5000,
    default: 200,
  }),
  pollSeconds: int('TORALE_JOBS_POLL_SECONDS', 'how often idle workers and the dispatcher look for work', {
    min: 1,
    max: 60,
    default: 2,
  }),
  maintenanceSeconds: int(
    'TORALE_JOBS_MAINTENANCE_SECONDS',
    "pg-boss maintenance interval (expiry of dead workers' jobs)",
    { min: 1, max: 3600, default: 60 },
  ),
  expireSlackSeconds: int(
    'TORALE_RUN_EXPIRE_SLACK_SECONDS',
    'how long past the agent timeout a silent run is taken over by another worker',
    { min: 1, max: 3600, default: 30 },
  ),
};
