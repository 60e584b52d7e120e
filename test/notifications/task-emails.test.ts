// Who gets what, as Torale, against a real SMTP server on loopback: a task without
// notifications emails its account address (welcome on the first run, the condition-met
// email when a run meets it); an email notification to a verified address goes there
// instead, an unverified one goes to the account address; the agent's markdown is rendered
// without letting its HTML through; Torale's spam limits refuse with the reason recorded.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { type SmtpCatcher, startSmtp } from '../helpers/smtp.js';
import { executeNow, runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');
const ACCOUNT = 'test@example.com'; // the no-auth dev user

describe.skipIf(!tpl)('task emails', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let smtp: SmtpCatcher;
  let t: TestApp;
  beforeAll(async () => {
    [tdb, agent, smtp] = await Promise.all([createTestDatabase(), startFakeAgent(), startSmtp()]);
    t = await startApp(tdb, {
      jobs: true,
      env: runEnv(agent.url, {
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'alerts@torale.test',
        DASHBOARD_URL: 'https://dash.example.com/',
        EMAIL_RETRY_SCHEDULE_SECONDS: '0,1,1',
      }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await smtp?.close();
    await tdb?.drop();
  });

  let seq = 0;
  async function task(notifications: unknown[] = []): Promise<{ id: string; name: string }> {
    const name = `Watch ${++seq}`;
    const res = await rest(t.app, 'POST', '/api/v1/tasks', {}, { name, search_query: `q${seq}`, notifications });
    expect(res.status, res.raw).toBe(200);
    return { id: res.body.id, name };
  }
  const quiet = { kind: 'answer' as const, result: { evidence: 'Nothing announced yet', notification: null } };
  const met = (notification: string, sources: unknown[] = []) => ({
    kind: 'answer' as const,
    result: {
      evidence: 'found it',
      notification,
      sources,
      confidence: 0.9,
      next_run: '2030-01-02T15:04:00Z',
    },
  });
  const mailsAbout = (taskId: string) => smtp.received.filter((m) => m.headers.get('x-torale-task-id') === taskId);
  async function runAndWait(taskId: string, mails: number) {
    await executeNow(t.app, {}, taskId);
    return waitFor(`${mails} email(s) about ${taskId}`, async () => {
      const m = mailsAbout(taskId);
      return m.length >= mails ? m : undefined;
    });
  }
  const sendsOf = async (taskId: string) =>
    (await rest(t.app, 'GET', `/api/v1/notifications/sends?task_id=${taskId}&notification_type=email`)).body.sends as {
      recipient: string;
      status: string;
      error_message: string | null;
    }[];

  it('no notifications: the first run welcomes the account address, a met condition emails it', async () => {
    const { id, name } = await task();
    agent.script.push(quiet);
    const [welcome] = await runAndWait(id, 1);
    expect(welcome!.to).toEqual([ACCOUNT]);
    expect(welcome!.subject).toBe(`Your Torale task "${name}" is set up!`);
    expect(welcome!.text).toContain('Nothing announced yet');
    expect(welcome!.text).toContain('The condition is not met yet');

    agent.script.push(
      met('Apple will announce the **iPhone 17** on September 9.', [
        'https://www.apple.com/newsroom/event',
        { url: 'https://news.example.com/a?b=1&c=2', title: 'News & Views' },
      ]),
    );
    const mails = await runAndWait(id, 2);
    const m = mails[1]!;
    expect(mails).toHaveLength(2);
    expect(m.to).toEqual([ACCOUNT]);
    expect(m.subject).toBe(`${name} - Condition Met!`);
    expect(m.text).toContain('Apple will announce the **iPhone 17** on September 9.');
    expect(m.text).toContain('www.apple.com: https://www.apple.com/newsroom/event');
    expect(m.html).toContain('<strong>iPhone 17</strong>');
    expect(m.html).toContain('<a href="https://www.apple.com/newsroom/event">www.apple.com</a>');
    expect(m.html).toContain('<a href="https://news.example.com/a?b=1&amp;c=2">News &amp; Views</a>');
    expect(m.text).toContain('Confidence: 90%');
    expect(m.text).toContain('Next check: January 2, 2030 at 3:04 PM UTC');
    // Footer and headers: where to change this task's notifications.
    expect(m.html).toContain(`href="https://dash.example.com/tasks/${id}"`);
    expect(m.text).toContain('https://dash.example.com/settings/notifications');
    const unsubscribe = m.raw.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r\n\s+/g, ' ');
    expect(unsubscribe).toBe(`List-Unsubscribe: <https://dash.example.com/tasks/${id}>`);
    expect(m.messageId).toMatch(/@torale\.test>$/);
    // Both are in the history, as sent.
    expect(await sendsOf(id)).toEqual([
      expect.objectContaining({ recipient: ACCOUNT, status: 'success', error_message: null }),
      expect.objectContaining({ recipient: ACCOUNT, status: 'success', error_message: null }),
    ]);
  });

  it('a first run that meets the condition sends one email: the welcome, saying so', async () => {
    const { id, name } = await task();
    agent.script.push(met('Tickets are on sale.'));
    const [w] = await runAndWait(id, 1);
    await new Promise((r) => setTimeout(r, 1500)); // a second email would have arrived by now
    expect(mailsAbout(id)).toHaveLength(1);
    expect(w!.subject).toBe(`Your Torale task "${name}" is set up!`);
    expect(w!.text).toContain('The condition is already met.');
    expect(w!.text).toContain('Tickets are on sale.');
  });

  it('an email notification to a verified address goes there; an unverified one goes to the account', async () => {
    await sql`update users set verified_notification_emails = array['team@example.org']
      where email = ${ACCOUNT}`.execute(tdb.database.db);
    const verified = await task([{ type: 'email', address: 'Team@example.org' }]);
    const unverified = await task([{ type: 'email', address: 'stranger@example.org' }]);
    for (const x of [verified, unverified]) {
      agent.script.push(quiet);
      await runAndWait(x.id, 1); // the welcome (to the account address, as Torale)
    }
    for (const x of [verified, unverified]) {
      agent.script.push(met(`Met for ${x.name}`));
      await runAndWait(x.id, 2);
    }
    expect(mailsAbout(verified.id)[1]!.to).toEqual(['Team@example.org']);
    expect(mailsAbout(unverified.id)[1]!.to).toEqual([ACCOUNT]);
    expect(smtp.received.some((m) => m.to.includes('stranger@example.org'))).toBe(false);
  });

  it("a webhook-only task emails no one; the agent's HTML and script links do not pass", async () => {
    const hookOnly = await task([{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }]);
    agent.script.push(met('met'));
    await executeNow(t.app, {}, hookOnly.id);
    const plain = await task();
    agent.script.push(quiet);
    await runAndWait(plain.id, 1);
    agent.script.push(
      met('<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) <b>bold</b>', [
        'javascript:alert(4)',
        'https://ok.example.com/',
      ]),
    );
    const [, m] = await runAndWait(plain.id, 2);
    // Tags show as text; the javascript: link is no link (its words stay as text).
    expect(m!.html).not.toMatch(/<script|<img|<b>|href="javascript/i);
    expect(m!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m!.html).toContain('<a href="https://ok.example.com/">ok.example.com</a>');
    expect(mailsAbout(hookOnly.id)).toHaveLength(0);
  });

  it('spam limits: 10 an hour per address, 100 a day per user; refused with the reason recorded', async () => {
    const { id } = await task();
    agent.script.push(quiet);
    await runAndWait(id, 1);
    const db = tdb.database.db;
    const owner = await db.selectFrom('users').select('id').where('email', '=', ACCOUNT).executeTakeFirstOrThrow();
    // Nine more sent to this address within the hour (the welcome above was the first… of many today).
    const seed = (n: number, to: string, ago: string) =>
      sql`insert into email_sends (user_id, task_id, kind, recipient, subject, message_id, status, created_at)
        select ${owner.id}, ${id}, 'condition_met', ${to}, 's', gen_random_uuid()::text, 'delivered', now() - ${ago}::interval
        from generate_series(1, ${n})`.execute(db);
    const already = await sql<{ n: number }>`select count(*)::int as n from email_sends
      where lower(recipient) = ${ACCOUNT} and status in ('pending', 'delivered') and created_at > now() - interval '1 hour'`.execute(
      db,
    );
    await seed(10 - already.rows[0]!.n, ACCOUNT, '5 minutes');
    agent.script.push(met('over the hourly limit'));
    await executeNow(t.app, {}, id);
    const refused = await waitFor('a refused send', async () =>
      (await sendsOf(id)).find((s) => s.status === 'refused'),
    );
    expect(refused).toMatchObject({
      recipient: ACCOUNT,
      error_message: `Too many notifications to ${ACCOUNT} (max 10/hour)`,
    });

    // An hour later the address is free again, but the user has sent 100 today.
    await sql`update email_sends set created_at = now() - interval '2 hours' where user_id = ${owner.id}`.execute(db);
    const today = await sql<{ n: number }>`select count(*)::int as n from email_sends where user_id = ${owner.id}
      and status in ('pending', 'delivered') and kind <> 'verification'`.execute(db);
    await seed(100 - today.rows[0]!.n, 'elsewhere@example.org', '3 hours');
    agent.script.push(met('over the daily limit'));
    const before = smtp.received.length;
    await executeNow(t.app, {}, id);
    await waitFor('a second refused send', async () => {
      const r = (await sendsOf(id)).filter((s) => s.status === 'refused');
      return r.length === 2 ? r : undefined;
    });
    expect((await sendsOf(id))[0]).toMatchObject({
      status: 'refused',
      error_message: 'Daily notification limit reached (100/day)',
    });
    expect(smtp.received.length).toBe(before);
  });
});
