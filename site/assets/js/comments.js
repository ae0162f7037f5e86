// Comments: the form that posts one, and the list below it (newest
// first, ten at a time, "Load more" while the API hands back a cursor).
// The form trims what it sends but leaves the rules to the API, whose
// validation message is shown beside the field it names.

import { request, seg, write } from './api.js';
import { el, field, statusLine, showFieldError, clearFieldErrors, formatTime } from './dom.js';

const PAGE_SIZE = 10;

function commentItem(c) {
  return el('li', { class: 'comment', 'data-id': c.id },
    el('p', { class: 'comment-meta' },
      el('span', { class: 'comment-author' }, c.author),
      ' · ',
      el('time', { datetime: c.createdAt }, formatTime(c.createdAt))),
    el('p', { class: 'comment-body' }, c.body));
}

// No maxlength or required: the API's own message is the one to show.
function build(section) {
  const author = field({
    id: 'comment-author', name: 'author', label: 'Name', errorId: 'author-error',
    hint: '1 to 40 characters.', attrs: { autocomplete: 'nickname', spellcheck: 'false' },
  });
  const body = field({
    id: 'comment-body', name: 'body', label: 'Comment', errorId: 'body-error', tag: 'textarea',
    hint: 'Up to 2,000 characters, shown as plain text.', attrs: { rows: 4 },
  });
  const ui = {
    author: author.control,
    body: body.control,
    submit: el('button', { type: 'submit' }, 'Post comment'),
    formStatus: statusLine('comment-form-status'),
    list: el('ol', { id: 'comments', class: 'comments' }),
    empty: el('p', { id: 'comments-empty', class: 'hint', hidden: true }, 'No comments yet: be the first.'),
    listStatus: statusLine('comments-status'),
    more: el('button', { type: 'button', id: 'comments-more', class: 'secondary', hidden: true }, 'Load more'),
  };
  ui.form = el('form', { id: 'comment-form', class: 'stack', 'aria-labelledby': 'comment-form-heading', novalidate: true },
    el('h3', { id: 'comment-form-heading' }, 'Add a comment'),
    author.node, body.node,
    el('div', { class: 'actions' }, ui.submit),
    ui.formStatus);
  section.append(ui.form, el('h3', {}, 'Newest first'), ui.list, ui.empty, ui.listStatus, ui.more);
  return ui;
}

export function initComments(section, slug, viewRecorded) {
  const { form, author, body, submit, formStatus, list, empty, listStatus, more } = build(section);
  let cursor = null;
  let loading = false;
  let posting = false;

  const refreshEmpty = () => { empty.hidden = list.children.length > 0; };

  async function loadPage() {
    if (loading) return;
    loading = true;
    more.setAttribute('aria-busy', 'true');
    listStatus.textContent = '';
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) q.set('cursor', cursor);
    try {
      const page = await request('GET', `/api/pages/${seg(slug)}/comments?${q}`);
      const seen = new Set([...list.children].map((li) => li.dataset.id));
      for (const c of page.comments) {
        // A comment posted here meanwhile may come round again in a later page.
        if (!seen.has(c.id)) list.append(commentItem(c));
      }
      cursor = page.nextCursor ?? null;
    } catch (e) {
      // page_not_found: nobody has viewed (so nobody has commented on) it yet.
      if (e.code !== 'page_not_found') listStatus.textContent = `Comments could not be loaded: ${e.message}`;
      cursor = null;
    } finally {
      loading = false;
      more.removeAttribute('aria-busy');
      more.hidden = cursor === null;
      refreshEmpty();
    }
  }

  more.addEventListener('click', loadPage);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // aria-disabled rather than disabled: a disabled button drops the focus
    // of a keyboard user who just pressed it.
    if (posting) return;
    posting = true;
    submit.setAttribute('aria-disabled', 'true');
    clearFieldErrors(form);
    formStatus.textContent = 'Posting…';
    try {
      await viewRecorded; // a page unknown to the API (no view yet) takes no comments
      const c = await write(`/api/pages/${seg(slug)}/comments`, {
        author: author.value.trim(),
        body: body.value.trim(),
      });
      list.prepend(commentItem(c));
      refreshEmpty();
      body.value = '';
      formStatus.textContent = 'Your comment is posted.';
    } catch (e) {
      const input = e.code === 'validation_failed' && { author, body }[e.field];
      if (input) {
        showFieldError(input, e.message);
        formStatus.textContent = `Not posted: check the ${input === author ? 'Name' : 'Comment'} field.`;
        input.focus();
      } else if (e.code === 'rate_limited') {
        formStatus.textContent = e.retryAfter !== null ? `Too many comments; try again in ${e.retryAfter} s.` : e.message;
      } else if (e.status === 413) {
        formStatus.textContent = 'Not posted: that comment is too large to send.';
      } else {
        formStatus.textContent = `Not posted: ${e.message}`;
      }
    } finally {
      posting = false;
      submit.removeAttribute('aria-disabled');
    }
  });

  // The list waits for this page's view: the API knows a page from its first view.
  viewRecorded.then(loadPage);
}
