// Fixes as a user applies them: "keep this one" for a conflicting duplicate, a space in an email's
// domain, Ctrl+Z and Ctrl+Shift+Z after a fix and after "Apply all"; and after a run, the whole
// detail of a row read without a mouse, and "Copy failures" holding the lines not sent for errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { accounts, choose, finished, open as openPage, paste, serve } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
mkdirSync(shots, { recursive: true });
const shared = useBrowser();
const open = (server) => openPage(shared.browser, server);
const list = (page) => page.locator('#list').inputValue();
const counts = (page) => page.locator('[data-testid=counts]');

test('"keep this one" settles a conflicting duplicate; a space in a domain has a fix; Ctrl+Z takes back a fix and "Apply all"', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const text = [
    '444455556666,old-owner@example.com',
    '555566667777,ops@exa mple.com',
    '444455556666,new-owner@example.com',
    '22223333444,lost-zero@example.com',
  ].join('\n') + '\n';
  await paste(page, text);
  await counts(page).filter({ hasText: '0 accounts to send in 0 batches · 4 errors' }).waitFor();
  // Each line of the duplicate offers to keep it; "Apply all" makes no such choice.
  const keep = page.locator('[data-testid=diagnostics] button.fix', { hasText: /^Keep line \d$/ });
  assert.deepEqual(await keep.allTextContents(), ['Keep line 1', 'Keep line 3']);
  assert.equal(await page.locator('button:has-text("Apply all 2 suggested fixes")').count(), 1);
  await page.locator('[data-testid=diagnostics]').screenshot({ path: `${shots}/30-keep-this-one.png` });

  await page.click('button.fix:has-text("Keep line 3")');
  await counts(page).filter({ hasText: '1 account to send in 1 batch · 2 errors' }).waitFor();
  // The page moves the focus to the next fix a moment after a fix; keys sent before that would
  // follow it there.
  await page.waitForFunction(() => document.activeElement?.classList.contains('fix'));
  assert.equal(await list(page), text.split('\n').slice(1).join('\n'));
  // Ctrl+Z in the editor brings the deleted line back; Ctrl+Shift+Z deletes it again.
  await page.focus('#list');
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '4 errors' }).waitFor();
  assert.equal(await list(page), text);
  await page.keyboard.press('Control+Shift+z');
  await counts(page).filter({ hasText: '2 errors' }).waitFor();
  assert.equal(await list(page), text.split('\n').slice(1).join('\n'));

  // Apply all: the domain's space and the lost zero, in one edit that one Ctrl+Z takes back.
  const before = await list(page);
  await page.click('button:has-text("Apply all 2 suggested fixes")');
  await counts(page).filter({ hasText: '3 accounts to send in 1 batch · 0 errors' }).waitFor();
  // No fix is left: the focus goes to the counts.
  await page.waitForFunction(() => document.activeElement?.id === 'counts');
  assert.equal(await list(page), '555566667777,ops@example.com\n444455556666,new-owner@example.com\n022223333444,lost-zero@example.com\n');
  await page.focus('#list');
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '2 errors' }).waitFor();
  assert.equal(await list(page), before);
  await page.keyboard.press('Control+Shift+z');
  await counts(page).filter({ hasText: '0 errors' }).waitFor();
  // Typing after a fix is undone on its own, the fix stays.
  await page.keyboard.press('Control+End');
  await page.keyboard.type('x');
  await counts(page).filter({ hasText: '1 error' }).waitFor();
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '3 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.match(await list(page), /ops@example\.com/);
  // "Load an example" replaces the list as an edit: Ctrl+Z brings the list back.
  const mine = await list(page);
  await page.click('text=Load an example');
  await page.waitForFunction((before) => document.querySelector('#list').value !== before, mine);
  await page.focus('#list');
  await page.keyboard.press('Control+z');
  await counts(page).filter({ hasText: '3 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.equal(await list(page), mine);
  // Only choices left: "Apply all" cannot make them, and the page says whose choice it is.
  await paste(page, '444455556666,old-owner@example.com\n444455556666,new-owner@example.com\n');
  await page.locator('[data-testid=choices]').filter({ hasText: 'Which line of a duplicate to keep is yours to choose' }).waitFor();
  assert.equal(await page.locator('button:has-text("Apply all suggested fixes")').isDisabled(), true);
  assert.deepEqual(errors, []);
});

test('after a run: a row\'s whole detail is read with the keyboard, and "Copy failures" holds the lines not sent', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, `${accounts(3, 640000000000)}\n64000000001,short@example.com\n`);
  await choose(page, 'us-east-1');
  await page.check('label.skip input');
  await page.click('[data-testid=preview] button.primary');
  await finished(page);
  // The skipped line's detail is longer than its cell; Tab reaches the row and shows all of it.
  await page.locator('[data-testid=results] tr.invited').last().focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('skipped')), true);
  const detail = page.locator('[data-testid=detail-full]');
  await detail.filter({ hasText: /^Line 4, 64000000001: skipped; E003: expected a 12-digit account ID, found 11 digits/ }).waitFor();
  assert.ok(((await detail.textContent()).length) > 80, await detail.textContent());
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/31-detail.png` });
  // On a phone the detail column is not shown: a tap on the row shows all of it.
  await page.setViewportSize({ width: 390, height: 844 });
  // The columns that tell two rows of one account apart stay, and the table fits its box.
  assert.deepEqual(await page.locator('[data-testid=results] thead th:visible').allTextContents(), ['Account', 'Service', 'Region', 'Status']);
  assert.equal(await page.locator('.table-wrap').evaluate((e) => e.scrollWidth <= e.clientWidth), true, 'no sideways scrolling');
  await page.locator('[data-testid=results] tr.invited').first().click();
  await detail.filter({ hasText: /^Line 1, 640000000000, GuardDuty us-east-1: invited; this run: / }).waitFor();
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/32-detail-390.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
  // Copy failures: nothing failed, but the line with an error was not sent: it is what is left.
  await page.click('text=Copy failures as a new list');
  await page.locator('section:has(#results-title) [role=status]').filter({ hasText: 'Copied 1 line not sent: fix it and send it again' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'Account ID,Email\n64000000001,short@example.com\n');
  assert.deepEqual(errors, []);
});
