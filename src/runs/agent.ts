// Client of Torale's monitoring agent: A2A JSON-RPC 2.0 over HTTP. `message/send` starts a
// run; a task that is not final yet is polled with `tasks/get` until it is, all within one
// deadline. The fallback URL is tried when the primary answers 429 or 503.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export type AgentErrorCategory = 'rate_limit' | 'timeout' | 'network' | 'agent' | 'user';

export class AgentError extends Error {
  constructor(
    message: string,
    readonly category: AgentErrorCategory,
  ) {
    super(message);
    this.name = 'AgentError';
  }

  get retryable(): boolean {
    return this.category !== 'user';
  }
}

export interface AgentAnswer {
  evidence: string;
  sources: unknown[];
  confidence: number | null;
  /** undefined = the agent did not say; null = stop monitoring (the task completes). */
  nextRun: Date | null | undefined;
  notification: string | null;
  topic: string | null;
  /** The steps the agent reports having taken (Torale's `activity`), as it sent them. */
  activity: unknown;
}

export interface AgentRequest {
  prompt: string;
  metadata: { user_id: string; task_id: string };
}

const FINAL_STATES = new Set(['completed', 'failed', 'canceled', 'rejected', 'input-required', 'auth-required']);
const POLL_INTERVAL_MS = 500;

export class AgentClient {
  constructor(
    private readonly urls: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  get configured(): boolean {
    return this.urls.length > 0;
  }

  async run(req: AgentRequest): Promise<AgentAnswer> {
    if (!this.configured) {
      throw new AgentError('No monitoring agent is configured (TORALE_AGENT_URL is not set)', 'user');
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    let last: AgentError | undefined;
    for (const url of this.urls) {
      try {
        return await this.#runOn(url, req, signal);
      } catch (err) {
        const e = this.#categorise(err);
        // Only an overloaded agent sends us to the fallback; other failures are final here.
        if (e.category !== 'rate_limit') throw e;
        last = e;
      }
    }
    throw last ?? new AgentError('Agent unavailable', 'network');
  }

  async #runOn(url: string, req: AgentRequest, signal: AbortSignal): Promise<AgentAnswer> {
    let result = await this.#rpc(
      url,
      'message/send',
      {
        message: {
          kind: 'message',
          role: 'user',
          messageId: randomUUID(),
          parts: [{ kind: 'text', text: req.prompt }],
        },
        configuration: { acceptedOutputModes: ['application/json'] },
        metadata: req.metadata,
      },
      signal,
    );
    while (isTask(result) && !FINAL_STATES.has(result.status?.state ?? '')) {
      await sleep(POLL_INTERVAL_MS, undefined, { signal });
      result = await this.#rpc(url, 'tasks/get', { id: result.id }, signal);
    }
    return parseAnswer(result);
  }

  async #rpc(url: string, method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
    const res = await fetch(url.endsWith('/') ? url : `${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), method, params }),
      signal,
    });
    if (res.status === 429 || res.status === 503) {
      throw new AgentError(`Agent is overloaded (HTTP ${res.status})`, 'rate_limit');
    }
    if (!res.ok) {
      throw new AgentError(`Agent answered HTTP ${res.status}`, res.status >= 500 ? 'agent' : 'user');
    }
    const body = (await res.json()) as { result?: unknown; error?: { code?: number; message?: string } };
    if (body.error) {
      // JSON-RPC "invalid params/request" means our request cannot succeed as it is.
      const invalid = body.error.code === -32602 || body.error.code === -32600;
      throw new AgentError(`Agent error: ${body.error.message ?? 'unknown'}`, invalid ? 'user' : 'agent');
    }
    return body.result;
  }

  #categorise(err: unknown): AgentError {
    if (err instanceof AgentError) return err;
    const name = (err as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new AgentError(`Agent did not answer within ${this.timeoutMs} ms`, 'timeout');
    }
    return new AgentError(`Agent unreachable: ${(err as Error)?.message ?? String(err)}`, 'network');
  }
}

interface A2ATask {
  kind: 'task';
  id: string;
  status?: { state?: string; message?: { parts?: Part[] } };
  artifacts?: { parts?: Part[] }[];
}
type Part = { kind?: string; text?: string; data?: unknown };

const isTask = (r: unknown): r is A2ATask => typeof r === 'object' && r !== null && (r as A2ATask).kind === 'task';

function textOf(parts: Part[] | undefined): string {
  return (parts ?? [])
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .join(' ')
    .trim();
}

function parseAnswer(result: unknown): AgentAnswer {
  let parts: Part[] = [];
  if (isTask(result)) {
    const state = result.status?.state;
    if (state !== 'completed') {
      const why = textOf(result.status?.message?.parts) || `task ${state}`;
      throw new AgentError(`Agent could not complete the check: ${why}`, state === 'failed' ? 'agent' : 'user');
    }
    parts = (result.artifacts ?? []).flatMap((a) => a.parts ?? []);
  } else if (typeof result === 'object' && result !== null) {
    parts = ((result as { parts?: Part[] }).parts ?? []) as Part[];
  }
  for (const part of parts) {
    let data: unknown = part.data;
    if (data === undefined && typeof part.text === 'string') {
      try {
        data = JSON.parse(part.text);
      } catch {
        continue;
      }
    }
    if (data && typeof data === 'object' && !Array.isArray(data)) return normalise(data as Record<string, unknown>);
  }
  throw new AgentError('Agent answer had no JSON result', 'agent');
}

function normalise(d: Record<string, unknown>): AgentAnswer {
  let nextRun: Date | null | undefined;
  if (d.next_run === null) nextRun = null;
  else if (typeof d.next_run === 'string' && !Number.isNaN(Date.parse(d.next_run))) nextRun = new Date(d.next_run);
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : null);
  return {
    evidence: typeof d.evidence === 'string' ? d.evidence : '',
    sources: Array.isArray(d.sources) ? d.sources : [],
    confidence: typeof d.confidence === 'number' ? d.confidence : null,
    nextRun,
    notification: str(d.notification),
    topic: str(d.topic),
    activity: d.activity,
  };
}
