// GraphiQL served entirely by the gateway: the page inlines its scripts and styles, so
// the playground works on a machine with no internet. Rendered once per process.
import type { ApolloServerPlugin } from '@apollo/server';

let page: string | undefined;

/**
 * GraphiQL's fetcher sends the Headers tab as `extensions.headers` of each operation, which
 * reaches HTTP requests but not the WebSocket's `connection_init`. Passing the same headers
 * as `extensions.connectionParams` too makes the WebSocket executor send them there (it
 * reads them when it connects, after the operation asked for the socket).
 */
const FETCHER_EXTENSIONS = 'extensions:{headers:y?.headers}';
const FETCHER_EXTENSIONS_WITH_SOCKET = 'extensions:{headers:y?.headers,connectionParams:y?.headers}';

/**
 * A refused socket reaches GraphiQL as a bare CloseEvent, shown as `{"isTrusted":true}`.
 * Runs before GraphiQL loads: its sockets hand close events on as plain objects with a
 * message, the code and the server's reason (still close-event-like: the client's retry
 * rules read `code`).
 */
const SOCKET_CLOSE_REASONS = `<script>
(() => {
  const Native = window.WebSocket;
  const described = (ev) => {
    if (ev.code === 1000) return ev;
    const message = ev.reason ? 'The server closed the socket (' + ev.code + '): ' + ev.reason : 'The socket closed (' + ev.code + ')';
    return { message, code: ev.code, reason: ev.reason, wasClean: ev.wasClean, type: 'close' };
  };
  class PlaygroundSocket extends Native {
    set onclose(fn) { super.onclose = typeof fn === 'function' ? (ev) => fn.call(this, described(ev)) : fn; }
    get onclose() { return super.onclose; }
  }
  window.WebSocket = PlaygroundSocket;
})();
</script>`;

/** Loaded on first use: the bundled GraphiQL costs ~45 MB of memory once imported. */
export async function playgroundHtml(): Promise<string> {
  if (page) return page;
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const html = renderGraphiQL({
    endpoint: '/graphql',
    title: 'Torale Gateway',
    defaultQuery: '# Torale Gateway playground\n{\n  me {\n    id\n    email\n  }\n}\n',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    // Subscriptions over the gateway's own WebSocket (graphql-transport-ws on /graphql).
    subscriptionsProtocol: 'WS',
  });
  // Both patches are checked, so an upgrade of the renderer cannot drop them silently.
  if (!html.includes(FETCHER_EXTENSIONS) || !html.includes('<div id="root"></div>')) {
    throw new Error('playground: the GraphiQL bundle changed; the WebSocket headers patch no longer applies');
  }
  page = html
    .replace(FETCHER_EXTENSIONS, FETCHER_EXTENSIONS_WITH_SOCKET)
    .replace('<div id="root"></div>', `<div id="root"></div>${SOCKET_CLOSE_REASONS}`);
  return page;
}

export function playgroundPlugin(): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: await playgroundHtml() };
        },
      };
    },
  };
}

/** The playground's inline script and styles need their own CSP; nothing loads from elsewhere. */
export const PLAYGROUND_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
