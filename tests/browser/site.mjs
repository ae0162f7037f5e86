// The site in a real browser, against a running stack: views, comments,
// chat, uploads and the daily report, as a visitor uses them.
//
//   SITE_URL=http://127.0.0.1:8080 SCREENSHOTS=/tmp/shots \
//   VIDEO_OK=tests/fixtures/videos/h264.mp4 VIDEO_BAD=tests/fixtures/videos/audio-only.mp4 \
//   node tests/browser/site.mjs
//
// Environment (nothing else is read):
//   SITE_URL     origin serving site/ at / and the API at /api/ (required)
//   SCREENSHOTS  directory for the PNGs, created if missing (required)
//   VIDEO_OK     an MP4 that moderation approves (required)
//   VIDEO_BAD    an MP4 that moderation rejects with a reason (required)
//   CHROMIUM     the browser to drive (default /usr/bin/chromium)
//
// Prints one line per step, `ok <step>` or `FAILED <step>: <why>`, saves
// <nn>-<step>.png after each (and failed-<step>.png when it fails), and
// exits 0 only if every step passed. A dialog, an uncaught page error or a
// console error (a CSP violation among them) fails the step it happens in.

import { chromium } from 'playwright-core';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

function env(name, fallback) {
  const value = process.env[name];
  if (value) return value;
  if (fallback !== undefined) return fallback;
  console.error(`site.mjs: ${name} is not set (see the top of tests/browser/site.mjs)`);
  process.exit(2);
}

const SITE_URL = env('SITE_URL').replace(/\/+$/, '');
const SCREENSHOTS = path.resolve(env('SCREENSHOTS'));
const VIDEO_OK = path.resolve(env('VIDEO_OK'));
const VIDEO_BAD = path.resolve(env('VIDEO_BAD'));
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');

// Unique per run, so a comment found is the one this run posted.
const RUN = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
// Where the chat keeps its session in the tab (site/assets/js/transcript.js).
const SESSION_KEY = 'rightnow.chat.session';

const url = (page) => `${SITE_URL}/${page}`;
const oneLine = (e) => String(e && e.message ? e.message : e).split('\n')[0];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- what the browser reports behind the page's back ----

const problems = [];

// The API answers 4xx on purpose (a bad comment, no report yet) and Chrome
// logs each as "Failed to load resource"; the site handles those. Anything
// else in the console is a failure: a script error, a CSP refusal, a
// missing asset.
function expectedConsoleError(msg) {
  const where = msg.location().url || '';
  return /^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    && (where.startsWith(`${SITE_URL}/api/`) || where.endsWith('/favicon.ico'));
}

function watch(page) {
  page.on('dialog', (d) => {
    problems.push(`a ${d.type()} dialog opened: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => problems.push(`page error: ${oneLine(e)}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expectedConsoleError(msg)) {
      problems.push(`console error: ${msg.text()} (${msg.location().url || 'no url'})`);
    }
  });
  page.on('response', (res) => {
    const u = res.url();
    if (!u.startsWith(`${SITE_URL}/`)) return;
    const api = u.startsWith(`${SITE_URL}/api/`);
    if (api ? res.status() >= 500 : res.status() >= 400) {
      problems.push(`${res.request().method()} ${u} answered ${res.status()}`);
    }
  });
}

// ---- the harness: one line and one screenshot per step ----

let page;
let stepNumber = 0;
const failed = [];

async function screenshot(name) {
  try {
    await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
  } catch (e) {
    console.log(`# screenshot ${name} not saved: ${oneLine(e)}`);
  }
}

async function step(name, fn) {
  stepNumber += 1;
  const nn = String(stepNumber).padStart(2, '0');
  const before = problems.length;
  try {
    await fn();
    await page.waitForTimeout(100); // let late console events arrive
    const fresh = problems.slice(before);
    check(fresh.length === 0, fresh.join('; '));
    console.log(`ok ${name}`);
  } catch (e) {
    failed.push(name);
    // What the browser reported meanwhile often explains the failure.
    const fresh = problems.slice(before).filter((p) => p !== oneLine(e));
    const why = [oneLine(e), ...fresh].join('; ');
    console.log(`FAILED ${name}: ${why}`);
    await screenshot(`failed-${name}.png`);
  }
  await screenshot(`${nn}-${name}.png`);
}

// ---- small readers of the page ----

async function readViews() {
  const handle = await page.waitForFunction(() => {
    const text = document.querySelector('#views')?.textContent.trim() ?? '';
    return /^\d[\d,]* views?$/.test(text) || text === 'unavailable' ? text : null;
  });
  const text = await handle.jsonValue();
  check(text !== 'unavailable', '#views says "unavailable": POST /api/pages/{slug}/views failed');
  return Number(text.replace(/[^\d]/g, ''));
}

const count = (selector) => page.locator(selector).count();

async function waitForCount(selector, n, timeout) {
  await page.waitForFunction(([s, m]) => document.querySelectorAll(s).length >= m, [selector, n], { timeout });
}

const firstCommentBody = () => page.locator('#comments > li').first().locator('.comment-body').textContent();

async function postComment(author, body) {
  await page.getByLabel('Name', { exact: true }).fill(author);
  await page.getByLabel('Comment', { exact: true }).fill(body);
  const answered = page.waitForResponse((r) => r.url().includes('/comments') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Post comment' }).click();
  return answered;
}

async function waitForFirstComment(body) {
  try {
    await page.waitForFunction(
      (b) => document.querySelector('#comments > li .comment-body')?.textContent === b, body, { timeout: 10_000 });
  } catch {
    const shown = await page.locator('#comments > li .comment-body').first().textContent({ timeout: 1000 }).catch(() => null);
    throw new Error(shown === null ? `no comment is listed; expected "${body}"` : `the newest comment reads "${shown}", not "${body}"`);
  }
}

async function sendChat(message, how = 'click') {
  const replies = await count('#chat-log .turn-bot');
  const box = page.getByLabel('Your message', { exact: true });
  await box.fill(message);
  if (how === 'enter') await box.press('Enter');
  else await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForCount('#chat-log .turn-bot', replies + 1);
  return page.locator('#chat-log .turn-bot .reply').last();
}

const chatSession = () => page.evaluate((k) => sessionStorage.getItem(k), SESSION_KEY);

async function upload(title, file) {
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Video file', { exact: true }).setInputFiles(file);
  const put = page.waitForRequest((r) => r.method() === 'PUT');
  await page.getByRole('button', { name: 'Upload video' }).click();
  const request = await put;
  check(request.headers()['content-type'] === 'video/mp4',
    `the PUT carried Content-Type ${request.headers()['content-type']}, not video/mp4`);
  const size = (await stat(file)).size;
  const progress = await page.waitForFunction(() => {
    const p = document.querySelector('#upload-progress');
    return p && p.max > 0 && p.value >= p.max ? { value: p.value, max: p.max } : null;
  }, null, { timeout: 30_000 });
  const { max } = await progress.jsonValue();
  check(max === size, `#upload-progress max is ${max}, the file is ${size} bytes`);
  const verdict = await page.waitForFunction(() => {
    const s = document.querySelector('#upload-status')?.dataset.status;
    return ['approved', 'rejected', 'failed'].includes(s) ? s : null;
  }, null, { timeout: 60_000 });
  return verdict.jsonValue();
}

const uploadStatusText = async () => (await page.locator('#upload-status').textContent()).trim();

// ---- the steps ----

async function viewsRise() {
  await page.goto(url('cold-starts.html'));
  const first = await readViews();
  await page.reload();
  const second = await readViews();
  check(second === first + 1, `views went from ${first} to ${second}, not ${first + 1}`);
}

async function commentListed() {
  const body = `A browser check, run ${RUN}.`;
  const res = await postComment('Browser check', body);
  check(res.status() === 201, `POST comments answered ${res.status()}`);
  await waitForFirstComment(body);
  check(await page.getByLabel('Comment', { exact: true }).inputValue() === '', 'the body was not cleared');
  await page.reload();
  await page.locator('#comments > li', { hasText: body }).first().waitFor();
}

async function commentInvalid() {
  const listed = await count('#comments > li');
  const body = `Never to be listed, run ${RUN}.`;
  for (const [what, author] of [['blank', '   '], ['41 characters', 'x'.repeat(41)]]) {
    const res = await postComment(author, body);
    check(res.status() === 422, `a ${what} author was answered ${res.status()}, not 422`);
    await page.waitForFunction(() => {
      const input = document.querySelector('#comment-author');
      return document.querySelector('#author-error')?.textContent.trim() && input.getAttribute('aria-invalid') === 'true';
    });
    const describedBy = await page.locator('#comment-author').getAttribute('aria-describedby');
    check(describedBy.split(/\s+/).includes('author-error'), `aria-describedby is "${describedBy}"`);
    check((await page.locator('#body-error').textContent()).trim() === '', 'the body field shows an error too');
  }
  check(await count('#comments > li') === listed, 'the list changed');
  await page.reload();
  await page.locator('#comments > li').first().waitFor();
  check(await page.locator('#comments > li', { hasText: body }).count() === 0, 'the invalid comment is listed');
}

async function commentXss() {
  const payload = '<img src=x onerror=alert(1)>';
  const res = await postComment('XSS check', payload);
  check(res.status() === 201, `POST comments answered ${res.status()}`);
  await waitForFirstComment(payload);
  check(await count('#comments img') === 0, 'an img element is inside the list');
  await page.reload();
  await page.locator('#comments > li').first().waitFor();
  check(await firstCommentBody() === payload, 'after a reload the comment is not the literal text');
  check(await count('#comments img') === 0, 'after a reload an img element is inside the list');
}

async function commentKeyboard() {
  const body = `Typed with the keyboard alone, run ${RUN}.`;
  const focused = () => page.evaluate(() => {
    const a = document.activeElement;
    return a ? `${a.tagName.toLowerCase()}#${a.id}:${a.textContent.trim()}` : 'nothing';
  });
  await page.locator('#comment-author').focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('Keyboard check');
  await page.keyboard.press('Tab');
  check((await focused()).startsWith('textarea#comment-body'), `Tab from Name went to ${await focused()}`);
  await page.keyboard.type(body);
  await page.keyboard.press('Tab');
  check((await focused()).endsWith(':Post comment'), `Tab from Comment went to ${await focused()}`);
  await page.keyboard.press('Enter');
  await waitForFirstComment(body);
}

async function chatEnglish() {
  const reply = await sendChat('what is a cold start?');
  check((await reply.textContent()).trim() !== '', 'the reply is empty');
  check(await reply.getAttribute('lang') === 'en', `the reply's lang is ${await reply.getAttribute('lang')}`);
  check(await page.locator('#chat-log').getAttribute('aria-live') === 'polite', '#chat-log is not aria-live=polite');
  const suggestion = page.locator('#chat-suggestions button').first();
  await suggestion.waitFor();
  const asked = (await suggestion.textContent()).trim();
  const replies = await count('#chat-log .turn-bot');
  await suggestion.click();
  await waitForCount('#chat-log .turn-bot', replies + 1);
  const lastUser = (await page.locator('#chat-log .turn-user .said').last().textContent()).trim();
  check(lastUser === asked, `the suggestion sent "${lastUser}", not "${asked}"`);
  check((await page.locator('#chat-log .turn-bot .reply').last().textContent()).trim() !== '', 'the second reply is empty');
}

async function chatKorean() {
  // Enter while an IME is composing commits the syllable; it must not send.
  const userTurns = await count('#chat-log .turn-user');
  const box = page.getByLabel('Your message', { exact: true });
  await box.fill('콜드 스타트가 뭐예요?');
  await box.dispatchEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true });
  await page.waitForTimeout(300);
  check(await count('#chat-log .turn-user') === userTurns, 'Enter during composition sent the message');
  const reply = await sendChat('콜드 스타트가 뭐예요?', 'enter');
  check(await reply.getAttribute('lang') === 'ko', `the reply's lang is ${await reply.getAttribute('lang')}, not ko`);
  const text = await reply.textContent();
  check(/[\uac00-\ud7a3]/.test(text), `the reply holds no Hangul: ${text}`);
}

async function chatCarriesAcrossPages() {
  const session = await chatSession();
  check(session, `no ${SESSION_KEY} in sessionStorage`);
  const turns = await page.locator('#chat-log .turn').allTextContents();
  await page.goto(url('what-is-serverless.html'));
  await page.waitForFunction((n) => document.querySelectorAll('#chat-log .turn').length === n, turns.length);
  const shown = await page.locator('#chat-log .turn').allTextContents();
  check(JSON.stringify(shown) === JSON.stringify(turns), 'the transcript differs on the new page');
  const sent = page.waitForRequest((r) => r.url().endsWith('/api/chat') && r.method() === 'POST');
  await sendChat('how do you avoid vendor lock-in?');
  const carried = (await sent).postDataJSON().sessionId;
  check(carried === session, `the message carried sessionId ${carried}, not ${session}`);
  check(await chatSession() === session, 'the session changed');
}

async function chatXss() {
  // Markup sent to the chat is the visitor's text: shown as text in the
  // transcript, and again when the next page rebuilds the transcript from
  // what the session stored, never parsed into elements.
  const payload = 'how many views has <img src=x onerror="window.__xss=1"> had?';
  await sendChat(payload);
  const said = (await page.locator('#chat-log .turn-user .said').last().textContent()).trim();
  check(said === payload, `the message is shown as "${said}", not as the text sent`);
  check(await count('#chat-log img') === 0, 'an img element is inside the transcript');
  await page.goto(url('cold-starts.html'));
  await page.locator('#chat-log .turn-user').last().waitFor();
  const again = (await page.locator('#chat-log .turn-user .said').last().textContent()).trim();
  check(again === payload, `on the next page the message is "${again}"`);
  check(await count('#chat-log img') === 0, 'on the next page an img element is inside the transcript');
  check(await page.evaluate(() => window.__xss === undefined), 'the markup ran');
}

async function uploadApproved() {
  const verdict = await upload(`Browser check ${RUN}`, VIDEO_OK);
  check(verdict === 'approved', `the status is ${verdict}: ${await uploadStatusText()}`);
  check(/approved/i.test(await uploadStatusText()), `the status reads "${await uploadStatusText()}"`);
  const video = page.locator('#upload-player video[src]');
  await video.waitFor();
  check(await video.getAttribute('controls') !== null, 'the video has no controls');
}

async function uploadRejected() {
  const verdict = await upload(`Browser check, audio only ${RUN}`, VIDEO_BAD);
  check(verdict === 'rejected', `the status is ${verdict}: ${await uploadStatusText()}`);
  const reasons = (await page.locator('#upload-reasons li').allTextContents()).map((r) => r.trim()).filter(Boolean);
  check(reasons.length > 0, 'no reason is shown');
  check(await count('#upload-player video') === 0, 'a video is offered for a rejected upload');
  console.log(`# rejected because: ${reasons.join(' | ')}`);
}

async function reportLatest() {
  await page.goto(url('index.html'));
  const box = page.locator('#report-latest');
  await page.waitForFunction(() => document.querySelector('#report-latest')?.dataset.status);
  const status = await box.getAttribute('data-status');
  check(status === 'ready', `the latest report is ${status}: ${(await box.textContent()).trim()}`);
  const date = (await box.locator('.report-date').textContent()).trim();
  check(/^\d{4}-\d{2}-\d{2}$/.test(date), `the date reads "${date}"`);
  const figures = await box.locator('.figures dt').allTextContents();
  for (const name of ['Views', 'Comments', 'Pages viewed', 'Videos registered', 'Videos approved', 'Videos rejected', 'Chat turns']) {
    check(figures.includes(name), `no "${name}" figure (have: ${figures.join(', ')})`);
  }
  await box.locator(`a[href="report.html?date=${date}"]`).click();
  await page.waitForURL((u) => u.pathname.endsWith('/report.html') && u.searchParams.get('date') === date);
  await page.waitForFunction(() => document.querySelector('#report-day')?.dataset.status);
  const dayDate = (await page.locator('#report-day .report-date').textContent()).trim();
  check(dayDate === date, `report.html shows ${dayDate}, not ${date}`);
  const reportPage = page.url();
  await page.getByRole('link', { name: 'Open the full report' }).click();
  await page.waitForURL((u) => u.href !== reportPage, { waitUntil: 'load' });
  const h1 = page.locator('h1').first();
  await h1.waitFor();
  check((await h1.textContent()).trim() !== '', 'the full report has an empty h1');
  console.log(`# full report of ${date}: "${(await h1.textContent()).trim()}"`);
}

// ---- the run ----

// Before a browser starts: is anything serving there? Otherwise every step
// would wait out its timeouts to say the same thing.
async function preflight() {
  for (const f of [VIDEO_OK, VIDEO_BAD]) await stat(f);
  for (const p of ['index.html', 'api/health']) {
    const res = await fetch(url(p), { signal: AbortSignal.timeout(10_000) }).catch((e) => {
      throw new Error(`${url(p)} is unreachable: ${e.cause?.code ?? e.message}`);
    });
    check(res.ok, `${url(p)} answered ${res.status}`);
  }
}

async function main() {
  await mkdir(SCREENSHOTS, { recursive: true });
  await preflight();
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    console.log(`# chromium ${browser.version()} against ${SITE_URL}, screenshots in ${SCREENSHOTS}`);
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    context.on('page', watch);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.setDefaultNavigationTimeout(30_000);

    await step('views-rise', viewsRise);
    await step('comment-listed', commentListed);
    await step('comment-invalid', commentInvalid);
    await step('comment-xss', commentXss);
    await step('comment-keyboard', commentKeyboard);
    await step('chat-english', chatEnglish);
    await step('chat-korean', chatKorean);
    await step('chat-carries-across-pages', chatCarriesAcrossPages);
    await step('chat-xss', chatXss);
    await step('upload-approved', uploadApproved);
    await step('upload-rejected', uploadRejected);
    await step('report-latest', reportLatest);
  } finally {
    if (browser) await browser.close();
  }
  if (problems.length) console.log(`# recorded: ${problems.join(' | ')}`);
  console.log(failed.length ? `# ${failed.length} of ${stepNumber} steps failed: ${failed.join(', ')}` : `# all ${stepNumber} steps passed`);
  return failed.length === 0 && stepNumber > 0;
}

main().then(
  (passed) => { process.exitCode = passed ? 0 : 1; },
  (e) => { console.log(`FAILED setup: ${oneLine(e)}`); process.exitCode = 1; },
);
