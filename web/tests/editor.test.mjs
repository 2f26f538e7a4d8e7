// The list editor as a user uses it, with the keyboard and the clipboard rather than by setting its
// value: typing, select all + delete, undo and redo, text entered without key events (as an IME or a
// dead key commits it), paste and copy through the clipboard, jumping to a problem, a 100,000-line
// paste edited on its last line, reaching it and its problems with Tab alone, and its labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { accounts, open as openPage, paste, serve } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shared = useBrowser();
const open = (server) => openPage(shared.browser, server);
const list = (page) => page.locator('#list').inputValue();
const counts = (page) => page.locator('[data-testid=counts]');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

test('typing, select all + delete, undo and redo, and non-ASCII text entered without key events', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await page.click('#list');
  await page.keyboard.type('444455556666,sec@example.com');
  await counts(page).filter({ hasText: '1 account to send in 1 batch · 0 errors' }).waitFor();
  await page.keyboard.press('Enter');
  await page.keyboard.type('44445555777,ops@example.com');
  // Every keystroke is checked: the second line is one digit short.
  await counts(page).filter({ hasText: '1 account to send in 1 batch · 1 error' }).waitFor();
  await page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 2:1.*expected a 12-digit account ID, found 11 digits/ }).waitFor();
  await page.keyboard.press('Home');
  await page.keyboard.type('0');
  await counts(page).filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  const typed = '444455556666,sec@example.com\n044445555777,ops@example.com';
  assert.equal(await list(page), typed);

  // Select all and delete empties the list; Ctrl+Z brings it back, Ctrl+Shift+Z empties it again.
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await counts(page).filter({ hasText: 'Paste a list above' }).waitFor();
  assert.equal(await list(page), '');
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.equal(await list(page), typed);
  await page.keyboard.press('Control+Shift+z');
  await counts(page).filter({ hasText: 'Paste a list above' }).waitFor();
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '2 accounts' }).waitFor();

  // Text committed without key events, as an input method or a dead key does: kept as entered, and
  // the address's non-ASCII letters are named on its line.
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('555566667777,zoë@exämple.com');
  await counts(page).filter({ hasText: '2 accounts to send in 1 batch · 1 error' }).waitFor();
  assert.equal(await list(page), `${typed}\n555566667777,zoë@exämple.com`);
  const problem = page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 3:/ });
  assert.match(await problem.textContent(), /accepts only 7-bit ASCII in emails, found ['‘`]?ë['’`]? in ['‘`]?zoë@exämple\.com/);
  // Undo takes back the composed text as one edit.
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.doesNotMatch(await list(page), /zoë/);
  assert.deepEqual(errors, []);
});

test('paste and copy go through the clipboard; jumping to a problem selects its span', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const text = '444455556666,sec@example.com\n55556666777,short@example.com\n666677778888,ops@example.com\n';
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.click('#list');
  await page.keyboard.press('Control+v');
  await counts(page).filter({ hasText: '2 accounts to send in 1 batch · 1 error' }).waitFor();
  assert.equal(await list(page), text);
  // The problem's "where" button selects the short ID in the editor and gives it the focus.
  await page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 2:1/ }).locator('button.where').click();
  await page.locator('[data-testid=highlight][data-line="2"]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'list');
  // Copying the selection puts exactly that span on the clipboard.
  await page.keyboard.press('Control+c');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '55556666777');
  // Typing over the selection replaces it; the line is mended.
  await page.keyboard.type('055556666777');
  await counts(page).filter({ hasText: '3 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.equal(await list(page), text.replace('55556666777', '055556666777'));
  assert.deepEqual(errors, []);
});

test('a 100,000-line paste is checked whole, and an edit on its last line is checked at once', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, accounts(100_000, 200_000_000_000));
  await counts(page).filter({ hasText: '100,000 accounts to send in 2,000 batches · 0 errors' }).waitFor({ timeout: 60_000 });
  // The last line: `…,member99999@example.com`; take the TLD off its address, then put it back.
  await page.click('#list');
  await page.keyboard.press('Control+End');
  for (let i = 0; i < 4; i += 1) await page.keyboard.press('Backspace');
  await counts(page).filter({ hasText: '99,999 accounts to send in 2,000 batches · 1 error' }).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 100,?000:/ }).waitFor();
  await page.keyboard.type('.com');
  await counts(page).filter({ hasText: '100,000 accounts to send in 2,000 batches · 0 errors' }).waitFor({ timeout: 30_000 });
  const value = await list(page);
  assert.equal(value.split('\n').length, 100_000);
  assert.ok(value.endsWith('member99999@example.com'), value.slice(-60));
  assert.deepEqual(errors, []);
});

test('keyboard only: Tab reaches the editor, its problems and their fixes; the editor is labelled and axe finds nothing', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  // From the top of the page, Tab alone reaches the editor.
  await page.evaluate(() => document.activeElement?.blur());
  let reached = false;
  for (let i = 0; i < 15 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.id === 'list');
  }
  assert.ok(reached, 'Tab did not reach the editor within 15 presses');
  // Its accessible name is its label, and its description is the counts line.
  const { name, described } = await page.evaluate(() => {
    const list = document.querySelector('#list');
    return { name: list.labels[0]?.textContent ?? '', described: list.getAttribute('aria-describedby') };
  });
  assert.match(name, /^Paste a list/);
  assert.equal(described, 'counts');
  await page.keyboard.type('44445555666,a@example.com');
  await counts(page).filter({ hasText: '1 error' }).waitFor();
  // Tab leaves the textarea (it does not insert a tab) and goes on to the problem and its fix.
  let fix = false;
  for (let i = 0; i < 15 && !fix; i += 1) {
    await page.keyboard.press('Tab');
    fix = await page.evaluate(() => document.activeElement?.classList.contains('fix') ?? false);
  }
  assert.ok(fix, 'Tab did not reach the fix within 15 presses');
  assert.equal(await list(page), '44445555666,a@example.com');
  assert.match(await page.evaluate(() => document.activeElement.textContent), /^Use 044445555666$/);
  await page.keyboard.press('Enter');
  await counts(page).filter({ hasText: '1 account to send in 1 batch · 0 errors' }).waitFor();
  assert.equal(await list(page), '044445555666,a@example.com');
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  assert.deepEqual(errors, []);
});
