// A day's report: its headline figures and the link to the full HTML
// report (a short-lived presigned URL, so it is fetched fresh, never
// cached in the page). Home shows the latest; report.html the day in
// ?date=, or the latest without one.

import { request, seg } from './api.js';
import { el, formatCount, plural, hasHangul } from './dom.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function figureList(f) {
  const v = f.videos || {};
  const rows = [
    ['Views', f.views],
    ['Comments', f.comments],
    ['Pages viewed', f.pages],
    ['Videos registered', v.registered],
    ['Videos approved', v.approved],
    ['Videos rejected', v.rejected],
    ['Chat turns', f.chat ? f.chat.turns : 0],
  ];
  return el('dl', { class: 'figures' },
    ...rows.map(([name, n]) => el('div', { class: 'figure' }, el('dt', {}, name), el('dd', {}, formatCount(n)))));
}

// report.html only: the lists behind the headline numbers.
function details(f) {
  const parts = [];
  const top = f.topPages || [];
  if (top.length) {
    parts.push(el('h3', {}, 'Most viewed pages'),
      el('table', {},
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Page'), el('th', { scope: 'col' }, 'Views'), el('th', { scope: 'col' }, 'Comments'))),
        el('tbody', {}, ...top.map((p) => el('tr', {},
          el('th', { scope: 'row' }, p.slug), el('td', {}, formatCount(p.views)), el('td', {}, formatCount(p.comments)))))));
  }
  const reasons = (f.videos && f.videos.reasons) || [];
  if (reasons.length) {
    parts.push(el('h3', {}, 'Why videos were rejected'),
      el('ul', {}, ...reasons.map((r) => el('li', {}, el('code', {}, r.code), `: ${formatCount(r.count)}`))));
  }
  const chat = f.chat;
  if (chat && chat.turns) {
    const share = typeof chat.answeredShare === 'number' ? `${Math.round(chat.answeredShare * 100)}%` : 'n/a';
    parts.push(el('h3', {}, 'Chat'),
      el('p', {}, `${plural(chat.sessions, 'conversation', 'conversations')}; ${share} of the questions answered.`));
    const intents = chat.intents || [];
    if (intents.length) {
      parts.push(el('ul', {}, ...intents.map((i) => el('li', {}, el('code', {}, i.intent), `: ${plural(i.turns, 'turn', 'turns')}`))));
    }
  }
  const unanswered = f.unanswered || [];
  if (unanswered.length) {
    parts.push(el('h3', {}, 'Questions the chat could not answer'),
      el('ul', {}, ...unanswered.map((q) => el('li', {},
        el('q', { lang: hasHangul(q.question) ? 'ko' : null }, q.question), ` (${formatCount(q.count)})`))));
  }
  return parts;
}

function render(box, report, { linkToDay, detailed }) {
  const date = String(report.date);
  const status = report.status;
  const parts = [
    el('p', { class: 'report-title' }, 'Report for ',
      el('time', { class: 'report-date', datetime: date }, date),
      ' ', el('span', { class: `badge badge-${status}` }, status)),
  ];
  if (status === 'running') parts.push(el('p', {}, 'This day is being reported right now.'));
  if (status === 'failed') {
    parts.push(el('p', { class: 'error' }, 'The report failed: ',
      report.error && report.error.message ? report.error.message : 'no reason was given.'));
  }
  if (report.figures) {
    if (status !== 'ready') parts.push(el('p', {}, 'Figures of the last run that finished:'));
    parts.push(figureList(report.figures));
    if (detailed) parts.push(...details(report.figures));
  }
  const links = [];
  if (report.url) links.push(el('li', {}, el('a', { href: report.url }, 'Open the full report')));
  if (linkToDay) links.push(el('li', {}, el('a', { href: `report.html?date=${seg(date)}` }, `The figures of ${date} on their own page`)));
  if (links.length) parts.push(el('ul', { class: 'report-links' }, ...links));
  box.replaceChildren(...parts);
  box.dataset.status = status;
}

export async function initReport(box) {
  const mode = box.dataset.report; // "latest" (home) or "day" (report.html)
  const asked = mode === 'day' ? new URLSearchParams(location.search).get('date') : null;
  if (asked !== null && !DATE.test(asked)) {
    box.replaceChildren(el('p', { class: 'error' }, `“${asked}” is not a date; use YYYY-MM-DD, for example report.html?date=2026-12-01.`));
    return;
  }
  try {
    const report = await request('GET', asked ? `/api/reports/${seg(asked)}` : '/api/reports/latest');
    render(box, report, { linkToDay: mode === 'latest', detailed: mode === 'day' });
    if (mode === 'day') document.title = `Report for ${report.date} · Serverless right now!`;
  } catch (e) {
    const text = e.code === 'report_not_found'
      ? (asked ? `No report for ${asked}.` : 'No report yet.')
      : `The report could not be loaded: ${e.message}`;
    box.replaceChildren(el('p', {}, text));
    box.dataset.status = e.code === 'report_not_found' ? 'none' : 'error';
  }
}
