// GraphiQL served entirely by the gateway: the page inlines its scripts and styles, so
// the playground works on a machine with no internet. Rendered once per process.
import type { ApolloServerPlugin } from '@apollo/server';

let page: string | undefined;

/** Loaded on first use: the bundled GraphiQL costs ~45 MB of memory once imported. */
export async function playgroundHtml(): Promise<string> {
  if (page) return page;
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  page = renderGraphiQL({
    endpoint: '/graphql',
    title: 'Torale Gateway',
    defaultQuery: '# Torale Gateway playground\n{\n  me {\n    id\n    email\n  }\n}\n',
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    // Subscriptions over the gateway's own WebSocket (graphql-transport-ws on /graphql).
    subscriptionsProtocol: 'WS',
  });
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
