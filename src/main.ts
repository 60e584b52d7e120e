// Starts the gateway: config → tracing (only when OTEL_EXPORTER_OTLP_ENDPOINT is set) →
// the server (database → migrations → container → app → listen, in server.ts). The server
// is imported after tracing has started: OpenTelemetry patches pg, graphql and http as
// they load, so they must not be loaded before it.
import { loadConfigOrExit } from './config/config.js';
import { initEmbeddedDataDir } from './db/pglite-init.js';
import { limitHeapGrowth } from './lib/heap-growth.js';
import { startTracing } from './telemetry.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  limitHeapGrowth(config.server.heapGrowingPercent);
  // A first run creates the embedded database meanwhile (another process, so in parallel).
  const embedded = config.database.url ? undefined : initEmbeddedDataDir(config.database.pgliteDir);
  embedded?.catch(() => {}); // reported when the gateway opens the database
  const tracing = await startTracing(config.telemetry);
  const { startGateway } = await import('./server.js');
  await startGateway(config, tracing);
}

main().catch((err) => {
  console.error('torale-gateway: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
