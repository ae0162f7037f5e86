// Building DOM without markup: every piece of text, from the API or the
// user, goes in as a text node, so a comment like <img onerror=…> shows as
// those characters and never becomes an element. (No innerHTML anywhere:
// the CSP forbids inline script, and this keeps it from mattering.)

// el('p', {class: 'x', lang: 'ko'}, 'text', childNode, …)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function setText(node, text) {
  node.textContent = text;
}

// Inline field errors: the message goes in the element named by the
// input's data-error, which the input's aria-describedby already lists,
// and aria-invalid tells assistive technology which input is wrong.
export function showFieldError(input, message) {
  const box = document.getElementById(input.dataset.error);
  if (box) box.textContent = message;
  input.setAttribute('aria-invalid', 'true');
}

export function clearFieldErrors(form) {
  for (const input of form.querySelectorAll('[data-error]')) {
    input.removeAttribute('aria-invalid');
    const box = document.getElementById(input.dataset.error);
    if (box) box.textContent = '';
  }
}

// Dates from the API are RFC 3339 in UTC; people read them in their own zone.
const when = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : when.format(d);
}

const counts = new Intl.NumberFormat('en');
export const formatCount = (n) => counts.format(Number(n) || 0);

export const plural = (n, one, many) => `${formatCount(n)} ${Number(n) === 1 ? one : many}`;

// Hangul syllables or jamo: how the chatbot decides a message is Korean,
// and how we pick a lang for what the user typed.
export const hasHangul = (s) => /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]/.test(s);

// One labelled form field: <label>, the control, a hint and an (empty)
// error line, tied together with for/id and aria-describedby, so every
// form on the site is built, and announced, the same way.
// field({id: 'comment-author', name: 'author', label: 'Name', hint: '…',
//        errorId: 'author-error', tag: 'input'|'textarea', attrs: {…}})
export function field({ id, name, label, hint, errorId, tag = 'input', attrs = {} }) {
  const hintId = `${id}-hint`;
  const control = el(tag, {
    id,
    name,
    ...(tag === 'input' ? { type: 'text' } : {}),
    ...attrs,
    'aria-describedby': `${hintId} ${errorId}`,
    'data-error': errorId,
  });
  return {
    control,
    node: el('div', { class: 'field' },
      el('label', { for: id }, label),
      control,
      el('p', { id: hintId, class: 'hint' }, hint),
      el('p', { id: errorId, class: 'field-error' })),
  };
}

// A polite status line (role=status), empty until there is news.
export const statusLine = (id) => el('p', { id, class: 'status', role: 'status' });
