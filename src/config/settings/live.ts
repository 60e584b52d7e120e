// Live updates over WebSocket and SSE. One entry per setting (see ../settings.ts).
import { int } from '../kinds.js';

export const live = {
  connectionsPerUser: int(
    'LIVE_CONNECTIONS_PER_USER',
    'live connections one user may hold on one instance (beyond: close 4429)',
    { min: 1, max: 10_000, default: 20 },
  ),
  subscriptionsPerConnection: int(
    'LIVE_SUBSCRIPTIONS_PER_CONNECTION',
    'subscriptions one live connection may hold (beyond: close 4429)',
    { min: 1, max: 1000, default: 20 },
  ),
  initTimeoutMs: int('LIVE_INIT_TIMEOUT_MS', 'time a socket has to send `connection_init` (else 4408)', {
    min: 100,
    max: 60_000,
    default: 5000,
  }),
  keepAliveMs: int('LIVE_KEEPALIVE_MS', 'ping interval of live sockets; one unanswered ping ends the socket', {
    min: 1000,
    max: 300_000,
    default: 12_000,
  }),
};
