// The entry every page loads. Each page has some of the sections (found
// by id); this wires the ones present, so all pages share one script.
// The slug comes from <body data-page>, the only per-page setting.

import { recordView } from './views.js';
import { initComments } from './comments.js';
import { initChat } from './chat.js';
import { initUpload } from './upload.js';
import { initReport } from './report.js';

const slug = document.body.dataset.page;
const byId = (id) => document.getElementById(id);

const viewsOut = byId('views');
const viewRecorded = slug && viewsOut ? recordView(slug, viewsOut) : Promise.resolve();

if (slug && byId('comments-section')) initComments(byId('comments-section'), slug, viewRecorded);
if (byId('chat')) initChat(byId('chat'));
if (byId('upload')) initUpload(byId('upload'));
for (const box of document.querySelectorAll('[data-report]')) initReport(box);
