// Torale's own dashboard, "Add Email" end to end: /settings/notifications → "Add Email" → an
// address → "Send Code" → the code read from the email the gateway sent to an SMTP server this
// script runs on loopback → typed into the code boxes → "Verify Email" → the address is listed.
// Records every call to the gateway and every toast; exits 1 on a failing call, an error toast,
// or an address that does not end up verified. The gateway must run with
// SMTP_URL=smtp://127.0.0.1:$SMTP_PORT (and EMAIL_FROM); see test-artifacts/dashboard-email/README.md.
//
//   GATEWAY_URL=http://127.0.0.1:18610 DASHBOARD_URL=http://127.0.0.1:18611 SMTP_PORT=18625 \
//     [ADDRESS=alerts@example.org] [CHROMIUM=/usr/bin/chromium] [SHOTS_DIR=dir] \
//     node scripts/dashboard-email-check.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { chromium } from 'playwright-core';
import { SMTPServer } from 'smtp-server';

const GATEWAY_URL = (process.env.GATEWAY_URL ?? '').replace(/\/+$/, '');
const DASHBOARD_URL = (process.env.DASHBOARD_URL ?? '').replace(/\/+$/, '');
const SMTP_PORT = Number(process.env.SMTP_PORT ?? 0);
if (!GATEWAY_URL || !DASHBOARD_URL || !SMTP_PORT) {
  console.error('Set GATEWAY_URL, DASHBOARD_URL and SMTP_PORT.');
  process.exit(2);
}
const ADDRESS = process.env.ADDRESS ?? `alerts-${Date.now().toString(36)}@example.org`;
const SHOTS_DIR = process.env.SHOTS_DIR ?? '';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The mailbox: every message the gateway sends, parsed.
const received = [];
const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, session, cb) {
    simpleParser(stream).then((mail) => {
      received.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: mail.subject, text: mail.text });
      cb();
    }, cb);
  },
});
await new Promise((resolve) => smtp.listen(SMTP_PORT, '127.0.0.1', resolve));

const TOAST_WATCH = () => {
  window.__toasts = [];
  const seen = new WeakSet();
  const scan = () => {
    for (const el of document.querySelectorAll('[data-sonner-toast]')) {
      if (seen.has(el)) continue;
      const text = (el.textContent ?? '').trim();
      if (!text) continue;
      seen.add(el);
      window.__toasts.push({ type: el.getAttribute('data-type') ?? 'default', text });
    }
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true, characterData: true });
};

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.addInitScript(TOAST_WATCH);
const page = await context.newPage();
let step = 'start';
const calls = [];
const problems = [];
const toasts = [];
page.on('response', (res) => {
  const req = res.request();
  if (req.url().startsWith(`${GATEWAY_URL}/`)) {
    const u = new URL(req.url());
    calls.push({ step, method: req.method(), path: u.pathname + u.search, status: res.status() });
  }
});
page.on('requestfailed', (req) => {
  if (req.url().startsWith(`${GATEWAY_URL}/`)) calls.push({ step, method: req.method(), path: req.url(), status: 'failed' });
});
page.on('pageerror', (err) => problems.push(`${step}: page error ${String(err).slice(0, 200)}`));

async function settle() {
  await page.waitForLoadState('networkidle', { timeout: 15000 }).catch(() => {});
  await page.waitForTimeout(800);
}
async function collectToasts() {
  const found = await page.evaluate(() => {
    const t = window.__toasts ?? [];
    window.__toasts = [];
    return t;
  });
  for (const t of found) toasts.push({ step, ...t });
}
async function shot(name) {
  await collectToasts();
  if (!SHOTS_DIR) return;
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true });
}
async function waitFor(what, fn, ms = 30000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let verified = false;
try {
  step = '10-settings';
  await page.goto(`${DASHBOARD_URL}/settings/notifications`, { waitUntil: 'domcontentloaded' });
  await settle();
  // The first-time overlay may cover the page for a user who has not seen it.
  for (let i = 0; i < 5; i++) {
    const clicked = await page.evaluate(() => {
      const b = [...document.querySelectorAll('button')].find((x) => /skip intro/i.test(x.textContent ?? ''));
      b?.click();
      return Boolean(b);
    });
    if (!clicked) break;
    await page.waitForTimeout(1000);
  }
  await shot('10-settings');

  step = '11-add-email';
  await page.getByRole('button', { name: /add email/i }).first().click();
  await page.getByRole('dialog').locator('input#email').fill(ADDRESS);
  await shot('11-add-email');

  step = '12-code-sent';
  const before = received.length;
  await page.getByRole('button', { name: /send code/i }).click();
  const mail = await waitFor('the verification email', async () =>
    received.slice(before).find((m) => m.to.includes(ADDRESS)),
  );
  const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`no code in the email: ${mail.text}`);
  console.log(`email to ${ADDRESS}: "${mail.subject}", code ${code}`);
  await settle();
  await shot('12-code-sent');

  step = '13-verified';
  await page.locator('input[data-input-otp], input[autocomplete="one-time-code"]').first().focus();
  await page.keyboard.type(code, { delay: 50 });
  await page.waitForTimeout(1200); // the expiry countdown ticks once before "Verify Email" enables
  await page.getByRole('button', { name: /verify email/i }).click();
  await settle();
  await shot('13-verified');
  const listed = await page.getByText(ADDRESS, { exact: true }).count();
  const api = await page.evaluate(
    async (url) => (await fetch(url)).json(),
    `${GATEWAY_URL}/api/v1/email-verification/verified-emails`,
  );
  verified = listed > 0 && Array.isArray(api.verified_emails) && api.verified_emails.includes(ADDRESS);
  if (!verified) problems.push(`${ADDRESS} is not shown as verified (listed ${listed}, API ${JSON.stringify(api)})`);
} catch (err) {
  problems.push(`${step}: ${String(err).split('\n')[0]}`);
  await shot(`${step}-failed`).catch(() => {});
} finally {
  await collectToasts().catch(() => {});
  await browser.close();
  await new Promise((resolve) => smtp.close(resolve));
}

const failing = calls.filter((c) => typeof c.status !== 'number' || c.status >= 400);
const errorToasts = toasts.filter((t) => t.type === 'error');
for (const c of calls) console.log(`${c.step}  ${c.method} ${c.path}  ${c.status}`);
console.log(`\n${calls.length} gateway calls, ${failing.length} failing`);
for (const t of toasts) console.log(`toast [${t.type}] on ${t.step}: ${t.text}`);
for (const p of problems) console.log(`problem: ${p}`);
console.log(verified ? `verified: ${ADDRESS}` : 'NOT verified');
if (SHOTS_DIR) writeFileSync(join(SHOTS_DIR, 'calls.json'), `${JSON.stringify({ calls, toasts, problems }, null, 2)}\n`);
process.exit(failing.length || errorToasts.length || problems.length || !verified ? 1 : 0);
