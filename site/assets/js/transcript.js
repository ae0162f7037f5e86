// The chat's memory in this tab. The server keeps the conversation (and
// its context) under sessionId, but has no route to read it back, so the
// visible transcript is kept here too, capped, and redrawn on each page.
// sessionStorage: it follows the tab across pages and ends with it.

const SESSION_KEY = 'rightnow.chat.session';
const TRANSCRIPT_KEY = 'rightnow.chat.transcript';
export const MAX_TURNS = 20;

// Storage can throw (disabled, full, a sandboxed frame): the chat still
// works for this page, it just forgets.
function read(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // forgetting is acceptable
  }
}

export const sessionId = () => read(SESSION_KEY);
export const setSessionId = (id) => write(SESSION_KEY, id);

// Turns are {who: 'user'|'bot', text, lang, suggestions?}; anything else
// in storage (an older shape, a hand edit) is dropped, never rendered.
export function turns() {
  try {
    const list = JSON.parse(read(TRANSCRIPT_KEY) || '[]');
    if (!Array.isArray(list)) return [];
    return list.filter((t) => t && (t.who === 'user' || t.who === 'bot') && typeof t.text === 'string');
  } catch {
    return [];
  }
}

export function addTurn(turn) {
  const list = [...turns(), turn].slice(-MAX_TURNS);
  write(TRANSCRIPT_KEY, JSON.stringify(list));
  return list;
}
