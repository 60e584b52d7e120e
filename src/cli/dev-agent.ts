// The development agent on its own: `npm run dev:agent [-- --port 8001]`, for a gateway
// that is not started by `npm run dev` (e.g. on PostgreSQL): TORALE_AGENT_URL=http://127.0.0.1:8001
import { DEV_AGENT_MARK, startDevAgent } from '../dev-tools/dev-agent.js';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 8001;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`dev-agent: --port must be 0–65535 (got ${process.argv[i + 1]})`);
  process.exit(2);
}
const agent = await startDevAgent({ port });
console.log(`${DEV_AGENT_MARK} listening on ${agent.url} — a condition is met unless it contains "never"`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void agent.close().then(() => process.exit(0)));
}
