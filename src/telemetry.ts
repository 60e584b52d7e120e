// OpenTelemetry tracing, started by main.ts before anything it traces is loaded: HTTP
// server spans, Fastify's request lifecycle (@fastify/otel), GraphQL parse/validate/
// execute and every pg query, exported over OTLP/HTTP (protobuf). Nothing here is loaded
// unless OTEL_EXPORTER_OTLP_ENDPOINT is set: every OpenTelemetry module is imported
// dynamically, so a gateway without a collector pays nothing.
import type { Config } from './config/config.js';

/** The ids of the span active where it is called, as lower-case hex (what collectors show). */
export interface TraceIds {
  traceId: string;
  spanId: string;
}

export interface Tracing {
  /** The current trace and span ids, or undefined outside any span. */
  currentIds(): TraceIds | undefined;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

export async function startTracing(
  config: Pick<Config['telemetry'], 'otelEndpoint' | 'otelServiceName'>,
): Promise<Tracing | undefined> {
  if (!config.otelEndpoint) return undefined;
  // ESM imports (`import pg from 'pg'`) bypass require(): import-in-the-middle's loader hook
  // lets the instrumentations patch them too. Registered first, so it sees what follows.
  const { register } = await import('node:module');
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const [api, { NodeTracerProvider, BatchSpanProcessor }, { resourceFromAttributes }, otlp, instr] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/instrumentation'),
  ]);
  const [{ HttpInstrumentation }, { PgInstrumentation }, { GraphQLInstrumentation }, { FastifyOtelInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-graphql'),
      import('@fastify/otel'),
    ]);

  // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces), …_TRACES_ENDPOINT and
  // …_HEADERS itself, as every OpenTelemetry SDK does.
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.otelServiceName }),
    spanProcessors: [new BatchSpanProcessor(new otlp.OTLPTraceExporter())],
  });
  provider.register();
  instr.registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      // The request and its handler; no span per hook (a dozen per request, named after the plugin chain).
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: '/{healthz,readyz,metrics}',
        instrumentHooks: false,
      }),
      // Parse, validate and execute spans; one span per resolver would dwarf the request on lists.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, depth: 0, mergeItems: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  await waitForAllMessagesAcknowledged();

  return {
    currentIds() {
      const ctx = api.trace.getActiveSpan()?.spanContext();
      return ctx && api.isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined;
    },
    shutdown: () => provider.shutdown(),
  };
}
