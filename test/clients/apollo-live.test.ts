// The dashboard's Apollo Client with live updates and paging as Apollo documents them:
// subscriptions split onto a GraphQLWsLink (graphql-ws), queries over HTTP, and the
// connections merged by relayStylePagination() as pages are fetched.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ExecutionsConnectionDocument,
  ExecutionUpdatedDocument,
  PublicTasksConnectionDocument,
} from '../gql/graphql.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { waitFor } from '../runs/helpers.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ listen: true }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

function dashboardClient(key: string) {
  const http = new HttpLink({ uri: `${t.url}/graphql`, headers: { authorization: `Bearer ${key}` } });
  const ws = createClient({
    url: `${t.url!.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  const link = ApolloLink.split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === 'OperationDefinition' && def.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    http,
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        Query: {
          fields: {
            executionsConnection: relayStylePagination(['taskId']),
            publicTasksConnection: relayStylePagination(['sortBy']),
          },
        },
      },
    }),
  });
  return { client, close: () => ws.dispose() };
}

describe('Apollo Client: GraphQLWsLink and relayStylePagination', () => {
  it('pages a connection with fetchMore, merged into one list; subscriptions arrive over the socket', async () => {
    const owner = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, owner.headers);
    const task = (await rest(t.app, 'POST', '/api/v1/tasks', bearer(key), { search_query: 'q', state: 'paused' })).body;
    await sql`insert into task_executions (task_id, status, started_at)
      select ${task.id}, 'success', now() - g * interval '1 minute' from generate_series(1, 45) g`.execute(
      tdb.database.db,
    );
    const { client, close } = dashboardClient(key);
    try {
      const first = await client.query({
        query: ExecutionsConnectionDocument,
        variables: { taskId: task.id, first: 20 },
      });
      expect(first.data?.executionsConnection.edges).toHaveLength(20);
      let page = first.data!.executionsConnection;
      const watch = client.watchQuery({
        query: ExecutionsConnectionDocument,
        variables: { taskId: task.id, first: 20 },
      });
      while (page.pageInfo.hasNextPage) {
        await watch.fetchMore({ variables: { after: page.pageInfo.endCursor } });
        page = client.readQuery({
          query: ExecutionsConnectionDocument,
          variables: { taskId: task.id, first: 20 },
        })!.executionsConnection;
      }
      const ids = page.edges.map((e) => e.node.id);
      expect(ids).toHaveLength(45);
      expect(new Set(ids).size).toBe(45);
      const starts = page.edges.map((e) => new Date(e.node.startedAt as string).getTime());
      expect([...starts].sort((a, b) => b - a)).toEqual(starts);

      const publicFirst = await client.query({ query: PublicTasksConnectionDocument, variables: { first: 5 } });
      expect(publicFirst.data?.publicTasksConnection.pageInfo).toBeDefined();

      const statuses: string[] = [];
      const sub = client.subscribe({ query: ExecutionUpdatedDocument, variables: { taskId: task.id } }).subscribe({
        next: (r) => statuses.push(r.data!.executionUpdated.status),
      });
      await waitFor('the subscription', async () => t.container.hub.subscribers >= 1);
      expect((await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute`, bearer(key))).status).toBe(200);
      await waitFor('the pending execution', async () => statuses.includes('PENDING'));
      sub.unsubscribe();
    } finally {
      await close();
    }
  });
});
