// Tracing as an operator turns it on: the gateway started as `npm run dev` starts it (its
// own process, since instrumentation must load before pg, graphql and http), pointed at a
// local OTLP receiver, traces one GraphQL request HTTP → Fastify → GraphQL → SQL under one
// trace id — the id the response header, the log line and the GraphQL error name. Without
// OTEL_EXPORTER_OTLP_ENDPOINT, no OpenTelemetry module is loaded at all.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { killGatewayProcesses, startGatewayProcess } from '../helpers/gateway-process.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver, traceTree } from '../helpers/otlp-receiver.js';
import { adminQuery, withDatabase } from '../helpers/pg-admin.js';

const tpl = inject('pgTemplate');
// The SDK, exporters, instrumentations and loader hooks. Not @opentelemetry/api: prom-client
// (process metrics) requires that no-op facade for exemplars whether or not anything traces.
const OTEL_MODULE = /@opentelemetry\/(?!api(\/|$))|@fastify\/otel|import-in-the-middle/;

/** The gateway as `npm run dev` runs it (tsx), with the module recorder preloaded. */
async function startGateway(env: Record<string, string>) {
  const g = await startGatewayProcess({ nodeArgs: ['--import', './test/helpers/module-recorder.ts'], env });
  return Object.assign(g, {
    /** SIGTERM, wait for the exit, and the modules the process loaded. */
    async close(): Promise<{ code: number | null; modules: string[] }> {
      const code = await g.stop('SIGTERM');
      const line = /LOADED-MODULES (.*)/.exec(g.stderr())?.[1];
      return { code, modules: line ? (JSON.parse(line) as string[]) : [] };
    },
  });
}

async function createDatabase(label: string): Promise<string> {
  const name = `torale_t_${tpl!.runId}_${label}_${randomBytes(3).toString('hex')}`;
  await adminQuery(tpl!.serverUrl, `create database ${name} template ${tpl!.template}`);
  return withDatabase(tpl!.serverUrl, name);
}

const graphql = (url: string, query: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });

afterAll(killGatewayProcesses);

describe.skipIf(!tpl)('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: OtlpReceiver;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let traceId: string;
  let body: { data: unknown; errors: { message: string; extensions: Record<string, unknown> }[] };
  let trace: ReceivedSpan[];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    gateway = await startGateway({
      DATABASE_URL: await createDatabase('otel'),
      TORALE_NOAUTH: '1',
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    // One request: the dev user (SQL in the auth hook), and a task that does not exist
    // (SQL in a resolver, then a GraphQL error).
    const res = await graphql(
      gateway.url,
      '{ me { id email } missing: task(id: "00000000-0000-4000-8000-000000000000") { id } }',
    );
    traceId = res.headers.get('x-trace-id') ?? '';
    body = (await res.json()) as typeof body;
    trace = (
      await receiver.waitFor((spans) => spans.some((s) => s.traceId === traceId && s.parentSpanId === ''))
    ).filter((s) => s.traceId === traceId);
    // What an operator would see in their tracing UI (README "Operating it" shows one).
    console.info(`trace ${traceId}:\n${traceTree(trace)}`);
  }, 90_000);

  afterAll(async () => {
    await receiver?.close();
  });

  it('names the trace in x-trace-id and in the GraphQL error', () => {
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'Task not found', extensions: { code: 'NOT_FOUND', traceId } }),
    ]);
  });

  it('names it in GraphQL errors refused before Apollo too (a bad key: 401)', async () => {
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer sk_${'a'.repeat(32)}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(401);
    const id = res.headers.get('x-trace-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await res.json()).toEqual({
      errors: [
        { message: 'Invalid API key', extensions: { code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID', traceId: id } },
      ],
    });
  });

  it('the receiver gets HTTP → Fastify → GraphQL → SQL spans of that request, parent-linked, from torale-gateway', () => {
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
    const roots = trace.filter((s) => s.parentSpanId === '');
    // Every span but the root hangs off another span of the same trace.
    expect(roots).toHaveLength(1);
    for (const s of trace) if (s !== roots[0]) expect(parentOf(s), `${s.name}'s parent`).toBeDefined();

    const http = roots[0]!;
    expect(http.scope).toBe('@opentelemetry/instrumentation-http');
    expect(http.name).toBe('POST /graphql');
    expect(http.resource['service.name']).toBe('torale-gateway');

    const request = trace.find((s) => s.scope === '@fastify/otel' && s.name === 'request')!;
    expect(request.attributes['http.route']).toBe('/graphql');
    expect(parentOf(request)).toBe(http);

    const names = trace.filter((s) => s.scope === '@opentelemetry/instrumentation-graphql').map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['graphql.parse', 'graphql.validate', 'query']));
    const execute = trace.find((s) => s.scope === '@opentelemetry/instrumentation-graphql' && s.name === 'query')!;
    const ancestors = (s: ReceivedSpan): ReceivedSpan[] => {
      const p = parentOf(s);
      return p ? [p, ...ancestors(p)] : [];
    };
    expect(ancestors(execute)).toContain(request);

    // The resolver's SQL (the task lookup) is a child of GraphQL's execute span.
    const sql = trace.filter((s) => s.scope === '@opentelemetry/instrumentation-pg' && s.name.startsWith('pg.query'));
    const resolverSql = sql.filter((s) => parentOf(s) === execute);
    expect(resolverSql.length).toBeGreaterThan(0);
    expect(String(resolverSql[0]!.attributes['db.query.text'])).toMatch(/from "tasks"|"t"/);
    expect(resolverSql[0]!.attributes['db.system.name']).toBe('postgresql');
    // The auth hook's user lookup sits under the request too.
    expect(sql.length).toBeGreaterThan(resolverSql.length);
    for (const s of sql) expect(ancestors(s)).toContain(http);
  });

  it('logs the request with the same trace id', () => {
    const lines = gateway
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.msg === 'request completed' && l.url === '/graphql');
    expect(line).toMatchObject({ trace_id: traceId, statusCode: 200 });
    expect(line?.span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('REST errors keep the contract body and carry the trace in x-trace-id', async () => {
    const res = await fetch(`${gateway.url}/api/v1/tasks/00000000-0000-4000-8000-000000000000`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(await res.text()).toBe('{"detail":"Task not found"}');
  });

  it("continues a caller's trace (traceparent) and leaves health checks untraced", async () => {
    const caller = randomBytes(16).toString('hex');
    const res = await fetch(`${gateway.url}/api/v1/public/tasks`, {
      headers: { traceparent: `00-${caller}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-trace-id')).toBe(caller);
    const health = await fetch(`${gateway.url}/healthz`);
    expect(health.headers.get('x-trace-id')).toBeNull();
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === caller));
    expect(receiver.spans.filter((s) => /healthz/.test(String(s.attributes['url.path'] ?? s.name)))).toEqual([]);
  });

  it('flushes spans on SIGTERM; the module recorder sees OpenTelemetry loaded', async () => {
    const res = await graphql(gateway.url, '{ me { id } }');
    const last = res.headers.get('x-trace-id');
    const { code, modules } = await gateway.close();
    expect(code).toBe(0);
    expect(receiver.spans.some((s) => s.traceId === last)).toBe(true);
    // The check below (tracing off → nothing loaded) can see these modules when they load.
    expect(modules.filter((m) => OTEL_MODULE.test(m)).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!tpl)('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('serves requests without loading the OpenTelemetry SDK or any instrumentation, and logs pretty lines with LOG_FORMAT=pretty', async () => {
    const gateway = await startGateway({
      DATABASE_URL: await createDatabase('nootel'),
      TORALE_NOAUTH: '1',
      LOG_FORMAT: 'pretty',
    });
    const res = await graphql(gateway.url, '{ me { email } }');
    expect((await res.json()).data).toEqual({ me: { email: 'test@example.com' } });
    expect(res.headers.get('x-trace-id')).toBeNull();
    const { code, modules } = await gateway.close();
    expect(code).toBe(0);
    expect(modules.length).toBeGreaterThan(100);
    expect(modules.some((m) => m.includes('/node_modules/pg/') || m === 'pg')).toBe(true);
    expect(modules.filter((m) => OTEL_MODULE.test(m))).toEqual([]);
    // One line per request: "12:00:00.000 POST /graphql 200 3 ms", not JSON.
    const lines = gateway.stdout().split('\n');
    expect(lines.find((l) => l.includes(' POST /graphql '))).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} POST \/graphql 200 \d+ ms$/,
    );
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  }, 90_000);
});
