// The member lifecycle in the page, against `enlist serve --emulator` with the emulator's
// lifecycle: accounts already members, organization accounts GuardDuty enables without an
// invitation, root emails that fail verification — under throttling, in two regions of both
// services — then the failed emails corrected on their rows and repaired. And discovery: every
// region gets its own result, at its field, even under heavy throttling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { exported, finished, label, members, open as openPage, paste, send, serve, choose } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
mkdirSync(shots, { recursive: true });
const shared = useBrowser();

const LIFECYCLE = {
  verificationDelayMs: 600,
  failingEmails: ['wrong1@example.com', 'wrong2@example.com'],
  organization: true,
  organizationAccounts: ['500000000004', '500000000005'],
};

const LIST = [
  'Account ID,Email',
  '500000000001,already1@example.com',
  '500000000002,already2@example.com',
  '500000000003,new@example.com',
  '500000000004,org1@example.com',
  '500000000005,org2@example.com',
  '500000000006,wrong1@example.com',
  '500000000007,wrong2@example.com',
].join('\n');

/** Every row's status equals what the emulator holds for that service and region. */
async function assertTruth(server, rows) {
  for (const service of ['guardduty', 'detective']) {
    for (const region of ['us-east-1', 'eu-west-1']) {
      const held = await members(server, service, region);
      for (const row of rows.filter((r) => r.service === service && r.region === region)) {
        assert.equal(row.status, label(held[row.account]) ?? 'absent', `${service} ${region} ${row.account}`);
      }
    }
  }
}

test('a mixed list settles in GuardDuty and Detective in two regions under throttling, and failed emails are repaired on their rows', async () => {
  const server = await serve({ throttleRate: 0.2, seed: 4 }, undefined, ['--emulator-config', JSON.stringify(LIFECYCLE)]);
  const context = await shared.browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.waitForSelector('#list');
  // Two accounts become members first.
  await paste(page, LIST.split('\n').slice(0, 3).join('\n'));
  await page.check('#service-detective');
  await send(page, 'us-east-1, eu-west-1');
  await finished(page);
  // Then the whole list.
  await paste(page, LIST);
  await page.locator('[data-testid=counts]').filter({ hasText: '7 accounts to send in 1 batch' }).waitFor();
  await page.screenshot({ path: `${shots}/11-lifecycle-before.png`, fullPage: true });
  await page.click('button.primary:has-text("Send 5 new accounts")');
  await page.screenshot({ path: `${shots}/12-lifecycle-sending.png`, fullPage: true });
  await finished(page);
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/13-lifecycle-settled.png` });
  const rows = await exported(page);
  assert.equal(rows.length, 28);
  await assertTruth(server, rows);
  const row = (account, service) => rows.find((r) => r.account === account && r.service === service && r.region === 'eu-west-1');
  // The second Send added only the new accounts: the first run's rows stay as they were.
  assert.equal(rows.filter((r) => r.account === '500000000001').length, 4);
  assert.deepEqual([row('500000000001', 'guardduty').status, row('500000000001', 'guardduty').action], ['invited', 'created and invited by this run']);
  assert.deepEqual([row('500000000003', 'guardduty').status, row('500000000003', 'guardduty').action], ['invited', 'created and invited by this run']);
  assert.deepEqual([row('500000000004', 'guardduty').status, row('500000000004', 'guardduty').action], ['enabled', 'created by this run']);
  assert.equal(row('500000000006', 'detective').status, 'verification-failed');
  const summary = await page.locator('[data-testid=summary]').textContent();
  assert.equal(summary, 'Every run in the table: 16 invited · 8 email verification failed · 4 enabled');
  // Members read as good whoever added them; failed verification stands out on its rows.
  assert.ok((await page.locator('[data-testid=results] tr.invited.good').count()) > 0);
  // Keyboard only: the arrows reach every row and back, though the table draws only the rows
  // near its view (moving down scrolls it and draws the next ones); Tab goes on from a row.
  const focusedRow = () => page.evaluate(() => document.activeElement?.getAttribute('data-row') ?? document.activeElement?.tagName);
  await page.locator('[data-testid=results] tr[data-row]').first().focus();
  const seen = new Set([await focusedRow()]);
  for (let i = 1; i < 28; i++) {
    await page.keyboard.press('ArrowDown');
    seen.add(await focusedRow());
  }
  assert.equal(seen.size, 28, [...seen].join(' '));
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('[data-testid=results] tr[data-row]')].at(-1) === document.activeElement), true);
  for (let i = 1; i < 28; i++) await page.keyboard.press('ArrowUp');
  assert.equal(await focusedRow(), [...seen][0]);
  const tabbed = new Set([await focusedRow()]);
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.closest('tr[data-row]')?.getAttribute('data-row'));
    if (!at) break;
    tabbed.add(at);
  }
  assert.equal(tabbed.size, 28, `Tab reached ${[...tabbed].join(' ')}`);
  await page.selectOption('section:has(#results-title) select', 'verification-failed');
  assert.equal(await page.locator('[data-testid=results] tr.verification-failed.bad').count(), 8);

  // Correct the first failed email on its row; the page asks before deleting anything.
  const asked = [];
  page.on('dialog', (dialog) => { asked.push(dialog.message()); dialog.accept(); });
  await page.locator('[data-testid=results] tr.verification-failed button:has-text("Fix email")').first().click();
  // The panel and the question name every destination where the member is deleted, not only the row's.
  const places = ['GuardDuty us-east-1', 'Detective us-east-1', 'GuardDuty eu-west-1', 'Detective eu-west-1'];
  const panel = await page.locator('#repair-title').textContent();
  for (const place of places) assert.ok(panel.includes(place), `${place} in: ${panel}`);
  // A problem is said, and goes once the email is typed again.
  await page.fill('#repair-email', 'x@example');
  await page.click('button:has-text("Delete and add again")');
  await page.locator('.repair .field-problem').filter({ hasText: 'expects a domain with a dot' }).waitFor();
  await page.fill('#repair-email', 'right1@example.com');
  assert.equal(await page.locator('.repair .field-problem').textContent(), '');
  await page.screenshot({ path: `${shots}/14-repair.png`, fullPage: true });
  await page.click('button:has-text("Delete and add again")');
  await finished(page);
  assert.equal(asked.length, 1);
  for (const place of places) assert.ok(asked[0].includes(place), `${place} in: ${asked[0]}`);
  // The line under the table follows the row it describes (the one whose "Fix email" was clicked).
  const detail = await page.locator('[data-testid=detail-full]').textContent();
  assert.match(detail, /deleted(,| and) created again/);
  assert.doesNotMatch(detail, /verification failed/);
  // The list of outcomes shows the filter in effect as its count changes (its option is drawn again).
  const filter = page.locator('section:has(#results-title) select');
  assert.equal(await filter.inputValue(), 'verification-failed');
  assert.equal(await filter.locator('option:checked').textContent(), 'email verification failed (4)');
  // On a phone the table has no Detail column: the line under it has the row's "Fix email".
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await page.locator('[data-testid=results] tr.verification-failed button:has-text("Fix email")').first().isVisible(), false);
  await page.locator('[data-testid=results] tr.verification-failed').first().click();
  await page.locator('[data-testid=detail-full] button:has-text("Fix email")').click();
  await page.fill('#repair-email', 'right2@example.com');
  await page.click('button:has-text("Delete and add again")');
  await finished(page);
  await page.setViewportSize({ width: 1366, height: 768 });
  // … and once no row has it any more: the list says so instead of showing "every row".
  assert.equal(await filter.inputValue(), 'verification-failed');
  assert.equal(await filter.locator('option:checked').textContent(), 'email verification failed (0)');
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/15-repaired.png` });
  const repaired = await exported(page);
  await assertTruth(server, repaired);
  for (const account of ['500000000006', '500000000007']) {
    for (const r of repaired.filter((r) => r.account === account)) {
      assert.equal(r.status, 'invited', `${account} ${r.service} ${r.region}`);
      assert.match(r.action, /^deleted(,| and) created again/, `${account} ${r.service} ${r.region}`);
    }
  }
  assert.equal(await page.locator('[data-testid=summary]').textContent(), 'Every run in the table: 24 invited · 4 enabled');
  assert.deepEqual(errors, []);
  await context.close();
});

test('discovery gives every region its own result at its field, and throttling does not stop it', async () => {
  const server = await serve({ throttleRate: 0.6, seed: 9 });
  const page = await openPage(shared.browser, server).then((o) => o.page);
  await paste(page, '111122224444,a@example.com\n');
  await page.check('#service-detective');
  await choose(page, 'us-east-1, me-south-1');
  assert.match(await page.locator('#destination-0').inputValue(), /^0+e1157111122223333$/, 'found despite throttling');
  assert.match(await page.locator('#destination-1').inputValue(), /^arn:aws:detective:us-east-1:/);
  for (const index of [2, 3]) {
    await page.locator(`#destination-${index}-problem`).filter({ hasText: 'the region is not enabled for this account' }).waitFor();
  }
  await page.screenshot({ path: `${shots}/16-regions.png`, fullPage: true });
  // The other region still goes; the one not enabled is reported on every row.
  await page.click('button.primary:has-text("Send")');
  await finished(page);
  const rows = await exported(page);
  assert.deepEqual(rows.map((r) => `${r.service} ${r.region} ${r.status}`).sort(), [
    'detective me-south-1 unavailable',
    'detective us-east-1 invited',
    'guardduty me-south-1 unavailable',
    'guardduty us-east-1 invited',
  ]);
});
