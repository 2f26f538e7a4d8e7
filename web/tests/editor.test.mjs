// The list editor as a user uses it, with the keyboard and the clipboard rather than by setting its
// value: typing, select all + delete, undo and redo, text entered without key events (as an IME or a
// dead key commits it), paste and copy through the clipboard, jumping to a problem, a 100,000-line
// paste edited on its last line, reaching it and its problems with Tab alone, and its labels; in a
// long list also find, fixes, keys as on a Mac, and the mouse (click, drag, double and triple click).
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
/** Waits for `#list` to hold `text`: the long-list editor gives it the text once typing pauses. */
const holds = (page, text) => page.waitForFunction((t) => document.querySelector('#list').value === t, text, { polling: 50 });
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
  await page.waitForFunction(() => document.querySelector('#list').value.endsWith('member99999@example.com'), null, { polling: 100 });
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

test('a long list is drawn a screen at a time and edited as a short one: find, a fix undone, jump, copy, type, undo, keys, select all + delete', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const lines = accounts(20_000, 200_000_000_000).split('\n');
  lines[9_999] = '55556666777,short@example.com';
  const text = lines.join('\n');
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.click('#list');
  await page.keyboard.press('Control+v');
  await counts(page).filter({ hasText: '19,999 accounts to send in 400 batches · 1 error' }).waitFor();
  await holds(page, text);
  // Only the lines in view are drawn; #list is not laid out.
  const drawn = await page.locator('[data-testid=lines] .line').count();
  assert.ok(drawn > 10 && drawn < 60, `${drawn} lines drawn`);
  assert.equal(await page.locator('div.code.long').count(), 1);
  // Ctrl+F finds in the whole list, not only the lines drawn; Escape gives the match to the editor.
  await page.keyboard.press('Control+f');
  await page.locator('#find-in-list').waitFor();
  await page.keyboard.type('MEMBER19998@');
  await page.locator('[data-testid=find-count]').filter({ hasText: /^1 of 1$/ }).waitFor();
  await page.locator('[data-testid=lines] .line[data-line="19999"]').waitFor();
  const found = (said) => page.locator('[data-testid=find-count]').filter({ hasText: new RegExp(`^${said}$`) }).waitFor();
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await found('10 of 11');
  await page.keyboard.press('Enter');
  await found('11 of 11');
  await page.keyboard.press('Enter');
  await found('1 of 11');
  await page.locator('[data-testid=lines] .line[data-line="2000"]').waitFor();
  await page.keyboard.press('Shift+Enter');
  await found('11 of 11');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#find-in-list').count(), 0);
  await page.keyboard.press('Control+c');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'member1999');
  // Its fix is one edit: applied, Ctrl+Z in the editor takes it back and Ctrl+Shift+Z puts it back.
  await page.locator('button.fix', { hasText: 'Use 055556666777' }).click();
  await counts(page).filter({ hasText: '20,000 accounts to send in 400 batches · 0 errors' }).waitFor();
  const fixed = text.replace('\n55556666777,', '\n055556666777,');
  await holds(page, fixed);
  await page.locator('#list-input').focus();
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '19,999 accounts to send in 400 batches · 1 error' }).waitFor();
  await holds(page, text);
  await page.keyboard.press('Control+Shift+z');
  await counts(page).filter({ hasText: '0 errors' }).waitFor();
  await holds(page, fixed);
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '1 error' }).waitFor();
  // The problem's "where" button selects the short ID on line 10,000 and scrolls to it.
  await page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 10000:1/ }).locator('button.where').click();
  await page.locator('[data-testid=highlight][data-line="10000"]').waitFor();
  await page.locator('[data-testid=lines] .line[data-line="10000"]').waitFor();
  await page.keyboard.press('Control+c');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '55556666777');
  // Typing replaces the selection; undo takes the typing back as one step, redo puts it back.
  await page.keyboard.type('055556666777');
  await counts(page).filter({ hasText: '20,000 accounts to send in 400 batches · 0 errors' }).waitFor();
  const mended = text.replace('\n55556666777,', '\n055556666777,');
  await holds(page, mended);
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '1 error' }).waitFor();
  await holds(page, text);
  await page.keyboard.press('Control+Shift+z');
  await counts(page).filter({ hasText: '0 errors' }).waitFor();
  await holds(page, mended);
  // Keys move as in a textarea: to the end, the line's start, Shift+End selects the line.
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type('123412341234,last@example.com');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('m');
  await page.keyboard.press('Control+End');
  // Text committed without key events, as an input method does, with its problem named.
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('555566667777,zoë@exämple.com');
  await counts(page).filter({ hasText: '20,000 accounts to send in 400 batches · 1 error' }).waitFor();
  const typed = `${mended.split('\n').slice(0, -1).join('\n')}\n123412341234,last@example.com\n555566667777,zoë@exämple.com`;
  await holds(page, typed);
  await page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 20001:.*7-bit ASCII/ }).waitFor();
  // Select all + delete empties the list; undo brings it all back.
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await counts(page).filter({ hasText: 'Paste a list above' }).waitFor();
  await holds(page, '');
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '20,000 accounts to send in 400 batches · 1 error' }).waitFor();
  await holds(page, typed);
  // fill() through #list replaces the whole list, as in a textarea.
  await page.fill('#list', '444455556666,one@example.com');
  await counts(page).filter({ hasText: '1 account to send in 1 batch · 0 errors' }).waitFor();
  await holds(page, '444455556666,one@example.com');
  // A paste that reaches #list itself (its context menu's Paste) goes in at the caret.
  await page.keyboard.press('End');
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData('text/plain', '\n777788889999,two@example.com');
    document.querySelector('#list').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await counts(page).filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  await holds(page, '444455556666,one@example.com\n777788889999,two@example.com');
  // With the keyboard and a screen reader: the input at the caret has the textarea's label and
  // description, Tab leaves it and Shift+Tab comes back; axe finds nothing, the find bar open.
  const [label, described] = await page.evaluate(() => {
    const input = document.querySelector('#list-input');
    return [input.labels[0]?.textContent ?? '', input.getAttribute('aria-describedby')];
  });
  assert.match(label, /^Paste a list/);
  assert.equal(described, 'counts');
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'list-input');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'list-input');
  await page.keyboard.press('Control+f');
  await page.locator('#find-in-list').waitFor();
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await page.keyboard.press('Escape');
  // A file from outside decides again: a short one is edited by the textarea.
  await page.locator('input[type=file]').setInputFiles({ name: 'three.csv', mimeType: 'text/csv', buffer: Buffer.from('444455556666,one@example.com\n777788889999,two@example.com\n123412341234,three@example.com\n') });
  await counts(page).filter({ hasText: '3 accounts to send in 1 batch · 0 errors' }).waitFor();
  await page.locator('div.code:not(.long)').waitFor();
  assert.deepEqual(errors, []);
});

test('a long list: a CRLF file is typed in on its own lines, a paste that made the list long is undone, a new file after Ctrl+End takes keys safely', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  // A short list typed by hand, then a paste over all of it that makes the list long: Ctrl+Z gives
  // the typed list back.
  await page.click('#list');
  await page.keyboard.type('444455556666,typed@example.com');
  const long = accounts(3_000, 300_000_000_000);
  await page.evaluate((t) => navigator.clipboard.writeText(t), long);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+v');
  await counts(page).filter({ hasText: '3,000 accounts' }).waitFor();
  await page.locator('div.code.long').waitFor();
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '1 account to send in 1 batch · 0 errors' }).waitFor();
  await holds(page, '444455556666,typed@example.com');
  await page.keyboard.press('Control+Shift+z');
  await counts(page).filter({ hasText: '3,000 accounts' }).waitFor();
  await holds(page, long);
  // The caret at the very end, then a shorter long file from Windows (CRLF) replaces the list:
  // keys and typing act on the new text.
  await page.keyboard.press('Control+End');
  const windows = `Account ID,Email\r\n${accounts(2_500, 400_000_000_000).split('\n').join('\r\n')}\r\n`;
  await page.locator('input[type=file]').setInputFiles({ name: 'windows.csv', mimeType: 'text/csv', buffer: Buffer.from(windows) });
  await counts(page).filter({ hasText: '2,500 accounts to send in 50 batches · 0 errors' }).waitFor();
  await page.locator('div.code.long').waitFor();
  const lf = windows.replaceAll('\r\n', '\n');
  await holds(page, lf);
  await page.locator('#list-input').focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Control+ArrowLeft');
  await page.keyboard.press('Control+Home');
  // The first account's line: End, then type; the text stays on that line.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.type('@');
  await counts(page).filter({ hasText: '2,499 accounts to send in 50 batches · 1 error' }).waitFor();
  await holds(page, lf.replace('member0@example.com\n', 'member0@example.com@\n'));
  assert.deepEqual(errors, []);
});

test('a long list on a Mac: Command+arrows go to the line\'s ends and the list\'s, Option+arrows and Option+Backspace by word', async () => {
  const server = await serve();
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector('#list');
  const text = accounts(2_500, 500_000_000_000);
  await paste(page, text);
  await counts(page).filter({ hasText: '2,500 accounts' }).waitFor();
  await page.locator('div.code.long').waitFor();
  await page.locator('#list').focus();
  // Command+Down to the end, Command+Left to the line's start, Option+Right over the ID.
  await page.keyboard.press('Meta+ArrowDown');
  await page.keyboard.press('Meta+ArrowLeft');
  await page.keyboard.press('Alt+ArrowRight');
  await page.keyboard.type('9');
  const last = text.split('\n').at(-1);
  const typed = `${text.slice(0, -last.length)}${last.replace(',', '9,')}`;
  await holds(page, typed);
  // Option+Backspace deletes the word before the caret (the ID with its 9), Command+Right to the end.
  await page.keyboard.press('Alt+Backspace');
  await page.keyboard.press('Meta+ArrowRight');
  await page.keyboard.type('x');
  await holds(page, `${text.slice(0, -last.length)}${last.slice(12)}x`);
  await context.close();
  assert.deepEqual(errors, []);
});

test('a long list with the mouse: a click puts the caret, a drag selects, a double click a word, a triple click the line', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const lines = accounts(3_000, 300_000_000_000).split('\n');
  const text = lines.join('\n');
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.click('#list');
  await page.keyboard.press('Control+v');
  await counts(page).filter({ hasText: '3,000 accounts to send' }).waitFor();
  await page.locator('div.code.long').waitFor();
  // Where a character of a drawn line is on the screen (1-based line, 0-based column).
  const at = async (line, column) => {
    const box = await page.locator(`[data-testid=lines] .line[data-line="${line}"]`).boundingBox();
    const width = await page.evaluate((n) => {
      const range = document.createRange();
      range.selectNodeContents(document.querySelector(`[data-testid=lines] .line[data-line="${n}"]`));
      return range.getBoundingClientRect().width / range.toString().length;
    }, line);
    return { x: box.x + (column + 0.5) * width, y: box.y + box.height / 2 };
  };
  const copied = async () => {
    await page.keyboard.press('Control+c');
    return page.evaluate(() => navigator.clipboard.readText());
  };
  let p = await at(3, 4);
  await page.mouse.dblclick(p.x, p.y);
  assert.equal(await copied(), lines[2].split(',')[0], 'a double click selects the ID');
  p = await at(4, 20);
  await page.mouse.click(p.x, p.y, { clickCount: 3 });
  assert.equal(await copied(), `${lines[3]}\n`, 'a triple click selects the line and its break');
  const from = await at(5, 0);
  const to = await at(6, 0);
  await page.mouse.move(from.x - 2, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x - 2, to.y, { steps: 4 });
  await page.mouse.up();
  assert.equal(await copied(), `${lines[4]}\n`, 'a drag from one line start to the next selects the line');
  p = await at(7, 0);
  await page.mouse.click(p.x - 2, p.y);
  await page.keyboard.type('x');
  lines[6] = `x${lines[6]}`;
  await holds(page, lines.join('\n'));
  await page.locator('[data-testid=diagnostics] li').filter({ hasText: /^line 7:1/ }).waitFor();
  assert.deepEqual(errors, []);
});
