// Video upload in three moves: register the video with the API (title,
// type, size) and get a presigned URL; PUT the file straight to storage
// with XMLHttpRequest, whose upload events drive the <progress>; then poll
// the video until moderation has judged it.

import { request, seg, write } from './api.js';
import { el, field, showFieldError, clearFieldErrors } from './dom.js';

const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 4000;
const POLL_GIVE_UP_MS = 3 * 60 * 1000;

const STATUS_TEXT = {
  registering: 'Registering the video…',
  uploading: 'Uploading…',
  awaiting_upload: 'Uploaded; waiting for storage to report it…',
  processing: 'Checking the video…',
  approved: 'Approved: the video is ready to play.',
  rejected: 'Rejected: the video was not accepted.',
  failed: '',
};

// The URL is presigned for exactly this type and size: no other header,
// or the signature no longer matches.
function put(url, file, progress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', file.type);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        progress.max = e.total;
        progress.value = e.loaded;
      }
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.value = progress.max;
        resolve();
      } else {
        reject(new Error(`storage answered HTTP ${xhr.status}`));
      }
    });
    xhr.addEventListener('error', () => reject(new Error('the connection failed')));
    xhr.addEventListener('abort', () => reject(new Error('it was cancelled')));
    xhr.send(file);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function build(section) {
  const title = field({
    id: 'video-title', name: 'title', label: 'Title', errorId: 'title-error',
    hint: '1 to 120 characters.', attrs: { autocomplete: 'off' },
  });
  const file = field({
    id: 'video-file', name: 'file', label: 'Video file', errorId: 'file-error',
    hint: 'An .mp4 or .mov file.', attrs: { type: 'file', accept: 'video/mp4,video/quicktime' },
  });
  const ui = {
    title: title.control,
    file: file.control,
    submit: el('button', { type: 'submit' }, 'Upload video'),
    progress: el('progress', { id: 'upload-progress', max: 100, value: 0 }),
    // The live region: the status line and, once rejected, the reasons,
    // announced together.
    statusText: el('p', { class: 'status-text' }, 'Nothing uploaded yet.'),
    reasons: el('ul', { id: 'upload-reasons', class: 'reasons' }),
    player: el('div', { id: 'upload-player', class: 'player' }),
  };
  ui.form = el('form', { id: 'upload-form', class: 'stack', novalidate: true },
    title.node, file.node, el('div', { class: 'actions' }, ui.submit));
  ui.status = el('div', { id: 'upload-status', class: 'upload-status', 'aria-live': 'polite', 'data-status': 'idle' },
    ui.statusText, ui.reasons);
  section.append(ui.form,
    el('div', { class: 'progress-row' }, el('label', { for: 'upload-progress' }, 'Upload progress'), ui.progress),
    ui.status, ui.player);
  return ui;
}

export function initUpload(section) {
  const { form, title, file, submit, progress, status, statusText, reasons, player } = build(section);
  let busy = false;

  function setStatus(state, text = STATUS_TEXT[state]) {
    status.dataset.status = state;
    statusText.textContent = text;
  }

  async function watch(id) {
    const started = Date.now();
    let delay = POLL_FIRST_MS;
    for (;;) {
      let video;
      try {
        video = await request('GET', `/api/videos/${seg(id)}`);
      } catch (e) {
        // A blip (a 5xx, the network) is worth another try; anything else is not.
        if (e.status !== 0 && e.status < 500) throw e;
        video = null;
      }
      if (video && video.status !== 'awaiting_upload' && video.status !== 'processing') return video;
      if (video && status.dataset.status !== video.status) setStatus(video.status);
      if (Date.now() - started > POLL_GIVE_UP_MS) return null;
      await sleep(delay);
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
  }

  function showVerdict(video) {
    if (video.status === 'approved') {
      setStatus('approved');
      if (video.playbackUrl) {
        player.replaceChildren(
          el('figure', {},
            el('video', { controls: true, preload: 'metadata', src: video.playbackUrl }),
            el('figcaption', {}, video.title)));
      }
    } else if (video.status === 'rejected') {
      setStatus('rejected');
      const list = Array.isArray(video.reasons) ? video.reasons : [];
      reasons.replaceChildren(...list.map((r) => el('li', { 'data-code': r.code }, r.message)));
    } else {
      setStatus(video.status, `Status: ${video.status}`);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    clearFieldErrors(form);
    reasons.replaceChildren();
    player.replaceChildren();
    const chosen = file.files && file.files[0];
    if (!chosen) {
      showFieldError(file, 'Choose a video file (MP4 or QuickTime) to upload.');
      setStatus('failed', 'Nothing was uploaded.');
      file.focus();
      return;
    }
    busy = true;
    submit.setAttribute('aria-disabled', 'true');
    progress.value = 0;
    progress.max = chosen.size || 1;
    try {
      setStatus('registering');
      let ticket;
      try {
        ticket = await write('/api/videos', {
          title: title.value.trim(),
          contentType: chosen.type,
          size: chosen.size,
        });
      } catch (e) {
        const input = e.code === 'validation_failed' && { title, contentType: file, size: file }[e.field];
        if (input) {
          showFieldError(input, e.message);
          setStatus('failed', 'Nothing was uploaded: check the field marked.');
          input.focus();
        } else {
          setStatus('failed', `Nothing was uploaded: ${e.message}`);
        }
        return;
      }
      setStatus('uploading');
      try {
        await put(ticket.uploadUrl, chosen, progress);
      } catch (e) {
        setStatus('failed', `The upload failed: ${e.message}. Please try again.`);
        return;
      }
      setStatus('awaiting_upload');
      let video;
      try {
        video = await watch(ticket.id);
      } catch (e) {
        setStatus('failed', `Could not follow the video: ${e.message}`);
        return;
      }
      if (video) showVerdict(video);
      else setStatus('failed', 'The check is taking longer than expected; look again later.');
    } finally {
      busy = false;
      submit.removeAttribute('aria-disabled');
    }
  });
}
