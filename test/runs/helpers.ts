import { createHmac } from 'node:crypto';
import { expect } from 'vitest';

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Checks X-Torale-Signature the way a receiver would. */
export function expectValidSignature(header: string | string[] | undefined, body: string, secret: string) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  expect(m, `signature header ${header}`).not.toBeNull();
  const expected = createHmac('sha256', secret).update(`${m![1]}.${body}`).digest('hex');
  expect(m![2]).toBe(expected);
  expect(Math.abs(Date.now() / 1000 - Number(m![1]))).toBeLessThan(300);
}

export function runEnv(agentUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TORALE_NOAUTH: '1',
    TORALE_AGENT_URL: agentUrl,
    TORALE_AGENT_TIMEOUT_MS: '3000',
    TORALE_RUN_RETRY_DELAY_SECONDS: '1',
    TORALE_JOBS_POLL_SECONDS: '1',
    TORALE_JOBS_MAINTENANCE_SECONDS: '1',
    TORALE_RUN_EXPIRE_SLACK_SECONDS: '1',
    WEBHOOK_ALLOW_INSECURE_TARGETS: '1',
    ...extra,
  };
}
