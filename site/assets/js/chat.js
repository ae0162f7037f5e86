// The chat panel: POST /api/chat with the tab's sessionId, so one
// conversation runs across every page, and a transcript redrawn as text.
// Korean works as typed: Enter sends, except while an IME is composing
// (Enter then commits the syllable), and Shift+Enter makes a new line.

import { write } from './api.js';
import { el, field, statusLine, hasHangul, showFieldError, clearFieldErrors } from './dom.js';
import * as memory from './transcript.js';

function turnNode(turn) {
  if (turn.who === 'user') {
    return el('div', { class: 'turn turn-user' },
      el('span', { class: 'who' }, 'You'),
      el('p', { class: 'said', lang: hasHangul(turn.text) ? 'ko' : null }, turn.text));
  }
  return el('div', { class: 'turn turn-bot' },
    el('span', { class: 'who' }, 'Bot'),
    el('p', { class: 'reply', lang: turn.lang === 'ko' ? 'ko' : 'en' }, turn.text));
}

// The log is the live region: each new turn is announced once, politely.
// It scrolls, so it takes focus too (keyboard users can scroll it).
function build(section) {
  const message = field({
    id: 'chat-message', name: 'message', label: 'Your message', errorId: 'chat-error', tag: 'textarea',
    hint: 'Enter sends; Shift+Enter starts a new line.', attrs: { rows: 2, enterkeyhint: 'send' },
  });
  const ui = {
    log: el('div', { id: 'chat-log', class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: 0 }),
    empty: el('p', { id: 'chat-empty', class: 'hint' }, 'No messages yet. Try “What is a cold start?”'),
    suggestionsBox: el('div', { id: 'chat-suggestions', class: 'suggestions', role: 'group', 'aria-label': 'Suggested questions', hidden: true }),
    input: message.control,
    status: statusLine('chat-status'),
  };
  ui.form = el('form', { id: 'chat-form', class: 'stack', novalidate: true },
    message.node,
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Send')),
    ui.status);
  ui.nodes = [ui.log, ui.empty, ui.suggestionsBox, ui.form];
  return ui;
}

export function initChat(section) {
  const { log, empty, suggestionsBox, form, input, status, nodes } = build(section);
  let busy = false;

  function showSuggestions(list) {
    suggestionsBox.replaceChildren(...(list || []).map((text) =>
      el('button', { type: 'button', class: 'suggestion', lang: hasHangul(text) ? 'ko' : null }, text)));
    suggestionsBox.hidden = suggestionsBox.children.length === 0;
  }

  function render(all) {
    log.replaceChildren(...all.map(turnNode));
    empty.hidden = all.length > 0;
    const last = all[all.length - 1];
    showSuggestions(last && last.who === 'bot' ? last.suggestions : []);
    log.scrollTop = log.scrollHeight;
  }

  async function ask(text, retried = false) {
    const sessionId = memory.sessionId();
    const body = sessionId ? { sessionId, message: text } : { message: text };
    return write('/api/chat', body).catch((e) => {
      // A sessionId the server calls malformed (an old tab, a hand edit):
      // forget it and start a new conversation rather than fail.
      if (!retried && sessionId && e.code === 'validation_failed' && e.field === 'sessionId') {
        memory.setSessionId(null);
        return ask(text, true);
      }
      throw e;
    });
  }

  async function send(raw) {
    if (busy) return;
    const text = raw.trim();
    busy = true;
    clearFieldErrors(form);
    status.textContent = 'The bot is thinking…';
    form.setAttribute('aria-busy', 'true');
    // Shown at once, kept only once answered: a failed message goes back
    // into the box to try again.
    const pending = turnNode({ who: 'user', text });
    log.append(pending);
    empty.hidden = true;
    log.scrollTop = log.scrollHeight;
    input.value = '';
    try {
      const res = await ask(text);
      memory.setSessionId(res.sessionId);
      memory.addTurn({ who: 'user', text });
      const all = memory.addTurn({
        who: 'bot',
        text: String(res.reply ?? ''),
        lang: res.language === 'ko' ? 'ko' : 'en',
        suggestions: Array.isArray(res.suggestions) ? res.suggestions.map(String) : [],
      });
      render(all);
      status.textContent = '';
    } catch (e) {
      pending.remove();
      empty.hidden = log.children.length > 0;
      if (!input.value) input.value = raw;
      if (e.code === 'rate_limited' || e.status === 429) {
        // Retry-After first; the message says the same when a proxy drops the header.
        const m = /(\d+)\s*s\b/.exec(e.message);
        const wait = e.retryAfter ?? (m ? Number(m[1]) : null);
        status.textContent = wait !== null
          ? `Too many messages, try again in ${wait} s.`
          : 'Too many messages, try again in a moment.';
      } else if (e.status === 422) {
        showFieldError(input, e.message);
        status.textContent = '';
      } else {
        status.textContent = `No answer: ${e.message}`;
      }
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(input.value);
  });

  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    // During IME composition (Korean, Japanese…) Enter commits the text;
    // keyCode 229 covers browsers that end composition before keydown.
    if (event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    send(input.value);
  });

  suggestionsBox.addEventListener('click', (event) => {
    const button = event.target.closest('button.suggestion');
    if (!button) return;
    input.focus(); // the button is about to be replaced; keep the focus in the chat
    send(button.textContent);
  });

  // The earlier turns are drawn before the log joins the page, so a
  // screen reader is not read the whole transcript again on every page.
  render(memory.turns());
  section.append(...nodes);
  log.scrollTop = log.scrollHeight;
}
