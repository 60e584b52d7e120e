// Issue 27, must-show 1: the dashboard build (test/persisted/dashboard.json, written by
// `npm run codegen` from test/operations) loaded into a gateway with TRUSTED_DOCUMENTS=require.
// Apollo Client 4 (PersistedQueryLink + HttpLink; subscriptions over multipart HTTP) runs EVERY
// operation of that manifest with ids only, each answering without errors; an operation outside
// the build is refused (and in `log` mode runs and is counted); a key with the free-form scope
// still explores. An operation added to test/operations without a case here fails the test.
import { readFileSync } from 'node:fs';
import { ApolloClient, type DocumentNode, HttpLink, InMemoryCache, type OperationVariables } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { type ClerkGateway, startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { clerkEnv, createKey, type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { codeIn, type SmtpCatcher, startSmtp } from '../helpers/smtp.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { asSent, MANIFEST_PATH, operations, sha256 } from '../persisted/manifest.js';
import { notifyOnEveryRun, runEnv, waitFor } from '../runs/helpers.js';

const DIR = MANIFEST_PATH.replace(/\/[^/]+$/, '');
const manifest = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')) as Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: the cases read whatever shape each operation asked for.
type Data = Record<string, any>;
const OUTSIDE = parse('query Outside { me { id email } }');

let g: ClerkGateway;
let lenient: TestApp;
let agent: FakeAgent;
let receiver: WebhookReceiver;
let smtp: SmtpCatcher;

beforeAll(async () => {
  [agent, receiver, smtp] = await Promise.all([startFakeAgent(), startWebhookReceiver(), startSmtp()]);
  notifyOnEveryRun(agent);
  const { TORALE_NOAUTH: _dev, ...env } = runEnv(agent.url, {
    TRUSTED_DOCUMENTS_DIR: DIR,
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'Torale Alerts <alerts@torale.test>',
  });
  g = await startClerkGateway({ listen: true, jobs: true, env: { ...env, TRUSTED_DOCUMENTS: 'require' } });
  lenient = await startApp(g.tdb, { listen: true, env: clerkEnv(g.clerk, { ...env, TRUSTED_DOCUMENTS: 'log' }) });
});
afterAll(async () => {
  await lenient?.close();
  await stopClerkGateway(g ?? {});
  await Promise.all([agent?.close(), receiver?.close(), smtp?.close()]);
});

/** Apollo Client as the dashboard builds it; every request body it sends is recorded. */
function dashboard(t: TestApp, headers: Record<string, string>) {
  const sent: Record<string, unknown>[] = [];
  const http = new HttpLink({
    uri: `${t.url}/graphql`,
    headers,
    fetch: (input, init) => {
      sent.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    },
  });
  const client = new ApolloClient({
    link: new PersistedQueryLink({ sha256 }).concat(http),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'no-cache' } },
  });
  const run = async (doc: DocumentNode, variables: OperationVariables = {}) => {
    const op = doc.definitions.find((d) => d.kind === 'OperationDefinition');
    const r =
      op?.kind === 'OperationDefinition' && op.operation === 'mutation'
        ? await client.mutate({ mutation: doc, variables })
        : await client.query({ query: doc, variables });
    expect(r.error).toBeUndefined();
    expect(r.data).toBeTruthy();
    return r.data as Data;
  };
  /** Subscribes, runs `trigger` once the stream is open, resolves with the first event's data. */
  const firstEvent = async (doc: DocumentNode, variables: OperationVariables, trigger: () => Promise<unknown>) => {
    const events: Data[] = [];
    const errors: unknown[] = [];
    const before = t.container.hub.subscribers;
    const sub = client.subscribe({ query: doc, variables }).subscribe({
      next: (r) => (r.error ? errors.push(r.error) : r.data && events.push(r.data)),
      error: (e) => errors.push(e),
    });
    try {
      await waitFor('the stream', async () => t.container.hub.subscribers > before || errors.length > 0);
      await trigger();
      await waitFor('an event', async () => events.length > 0 || errors.length > 0);
      expect(errors).toEqual([]);
      return events[0]!;
    } finally {
      sub.unsubscribe();
    }
  };
  return { client, sent, run, firstEvent };
}

type Dash = ReturnType<typeof dashboard>;
interface State {
  u: SignedInUser;
  taskId: string;
  hookTaskId: string;
  keyId: string;
  deliveryId: string;
  email: string;
}

/** One case per operation of the build, in the order they run (later ones use what earlier made). */
const cases: Record<string, (d: Dash, s: State, doc: DocumentNode) => Promise<void>> = {
  SyncUser: async (d, _s, doc) => expect((await d.run(doc)).syncUser.user.id).toBeTypeOf('string'),
  Me: async (d, s, doc) => expect((await d.run(doc)).me.id).toBe(s.u.userId),
  MeShort: async (d, s, doc) => expect((await d.run(doc)).me.id).toBe(s.u.userId),
  MarkWelcomeSeen: async (d, _s, doc) => expect((await d.run(doc)).markWelcomeSeen).toBeTruthy(),
  CreateApiKey: async (d, s, doc) => {
    const made = (await d.run(doc, { name: 'from the build' })).createApiKey;
    expect(made.key).toMatch(/^sk_/);
    s.keyId = made.keyInfo.id;
  },
  ApiKeys: async (d, s, doc) => expect((await d.run(doc)).apiKeys.map((k: Data) => k.id)).toContain(s.keyId),
  RevokeApiKey: async (d, s, doc) => expect((await d.run(doc, { id: s.keyId })).revokeApiKey.isActive).toBe(false),
  Templates: async (d, _s, doc) => expect((await d.run(doc)).templates.length).toBeGreaterThan(0),
  Template: async (d, _s, doc) => {
    const { templates } = await d.run(parseOp('Templates'));
    expect((await d.run(doc, { id: templates[0].id })).template.id).toBe(templates[0].id);
  },
  CreateTask: async (d, s, doc) => {
    const input = { name: 'build', searchQuery: 'q', state: 'PAUSED' };
    s.taskId = (await d.run(doc, { input })).createTask.id;
    const hook = {
      name: 'hooked',
      searchQuery: 'q',
      state: 'PAUSED',
      notifications: [{ type: 'WEBHOOK', url: receiver.url }],
    };
    s.hookTaskId = (await d.run(doc, { input: hook })).createTask.id;
  },
  Tasks: async (d, _s, doc) => expect((await d.run(doc, {})).tasks).toHaveLength(2),
  Task: async (d, s, doc) => expect((await d.run(doc, { id: s.taskId })).task.id).toBe(s.taskId),
  UpdateTask: async (d, s, doc) =>
    expect((await d.run(doc, { id: s.taskId, input: { name: 'renamed' } })).updateTask.name).toBe('renamed'),
  TaskUpdated: async (d, s, doc) => {
    const ev = await d.firstEvent(doc, { id: s.taskId }, () =>
      rest(g.t.app, 'PUT', `/api/v1/tasks/${s.taskId}`, s.u.headers, { name: 'renamed again' }),
    );
    expect(ev.taskUpdated.id).toBe(s.taskId);
  },
  ExecuteTask: async (d, s, doc) =>
    expect((await d.run(doc, { id: s.hookTaskId })).executeTask.id).toBeTypeOf('string'),
  ExecutionUpdated: async (d, s, doc) => {
    const ev = await d.firstEvent(doc, { taskId: s.taskId }, () =>
      rest(g.t.app, 'POST', `/api/v1/tasks/${s.taskId}/execute`, s.u.headers),
    );
    expect(ev.executionUpdated.taskId).toBe(s.taskId);
  },
  Executions: async (d, s, doc) =>
    expect((await d.run(doc, { taskId: s.taskId })).executions.length).toBeGreaterThan(0),
  ExecutionsConnection: async (d, s, doc) =>
    expect((await d.run(doc, { taskId: s.taskId, first: 5 })).executionsConnection.edges.length).toBeGreaterThan(0),
  TaskIdsWithLastExecution: async (d, _s, doc) => expect((await d.run(doc)).tasks).toHaveLength(2),
  SetTaskVisibility: async (d, s, doc) =>
    expect((await d.run(doc, { id: s.taskId, isPublic: true })).setTaskVisibility).toBeTruthy(),
  PublicTasks: async (d, _s, doc) =>
    expect((await d.run(doc, { limit: 10 })).publicTasks.tasks.length).toBeGreaterThan(0),
  PublicTasksConnection: async (d, _s, doc) =>
    expect((await d.run(doc, { first: 10 })).publicTasksConnection.edges.length).toBeGreaterThan(0),
  ForkTask: async (d, s, doc) => expect((await d.run(doc, { id: s.taskId, name: 'mine' })).forkTask.name).toBe('mine'),
  Feed: async (d, _s, doc) => expect(Array.isArray((await d.run(doc, { limit: 5 })).feed)).toBe(true),
  PublicFeed: async (d, _s, doc) => expect(Array.isArray((await d.run(doc, { limit: 5 })).publicFeed)).toBe(true),
  TaskWebhookState: async (d, s, doc) => expect((await d.run(doc, { id: s.hookTaskId })).task.id).toBe(s.hookTaskId),
  RotateWebhookSecret: async (d, s, doc) =>
    expect((await d.run(doc, { taskId: s.hookTaskId })).rotateWebhookSecret).toMatch(/^whsec_/),
  TestWebhook: async (d, s, doc) => {
    const delivery = (await d.run(doc, { taskId: s.hookTaskId })).testWebhook;
    expect(delivery.attempts.length).toBeGreaterThan(0);
    s.deliveryId = delivery.id;
  },
  ReplayWebhookDelivery: async (d, s, doc) =>
    expect((await d.run(doc, { taskId: s.hookTaskId, deliveryId: s.deliveryId })).replayWebhookDelivery).toBeTruthy(),
  WebhookDeliveries: async (d, s, doc) =>
    expect((await d.run(doc, { taskId: s.hookTaskId, first: 10 })).webhookDeliveries.edges.length).toBeGreaterThan(0),
  WebhookDeliveryHistory: async (d, s, doc) =>
    expect((await d.run(doc, { taskId: s.hookTaskId })).webhookDeliveryHistory.deliveries).toBeDefined(),
  NotificationSends: async (d, _s, doc) =>
    expect((await d.run(doc, { limit: 10 })).notificationSends.sends).toBeDefined(),
  WebhookConfig: async (d, _s, doc) => expect((await d.run(doc)).webhookConfig).toBeDefined(),
  UpdateWebhookConfig: async (d, _s, doc) =>
    expect((await d.run(doc, { url: receiver.url, enabled: true })).updateWebhookConfig).toBeTruthy(),
  TestDefaultWebhook: async (d, _s, doc) =>
    expect((await d.run(doc, { url: receiver.url })).testDefaultWebhook).toBeTruthy(),
  SendEmailVerification: async (d, s, doc) =>
    expect((await d.run(doc, { email: s.email })).sendEmailVerification).toBeTypeOf('string'),
  VerifyEmail: async (d, s, doc) => {
    const mail = await waitFor('the code', async () => smtp.received.find((m) => m.to.includes(s.email)));
    expect((await d.run(doc, { email: s.email, code: codeIn(mail) })).verifyEmail).toBeTruthy();
  },
  VerifiedEmails: async (d, s, doc) => expect((await d.run(doc)).verifiedEmails.verifiedEmails).toContain(s.email),
  RemoveVerifiedEmail: async (d, s, doc) =>
    expect((await d.run(doc, { email: s.email })).removeVerifiedEmail).toBeTruthy(),
  DeleteTask: async (d, s, doc) => expect((await d.run(doc, { id: s.taskId })).deleteTask).toBeTruthy(),
};

const ops = operations();
const parseOp = (name: string) => ops.get(name) as DocumentNode;

describe('the dashboard build against TRUSTED_DOCUMENTS=require', () => {
  it('the committed manifest is the build: one entry per operation, as the link sends it', () => {
    expect(Object.keys(manifest).sort()).toEqual([...ops.values()].map((doc) => asSent(doc).id).sort());
    // Every operation has a case (an operation added to test/operations fails here until it has one).
    expect(Object.keys(cases).sort()).toEqual([...ops.keys()].sort());
  });

  it('every operation of the manifest runs through Apollo Client with its id only, without errors', async () => {
    const u = await signIn(g.t.app, g.clerk, { sync: false });
    const d = dashboard(g.t, u.headers);
    const s = { u, email: 'alerts@build.example' } as State;
    s.u.userId = (await rest(g.t.app, 'POST', '/auth/sync-user', u.headers)).body.user.id;
    for (const [name, run] of Object.entries(cases)) {
      const before = d.sent.length;
      try {
        await run(d, s, parseOp(name));
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      }
      const bodies = d.sent.slice(before);
      expect(bodies.length, name).toBeGreaterThan(0);
      for (const b of bodies) {
        expect(b.query, `${name} sent a document`).toBeUndefined();
        expect(manifest[(b.extensions as Data).persistedQuery.sha256Hash], name).toBeDefined();
      }
    }
  }, 60_000);

  it('an operation outside the build is refused; in log mode it runs and is counted', async () => {
    const u = await signIn(g.t.app, g.clerk);
    const refused = await dashboard(g.t, u.headers)
      .client.query({ query: OUTSIDE })
      .catch((e: unknown) => e);
    expect(JSON.stringify(refused)).toMatch(/PERSISTED_QUERY_NOT_TRUSTED/);

    const before = await untrusted(lenient, 'logged');
    const logged = dashboard(lenient, u.headers);
    expect((await logged.run(OUTSIDE)).me.id).toBe(u.userId);
    expect(await untrusted(lenient, 'logged')).toBe(before + 1);
    // The build's operations are not counted.
    await logged.run(parseOp('Me'));
    expect(await untrusted(lenient, 'logged')).toBe(before + 1);
  });

  it('an API key with the free-form scope still explores (the link falls back to sending the text)', async () => {
    const u = await signIn(g.t.app, g.clerk);
    const { key } = await createKey(g.t.app, u.headers); // every scope, the free-form one included
    const d = dashboard(g.t, bearer(key));
    expect((await d.run(OUTSIDE)).me.id).toBe(u.userId);
    expect(d.sent.some((b) => typeof b.query === 'string')).toBe(true);
  });
});

async function untrusted(t: TestApp, outcome: string): Promise<number> {
  const m = await t.container.metrics.registry.getSingleMetric('torale_graphql_untrusted_documents_total')?.get();
  return m?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}
