// Opens Torale's own web dashboard (built with VITE_TORALE_NOAUTH=1, served at DASHBOARD_URL, its
// window.CONFIG.apiUrl pointing at GATEWAY_URL) in headless Chromium, walks its pages, and records
// every call the page makes to the gateway (method, path, status), every toast and console error.
// Prints a table per page; exits 1 if any gateway call failed (HTTP >= 400 or no answer), an error
// toast showed, or the page threw (a blank page: e.g. `new URL(source.url)` on a source that is not
// `{url, title}`). Besides TASK_ID it opens a task whose runs have grounding sources (SOURCES_TASK_ID,
// else the first of your tasks whose last run has some; the check fails when there is none).
// See test-artifacts/dashboard/README.md for how to build and serve the dashboard.
//
//   npm i --no-save playwright-core      (in this directory or in the current one)
//   GATEWAY_URL=http://127.0.0.1:8000 DASHBOARD_URL=http://127.0.0.1:5173 \
//     [TASK_ID=<uuid of one of your tasks>] [SOURCES_TASK_ID=<uuid>] [CHROMIUM=/usr/bin/chromium] \
//     [SHOTS_DIR=dir] node scripts/dashboard-check.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const GATEWAY_URL = (process.env.GATEWAY_URL ?? '').replace(/\/+$/, '');
const DASHBOARD_URL = (process.env.DASHBOARD_URL ?? '').replace(/\/+$/, '');
if (!GATEWAY_URL || !DASHBOARD_URL) {
  console.error('Set GATEWAY_URL and DASHBOARD_URL.');
  process.exit(2);
}
const SHOTS_DIR = process.env.SHOTS_DIR ?? '';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch {
    const req = createRequire(join(process.cwd(), 'noop.js'));
    return req('playwright-core');
  }
}
const { chromium } = await loadPlaywright();

// Records sonner toasts as they appear (they disappear after a few seconds).
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
const consoleErrors = [];
const otherFailures = [];
const isGateway = (url) => url.startsWith(`${GATEWAY_URL}/`);
const pathOf = (url) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

page.on('response', (res) => {
  const req = res.request();
  if (isGateway(req.url())) calls.push({ step, method: req.method(), path: pathOf(req.url()), status: res.status() });
});
page.on('requestfailed', (req) => {
  const why = req.failure()?.errorText ?? 'failed';
  if (isGateway(req.url())) calls.push({ step, method: req.method(), path: pathOf(req.url()), status: why });
  else if (!req.url().startsWith(DASHBOARD_URL)) otherFailures.push({ step, url: req.url(), why });
});
page.on('console', (msg) => {
  if (msg.type() === 'error') consoleErrors.push({ step, text: msg.text().slice(0, 300) });
});
page.on('pageerror', (err) => consoleErrors.push({ step, text: `pageerror: ${String(err).slice(0, 300)}` }));

const toasts = [];
const shots = [];
let sourceLinks = 0;
async function settle() {
  await page.waitForLoadState('networkidle', { timeout: 15000 }).catch(() => {});
  await page.waitForTimeout(1200);
  await page.waitForLoadState('networkidle', { timeout: 10000 }).catch(() => {});
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
  const file = join(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}
async function visit(name, path) {
  step = name;
  await page.goto(`${DASHBOARD_URL}${path}`, { waitUntil: 'domcontentloaded' });
  await settle();
}
async function click(locator, what) {
  try {
    await locator.first().click({ timeout: 5000 });
    await settle();
    return true;
  } catch (err) {
    consoleErrors.push({ step, text: `check script: could not click ${what}: ${String(err).split('\n')[0]}` });
    return false;
  }
}
// The first-time overlay shows for a user who has not seen it (POST /auth/mark-welcome-seen ends it).
async function dismissWelcome() {
  // Its buttons animate in and out (motion), so they are never "stable": click them in the page.
  for (let i = 0; i < 10; i++) {
    const clicked = await page.evaluate(() => {
      const b = [...document.querySelectorAll('button')].find((x) =>
        /skip intro|initialize first monitor/i.test(x.textContent ?? ''),
      );
      b?.click();
      return Boolean(b);
    });
    if (!clicked) return true;
    await page.waitForTimeout(1000);
  }
  consoleErrors.push({ step, text: 'check script: the first-time overlay did not close' });
  return false;
}

// 0. First-time overlay (if shown), 1. dashboard (feed tab), 2. monitors tab, 3. new-task dialog (templates).
await visit('01-dashboard', '/dashboard');
if (await page.getByRole('button', { name: /skip|initialize first monitor/i }).count()) {
  await shot('00-welcome');
  await dismissWelcome();
}
await settle();
await shot('01-dashboard');
step = '02-dashboard-monitors';
await click(page.getByRole('tab', { name: /manage monitors/i }), 'Manage Monitors tab');
await shot('02-dashboard-monitors');
let taskId = process.env.TASK_ID ?? '';
let sourcesTaskId = process.env.SOURCES_TASK_ID ?? '';
{
  // Your tasks, read the way the dashboard reads them (from the page, no credentials in no-auth).
  const list = await page.evaluate(async (url) => (await fetch(url)).json(), `${GATEWAY_URL}/api/v1/tasks/`);
  const tasks = Array.isArray(list) ? list : [];
  if (!taskId) taskId = tasks[0]?.id ?? '';
  if (!sourcesTaskId) sourcesTaskId = tasks.find((t) => t.last_execution?.grounding_sources?.length)?.id ?? '';
}
step = '03-new-task-dialog';
await click(page.getByRole('button', { name: /new monitor/i }), 'New Monitor button');
await click(page.getByRole('button', { name: /need inspiration/i }), '"Need inspiration?" (templates)');
await shot('03-new-task-dialog');
// Pick the first template and create the monitor, as a user would.
step = '03b-task-created';
const templates = await page.evaluate(async (url) => (await fetch(url)).json(), `${GATEWAY_URL}/api/v1/templates/`);
const first = Array.isArray(templates) ? templates[0]?.name : undefined;
if (first && (await click(page.getByRole('dialog').getByRole('button', { name: first, exact: true }), 'a template'))) {
  await click(page.getByRole('button', { name: /start monitor/i }), 'Start Monitor');
  await page.waitForTimeout(1500);
  await settle();
  await shot('03b-task-created');
} else {
  await page.keyboard.press('Escape');
}

// 4. Task detail.
if (taskId) {
  await visit('04-task-detail', `/tasks/${taskId}`);
  await shot('04-task-detail');
  step = '04b-task-findings';
  await click(page.getByRole('button', { name: /findings/i }).or(page.getByRole('tab', { name: /findings/i })), 'Findings tab');
  await shot('04b-task-findings');
  step = '04c-task-config';
  await click(page.getByRole('button', { name: /^config$/i }).or(page.getByRole('tab', { name: /^config$/i })), 'Config tab');
  await shot('04c-task-config');
}

// 4d. A task whose runs have grounding sources: its page lists them (Torale renders each with
// `new URL(source.url)`), on the overview and on the Findings tab.
if (sourcesTaskId) {
  await visit('04d-task-with-sources', `/tasks/${sourcesTaskId}`);
  await shot('04d-task-with-sources');
  step = '04e-task-with-sources-findings';
  await click(page.getByRole('button', { name: /findings/i }).or(page.getByRole('tab', { name: /findings/i })), 'Findings tab');
  await shot('04e-task-with-sources-findings');
  const links = await page.evaluate(() => [...document.querySelectorAll('a[href^="http"]')].map((a) => a.href));
  sourceLinks = links.filter((href) => !href.startsWith(DASHBOARD_URL)).length;
} else {
  consoleErrors.push({ step: '04d-task-with-sources', text: 'check script: no task whose last run has grounding sources' });
}

// 5–6. Settings: email addresses, webhook configuration, API keys, notification history (emails, webhooks).
await visit('05-settings', '/settings/notifications');
await shot('05-settings');
step = '05b-settings-test-webhook';
await click(page.getByRole('button', { name: /test webhook/i }), 'Test Webhook');
await shot('05b-settings-test-webhook');
step = '06-settings-history-webhooks';
await click(page.getByRole('button', { name: /^webhooks$/i }), 'notification history Webhooks tab');
await shot('06-settings-history-webhooks');
step = '07-settings-history-emails';
await click(page.getByRole('button', { name: /^emails$/i }), 'notification history Emails tab');
await shot('07-settings-history-emails');

// 8. Explore (public feed and public tasks).
await visit('08-explore', '/explore');
await shot('08-explore');
step = '09-explore-browse';
await click(page.getByRole('tab', { name: /browse tasks/i }).or(page.getByRole('button', { name: /browse tasks/i })), 'Browse Tasks tab');
await shot('09-explore-browse');

await collectToasts();
await browser.close();

// Report.
const failing = calls.filter((c) => typeof c.status !== 'number' || c.status >= 400);
const errorToasts = toasts.filter((t) => t.type === 'error');
const pageErrors = consoleErrors.filter((e) => /^(pageerror|check script: no task)/.test(e.text));
const rows = [['page', 'method', 'path', 'status']];
for (const c of calls) rows.push([c.step, c.method, c.path, String(c.status)]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((v, i) => v.padEnd(widths[i])).join('  '));
console.log(`\n${calls.length} gateway calls, ${failing.length} failing`);
console.log(`task with sources: ${sourcesTaskId || 'none'} (${sourceLinks} outside links on its Findings tab)`);
for (const t of toasts) console.log(`toast [${t.type}] on ${t.step}: ${t.text}`);
if (!toasts.length) console.log('no toasts');
for (const e of consoleErrors) console.log(`console error on ${e.step}: ${e.text}`);
for (const f of otherFailures) console.log(`non-gateway request failed on ${f.step}: ${f.url} (${f.why})`);
if (SHOTS_DIR) {
  writeFileSync(
    join(SHOTS_DIR, 'calls.json'),
    `${JSON.stringify({ calls, toasts, consoleErrors, otherFailures, sourcesTaskId, sourceLinks }, null, 2)}\n`,
  );
  console.log(`screenshots: ${shots.join(', ')}`);
}
process.exit(failing.length || errorToasts.length || pageErrors.length ? 1 : 0);
