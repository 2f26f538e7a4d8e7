// Issue 19's spike: the editor in editor.js (CodeMirror 6, bundled by esbuild), the Leptos view of
// bench/editor-spike-leptos (built by trunk into target/editor-spike-leptos, as its README line in
// docs/BENCHMARKS.md says) and a bare textarea, in the same Debian Chromium, same run. Paste 100,000 and 20,000 lines; 40 keystrokes
// in a 20,000- and a 5,000-line list. A time runs from the change to the next frame after a forced
// layout, as web/tests/bench.mjs measures the app. The checker is not in these figures (the app's
// input handler is measured by bench.mjs: 9 ms for 10,000 lines). Run: npm install && node spike.mjs
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { chromium } from '../../web/tests/node_modules/playwright-core/index.mjs';

execFileSync('./node_modules/.bin/esbuild', ['editor.js', '--bundle', '--minify', '--format=esm', '--outfile=dist/editor.js']);
const bundle = readFileSync('dist/editor.js');
const page = `<!doctype html><meta charset="utf-8"><style>#cm,#ta{height:352px;width:1000px;font:13px/20px monospace}#cm .cm-scroller{font:inherit}</style>
<div id="cm"></div><textarea id="ta" wrap="off" spellcheck="false"></textarea>
<script type="module">import { mount } from '/editor.js'; window.editor = mount(document.querySelector('#cm'), () => {});</script>`;
const LEPTOS = new URL('../../target/editor-spike-leptos/', import.meta.url).pathname;
const TYPES = { js: 'text/javascript', wasm: 'application/wasm', html: 'text/html' };
const server = createServer((req, res) => {
  if (req.url === '/editor.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(bundle); return; }
  if (req.url.startsWith('/leptos/')) {
    const file = join(LEPTOS, req.url.slice('/leptos/'.length) || 'index.html');
    res.writeHead(200, { 'content-type': TYPES[file.split('.').pop()] }); res.end(readFileSync(file)); return;
  }
  if (existsSync(join(LEPTOS, req.url.slice(1))) && req.url !== '/') {
    const file = join(LEPTOS, req.url.slice(1));
    res.writeHead(200, { 'content-type': TYPES[file.split('.').pop()] }); res.end(readFileSync(file)); return;
  }
  res.writeHead(200, { 'content-type': 'text/html' }); res.end(page);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const lines = (n) => ['Account ID,Email', ...Array.from({ length: n }, (_, i) => `${String(200000000000 + i * 7).padStart(12, '0')},owner${i}@example.com`)].join('\n') + '\n';

const PASTE = async ({ text, kind }) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const runs = [];
  for (let i = 0; i < 7; i++) {
    if (kind === 'cm') { const v = window.editor.view; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: '' } }); }
    else if (kind === 'leptos') window.spike.paste('');
    else document.querySelector('#ta').value = '';
    await new Promise((r) => setTimeout(r, 100));
    const start = performance.now();
    if (kind === 'cm') { const v = window.editor.view; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text }, userEvent: 'input.paste' }); }
    else if (kind === 'leptos') window.spike.paste(text);
    else { const t = document.querySelector('#ta'); t.value = text; t.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })); }
    await frame();
    void document.body.offsetHeight;
    runs.push(performance.now() - start);
  }
  return runs;
};
const TYPE = async ({ text, kind }) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const runs = [];
  const ta = document.querySelector('#ta');
  if (kind === 'cm') { const v = window.editor.view; v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } }); }
  else if (kind === 'leptos') window.spike.paste(text);
  else ta.value = text;
  let at = text.indexOf('\n', text.length / 2);
  // The Leptos view is addressed by line and column: the end of the middle line.
  const line = text.slice(0, at).split('\n').length - 1;
  let col = at - text.lastIndexOf('\n', at - 1) - 1;
  if (kind === 'cm') window.editor.select(at, at); else if (kind === 'ta') { ta.focus(); ta.setSelectionRange(at, at); }
  await frame();
  for (let i = 0; i < 40; i++) {
    const typed = i % 2 === 0;
    const start = performance.now();
    if (kind === 'cm') window.editor.view.dispatch({ changes: { from: typed ? at : at - 1, to: at, insert: typed ? 'x' : '' }, selection: { anchor: typed ? at + 1 : at - 1 }, userEvent: typed ? 'input.type' : 'delete.backward' });
    else if (kind === 'leptos') { window.spike.edit(line, col, typed ? 'x' : undefined); col += typed ? 1 : -1; }
    else { ta.setRangeText(typed ? 'x' : '', typed ? at : at - 1, at, 'end'); ta.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: typed ? 'insertText' : 'deleteContentBackward', data: typed ? 'x' : null })); }
    at += typed ? 1 : -1;
    await frame();
    void document.body.offsetHeight;
    runs.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 20));
  }
  return runs;
};

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const at = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const rows = [];
try {
  const kinds = existsSync(join(LEPTOS, 'index.html')) ? ['cm', 'leptos', 'ta'] : ['cm', 'ta'];
  for (const kind of kinds) {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${server.address().port}/${kind === 'leptos' ? 'leptos/' : ''}`);
    await tab.waitForFunction(() => window.editor || window.spike);
    const name = { cm: 'CodeMirror 6', leptos: 'Leptos, lines in view only', ta: 'bare textarea' }[kind];
    for (const n of [100_000, 20_000]) {
      const runs = await tab.evaluate(PASTE, { text: lines(n), kind });
      rows.push(`| ${name} | paste ${n.toLocaleString('en-US')} lines | ${at(runs, 0.5).toFixed(1)} ms | ${at(runs, 0.9).toFixed(1)} ms |`);
    }
    for (const n of [20_000, 5_000]) {
      const runs = await tab.evaluate(TYPE, { text: lines(n), kind });
      rows.push(`| ${name} | keystroke, ${n.toLocaleString('en-US')}-line list | ${at(runs, 0.5).toFixed(1)} ms | ${at(runs, 0.9).toFixed(1)} ms |`);
    }
    await tab.close();
  }
} finally {
  await browser.close();
  server.close();
}
const sizes = (bytes) => `${(bytes.length / 1000).toFixed(1)} KB raw, ${(gzipSync(bytes, { level: 9 }).length / 1000).toFixed(1)} KB gzip -9, ${(brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length / 1000).toFixed(1)} KB brotli`;
console.log(`Chromium ${browser.version()}; CodeMirror bundle ${sizes(bundle)}`);
if (existsSync(join(LEPTOS, 'index.html'))) {
  const { readdirSync } = await import('node:fs');
  const built = readdirSync(LEPTOS).filter((f) => /\.(wasm|js)$/.test(f)).map((f) => readFileSync(join(LEPTOS, f)));
  console.log(`Leptos view, wasm + js: ${sizes(Buffer.concat(built))} (sizes of the two files compressed together)`);
}
console.log('');
console.log('| editor | what | median | p90 |\n|---|---|---:|---:|');
console.log(rows.join('\n'));
