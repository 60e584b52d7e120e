// SMTP that refuses (4xx, 5xx) or is down: each email is retried on the schedule and its
// outcome recorded; nothing is lost and nothing is sent twice, with two gateway instances
// working the same queue on one database.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { type SmtpCatcher, startSmtp } from '../helpers/smtp.js';
import { executeNow, runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

describe.skipIf(!tpl)('retries across two instances', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let smtp: SmtpCatcher;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [tdb, agent, smtp] = await Promise.all([createTestDatabase(), startFakeAgent(), startSmtp()]);
    // Every run meets its condition (and each task has run before, so it is not a welcome).
    agent.fallback = { kind: 'answer', result: { evidence: 'e', notification: 'It happened' } };
    const env = runEnv(agent.url, {
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'alerts@torale.test',
      EMAIL_RETRY_SCHEDULE_SECONDS: '0,1,1,1,1,1',
      EMAIL_TIMEOUT_MS: '2000',
    });
    a = await startApp(tdb, { env, jobs: true, ownPool: true });
    b = await startApp(tdb, { env, jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await agent?.close();
    await smtp?.close();
    await tdb?.drop();
  });

  const db = () => tdb.database.db;
  /** A task that already had a successful run, so its next met run sends the condition-met email. */
  async function taskWithHistory(app: TestApp, name: string): Promise<string> {
    const res = await rest(app.app, 'POST', '/api/v1/tasks', {}, { name, search_query: 'q' });
    expect(res.status, res.raw).toBe(200);
    const id = res.body.id as string;
    await sql`insert into task_executions (task_id, status, completed_at) values (${id}, 'success', now())`.execute(
      db(),
    );
    // Only the runs this test starts: none of the dispatcher's while it waits.
    await sql`update tasks set next_dispatch_at = null where id = ${id}`.execute(db());
    return id;
  }
  const sendsOf = (taskIds: string[]) =>
    db().selectFrom('email_sends').selectAll().where('task_id', 'in', taskIds).orderBy('created_at').execute();

  it('4xx and 5xx answers are retried; each message arrives exactly once; the history shows the outcome', async () => {
    const tasks: string[] = [];
    for (let i = 0; i < 6; i++) tasks.push(await taskWithHistory(i % 2 ? a : b, `Retry ${i}`));
    // The first eight transactions are refused: temporary and permanent answers alike.
    smtp.refuse.push(451, 421, 550, 451, 554, 452, 451, 550);
    const before = smtp.received.length;
    for (const [i, id] of tasks.entries()) await executeNow(i % 2 ? b.app : a.app, {}, id);
    const sends = await waitFor(
      'six delivered emails',
      async () => {
        const s = await sendsOf(tasks);
        return s.length === 6 && s.every((x) => x.status === 'delivered') ? s : undefined;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2500)); // a duplicate would arrive now
    const arrived = smtp.received.slice(before);
    expect(arrived).toHaveLength(6);
    expect(new Set(arrived.map((m) => m.messageId)).size).toBe(6);
    expect(new Set(arrived.map((m) => m.messageId))).toEqual(new Set(sends.map((s) => s.message_id)));
    expect(smtp.transactions - before).toBe(6 + 8);
    // Attempts add up to the refusals plus one success each; each send kept its message id.
    expect(sends.reduce((n, s) => n + s.attempts, 0)).toBe(6 + 8);
    expect(sends.every((s) => s.last_error === null && s.delivered_at !== null)).toBe(true);
    const hist = await rest(a.app, 'GET', `/api/v1/notifications/sends?task_id=${tasks[0]}`);
    expect(hist.body.sends).toEqual([expect.objectContaining({ notification_type: 'email', status: 'success' })]);
  }, 90_000);

  it('SMTP down: the send waits as retrying with the error, then goes out once when SMTP is back', async () => {
    const id = await taskWithHistory(a, 'Down');
    await smtp.down();
    const before = smtp.received.length;
    try {
      await executeNow(b.app, {}, id);
      const waiting = await waitFor('a failed attempt', async () => {
        const [s] = await sendsOf([id]);
        return s && s.attempts >= 2 && s.status === 'pending' ? s : undefined;
      });
      expect(waiting.last_error).toMatch(/ECONNREFUSED/);
      const hist = await rest(a.app, 'GET', `/api/v1/notifications/sends?task_id=${id}`);
      expect(hist.body.sends[0]).toMatchObject({
        status: 'retrying',
        error_message: expect.stringMatching(/ECONNREFUSED/),
      });
    } finally {
      await smtp.up();
    }
    const [done] = await waitFor('the send to be delivered', async () => {
      const s = await sendsOf([id]);
      return s[0]?.status === 'delivered' ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect(smtp.received.slice(before).filter((m) => m.messageId === done!.message_id)).toHaveLength(1);
  }, 60_000);

  it('refused on every attempt: failed for good with the relay’s answer, nothing sent', async () => {
    const id = await taskWithHistory(b, 'Never');
    smtp.refuse.push(550, 550, 550, 550, 550, 550);
    const before = smtp.received.length;
    await executeNow(a.app, {}, id);
    const [s] = await waitFor(
      'the send to fail',
      async () => {
        const r = await sendsOf([id]);
        return r[0]?.status === 'failed' ? r : undefined;
      },
      40_000,
    );
    expect(s).toMatchObject({ attempts: 6, last_response_code: 550 });
    expect(s!.reason).toMatch(/550/);
    expect(s!.message).not.toBeNull(); // kept: what failed can still be read
    expect(smtp.received.length).toBe(before);
    const hist = await rest(b.app, 'GET', `/api/v1/notifications/sends?task_id=${id}`);
    expect(hist.body.sends[0]).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/550/) });
  }, 60_000);

  it('the same attempt run by both instances at once is made once', async () => {
    const id = await taskWithHistory(a, 'Raced');
    // A row with no job: only the four hand-made attempts below can send it.
    const owner = await db().selectFrom('tasks').select('user_id').where('id', '=', id).executeTakeFirstOrThrow();
    const sendId = '22222222-2222-4222-8222-222222222222';
    await db()
      .insertInto('email_sends')
      .values({
        id: sendId,
        user_id: owner.user_id,
        task_id: id,
        execution_id: null,
        kind: 'condition_met',
        recipient: 'raced@example.org',
        subject: 'Raced',
        message: JSON.stringify({ text: 't', html: '<p>t</p>', headers: {} }),
        message_id: `<${sendId}@torale.test>`,
        status: 'pending',
        reason: null,
      })
      .execute();
    const before = smtp.received.length;
    const made = await Promise.all([a, b, a, b].map((x) => x.container.emails.attempt({ sendId, attempt: 1 })));
    expect(made.filter(Boolean)).toHaveLength(1);
    expect(smtp.received.slice(before).filter((m) => m.subject === 'Raced')).toHaveLength(1);
  });
});
