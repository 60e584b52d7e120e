// The gateway's hot requests, as load targets: what the requests and growth suites send.
import { gql, rest, type Target } from './load.js';
import type { Proc } from './procs.js';
import type { BenchUser } from './seed.js';

/** The gateway process `p` on database `dbUrl`: whose CPU (and whose database backends) a target costs. */
export const served = (p: Proc, dbUrl: string) => ({ pid: p.child.pid, pg: { url: dbUrl, app: 'torale-gateway' } });

export const ME = '{ me { id email } }';
const TASKS =
  '{ tasks { id name searchQuery conditionDescription state nextRun isPublic viewCount subscriberCount createdAt updatedAt lastExecution { id status startedAt completedAt result } } }';
const EXECUTIONS = (taskId: string) => `{ executions(taskId: "${taskId}", limit: 20) { id status startedAt result } }`;
const FEED = '{ feed(limit: 20) { id taskId status startedAt notification taskName } }';
const PUBLIC_PAGE = (offset: number) =>
  `{ publicTasks(limit: 20, offset: ${offset}) { offset tasks { id name viewCount subscriberCount createdAt } } }`;
const PUBLIC_CONNECTION = (after?: string) =>
  `{ publicTasksConnection(first: 20${after ? `, after: "${after}"` : ''}) { edges { cursor node { id name createdAt } } pageInfo { hasNextPage endCursor } } }`;

const count =
  (path: (data: never) => unknown[] | undefined, n: number) =>
  (body: string): string | null => {
    const got = path((JSON.parse(body) as { data: never }).data)?.length;
    return got === n ? null : `returned ${got} items, expected ${n}`;
  };

/** Requests of the signed-in user (`me`, own tasks, executions). */
export function userTargets(gateway: Proc, dbUrl: string, user: BenchUser, clerkToken: string): Record<string, Target> {
  const url = gateway.url;
  const t: Record<string, Omit<Target, 'name'>> = {
    rest_me_key: rest(`${url}/auth/me`, user.key),
    gql_me_key: gql(url, ME, user.key),
    gql_me_clerk: gql(url, ME, clerkToken),
    gql_tasks_1000: {
      ...gql(url, TASKS, user.key),
      // Tens of milliseconds each: ten in flight keep the server busy without a long queue.
      connections: 10,
      check: count((d: { tasks: unknown[] }) => d.tasks, 1000),
    },
    rest_executions: {
      ...rest(`${url}/api/v1/tasks/${user.taskId}/executions?limit=20`, user.key),
      check: (b) => ((JSON.parse(b) as unknown[]).length === 20 ? null : 'expected 20 executions'),
    },
    gql_executions: {
      ...gql(url, EXECUTIONS(user.taskId), user.key),
      check: count((d: { executions: unknown[] }) => d.executions, 20),
    },
    rest_notifications: {
      ...rest(`${url}/api/v1/tasks/${user.taskId}/notifications?limit=20`, user.key),
      check: (b) => ((JSON.parse(b) as unknown[]).length === 5 ? null : 'expected 5 notified executions'),
    },
    rest_feed: {
      ...rest(`${url}/api/v1/tasks/feed?limit=20`, user.key),
      check: (b) => ((JSON.parse(b) as unknown[]).length === 20 ? null : 'expected 20 feed items'),
    },
    gql_feed: { ...gql(url, FEED, user.key), check: count((d: { feed: unknown[] }) => d.feed, 20) },
  };
  return Object.fromEntries(Object.entries(t).map(([name, x]) => [name, { name, ...served(gateway, dbUrl), ...x }]));
}

/** Anonymous public pages; `deep` adds offset `depth` and the keyset page after `cursor`. */
export function publicTargets(
  gateway: Proc,
  dbUrl: string,
  deep?: { depth: number; cursor: string },
): Record<string, Target> {
  const url = gateway.url;
  const page = (d: { publicTasks: { tasks: unknown[] } }) => d.publicTasks.tasks;
  const edges = (d: { publicTasksConnection: { edges: unknown[] } }) => d.publicTasksConnection.edges;
  const restPage = (b: string) =>
    (JSON.parse(b) as { tasks: unknown[] }).tasks.length === 20 ? null : 'expected 20 tasks';
  const t: Record<string, Omit<Target, 'name'>> = {
    gql_public_first: { ...gql(url, PUBLIC_PAGE(0)), check: count(page, 20) },
    gql_public_keyset_first: { ...gql(url, PUBLIC_CONNECTION()), check: count(edges, 20) },
    rest_public_first: { ...rest(`${url}/api/v1/public/tasks?limit=20&offset=0`), check: restPage },
  };
  if (deep) {
    t.gql_public_deep = { ...gql(url, PUBLIC_PAGE(deep.depth)), check: count(page, 20) };
    t.gql_public_keyset_deep = { ...gql(url, PUBLIC_CONNECTION(deep.cursor)), check: count(edges, 20) };
    t.rest_public_deep = { ...rest(`${url}/api/v1/public/tasks?limit=20&offset=${deep.depth}`), check: restPage };
  }
  return Object.fromEntries(Object.entries(t).map(([name, x]) => [name, { name, ...served(gateway, dbUrl), ...x }]));
}
