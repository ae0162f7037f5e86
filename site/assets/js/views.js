// The page's view count: one POST per page load counts this view and
// answers the new total, so there is no separate read.

import { request, seg } from './api.js';
import { plural } from './dom.js';

// Resolves once the view is recorded (or failed): the comments wait for
// it, because the API knows a page only from its first view.
export async function recordView(slug, out) {
  try {
    const { views } = await request('POST', `/api/pages/${seg(slug)}/views`);
    out.textContent = plural(views, 'view', 'views');
  } catch {
    out.textContent = 'unavailable';
  }
}
