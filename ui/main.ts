/**
 * The Stepwright console: a single page served by `stepwright serve` at `/`, talking to the same
 * REST API as curl does. Pages by location hash: #/ (state machines), #/machine/<name>,
 * #/execution/<arn>, #/editor[/<name>]. Bundled by esbuild when the server starts
 * (lambda/local/console-assets.ts); no CDN, nothing fetched from elsewhere.
 */
import { fill, h } from './dom';
import { machinesPage, machinePage } from './page-lists';
import { executionPage } from './page-execution';
import { editorPage } from './page-editor';

let shown = 0;

async function route(): Promise<void> {
  const mine = ++shown;
  const isCurrent = () => mine === shown;
  const root = document.getElementById('app')!;
  const [path, q] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(q ?? '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  root.setAttribute('aria-busy', 'true');
  try {
    if (parts[0] === 'machine' && parts[1]) await machinePage(root, parts[1], query);
    else if (parts[0] === 'execution' && parts[1]) await executionPage(root, parts[1], isCurrent);
    else if (parts[0] === 'editor') await editorPage(root, parts[1]);
    else await machinesPage(root);
  } catch (e) {
    if (isCurrent()) fill(root, h('p', {}, h('a', { href: '#/' }, '← State machines')), h('p', { class: 'error' }, (e as Error).message));
  } finally {
    if (isCurrent()) root.setAttribute('aria-busy', 'false');
  }
}

window.addEventListener('hashchange', () => void route());
void route();
