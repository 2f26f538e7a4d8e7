// The page after Send: where the run stands, said at Send, with the focus moved there; a second
// Send that adds only what is new and keeps the earlier rows; a run that pauses when the proxy
// cannot be reached and resumes losing nothing; discovery's problems at the fields they concern;
// how long a run stays in the browser, and forgetting it; no axe violations in the main states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accounts, choose, exported, finished, label, members, open as openPage, paste, serve, site } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
mkdirSync(shots, { recursive: true });
const shared = useBrowser();
const open = (server) => openPage(shared.browser, server);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const stage = (page) => page.locator('[data-testid=run-state]');
const sendButton = (page) => page.locator('[data-testid=preview] button.primary');
/** Waits until the element with this id or test id has the keyboard's focus (it moves there once the page has drawn the change). */
const focusedOn = (page, id) => page.waitForFunction((id) => (document.activeElement?.id || document.activeElement?.dataset?.testid) === id, id, { timeout: 5_000 });

/** A copy of the site with `config` as its config.json; removed by the caller. */
function siteWith(config) {
  const dir = mkdtempSync(join(tmpdir(), 'enlist-site-'));
  cpSync(site, dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** How many records the page keeps in IndexedDB: [journal records, values beside them]. */
function stored(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open('enlist', 1);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const transaction = db.transaction(['records', 'meta']);
      const counts = [];
      for (const name of ['records', 'meta']) {
        const count = transaction.objectStore(name).count();
        count.onsuccess = () => counts.push([name, count.result]);
      }
      transaction.oncomplete = () => { db.close(); resolve(Object.fromEntries(counts)); };
    };
  }));
}

/** Reloads, waits for the kept run's notice (`summary`, then `earlier` in it) and shows its outcomes. */
async function reloadAndShow(page, summary, earlier) {
  await page.reload();
  await page.locator('.saved').filter({ hasText: summary }).waitFor();
  assert.match(await page.locator('.saved').textContent(), earlier);
  await page.click('text=Show its outcomes');
  await page.locator('[data-testid=run-state][data-stage=finished]').waitFor();
}

/** axe's violations on the page as it is now, one line each. */
async function violations(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }));
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a finished run says so at Send, which is then done; a changed list sends only its new accounts and keeps the earlier rows', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, accounts(3, 600000000000));
  await choose(page, 'us-east-1');
  assert.equal(await sendButton(page).textContent(), 'Send');
  // Pressed from the keyboard: the focus goes to the run's state, and stays there when it ends.
  await sendButton(page).focus();
  await page.keyboard.press('Enter');
  await stage(page).waitFor();
  await page.locator('[data-testid=run-state][data-stage=finished]').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('#run-state-headline').textContent(), 'Finished: every outcome settled');
  await focusedOn(page, 'run-state');
  assert.equal(await page.locator('[data-testid=run-counts]').textContent(), '3 invited');
  // "Go to the outcomes" from the keyboard takes the focus there, not to the page.
  await page.locator('a:has-text("Go to the outcomes")').focus();
  await page.keyboard.press('Enter');
  await focusedOn(page, 'results-title');
  // Nothing is left to send: Send says so and cannot be pressed.
  assert.equal(await sendButton(page).textContent(), 'Sent');
  assert.equal(await sendButton(page).isDisabled(), true);
  assert.match(await page.locator('[data-testid=send-says]').textContent(), /^This list was sent to these destinations/);
  await page.setViewportSize({ width: 1366, height: 768 });
  await stage(page).evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: `${shots}/20-after-run-1366.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await stage(page).evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: `${shots}/21-after-run-390.png` });
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/22-outcomes-390.png` });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Two accounts more: only they are sent; the first three rows stay as the first run left them.
  await paste(page, accounts(5, 600000000000));
  await sendButton(page).filter({ hasText: 'Send 2 new accounts' }).waitFor();
  assert.match(await page.locator('[data-testid=send-says]').textContent(), /only the 2 accounts the earlier runs of this page did not cover/);
  await sendButton(page).click();
  // The progress is the latest run's: two accounts to one destination.
  await page.locator('[data-testid=progress]').filter({ hasText: /^2 of 2 outcomes settled.*· finished$/ }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=run-state][data-stage=finished]').waitFor();
  const rows = await exported(page);
  assert.deepEqual(rows.map((r) => `${r.account} ${r.status} ${r.action}`), [0, 1, 2, 3, 4].map((i) => `${String(600000000000 + i * 7).padStart(12, '0')} invited created and invited by this run`));
  const held = await members(server, 'guardduty', 'us-east-1');
  for (const row of rows) assert.equal(label(held[row.account]), row.status, row.account);
  assert.equal(await page.locator('[data-testid=summary]').textContent(), 'Every run in the table: 5 invited');
  assert.equal(await page.locator('[data-testid=results] tbody tr:not(.spacer)').count(), 5);
  assert.equal(await sendButton(page).textContent(), 'Sent');
  // A new region: every account goes there, and only there.
  await choose(page, 'us-east-1, eu-west-1');
  await sendButton(page).filter({ hasText: 'Send to 1 new destination' }).waitFor();
  await sendButton(page).click();
  await page.locator('[data-testid=progress]').filter({ hasText: /^5 of 5 outcomes settled.*· finished$/ }).waitFor({ timeout: 60_000 });
  const both = await exported(page);
  assert.equal(both.length, 10);
  assert.deepEqual([...new Set(both.map((r) => r.region))], ['us-east-1', 'eu-west-1']);
  assert.ok(both.every((r) => r.status === 'invited'));
  // The earlier runs come back with the page.
  await reloadAndShow(page, 'The last run in this browser finished: 5 accounts to GuardDuty eu-west-1', /and 2 earlier runs of the same page/);
  assert.equal((await exported(page)).length, 10);
  // A tab closed after Send moved the run before into the earlier runs, before the new run's first
  // record (simulated: the journal's records are gone, the earlier runs are there): the last
  // earlier run comes back as the current one, nothing of it lost.
  await page.evaluate(() => new Promise((resolve, reject) => {
    const request = indexedDB.open('enlist', 1);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const transaction = db.transaction(['records'], 'readwrite');
      transaction.objectStore('records').clear();
      transaction.oncomplete = () => { db.close(); resolve(); };
    };
  }));
  await reloadAndShow(page, 'The last run in this browser finished: 2 accounts to GuardDuty us-east-1', /and 1 earlier run of the same page/);
  assert.equal((await exported(page)).length, 5);
  assert.ok((await stored(page)).records > 0, 'the run that came back is in the journal again');
  assert.deepEqual(errors, []);
});

test('failures of an earlier run of the page are retried and repaired on their own rows', async () => {
  const config = JSON.stringify({ verificationDelayMs: 200, failingEmails: ['wrong@example.com'] });
  const server = await serve({ latencyMs: 1_000, seed: 5 }, undefined, ['--emulator-config', config]);
  const { page, errors } = await open(server);
  page.on('dialog', (dialog) => dialog.accept());
  const wrong = '670000099999,wrong@example.com';
  const many = accounts(150, 670000000000);
  // Run 1: one root email fails its verification.
  await paste(page, `${wrong}\n`);
  await choose(page, 'us-east-1');
  await sendButton(page).click();
  await page.locator('[data-testid=results] tr.verification-failed').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=run-state][data-stage]:not([data-stage=sending])').waitFor({ timeout: 60_000 });
  // Run 2: 150 new accounts, cancelled early, so most of them are left to do.
  await paste(page, `${wrong}\n${many}\n`);
  await sendButton(page).filter({ hasText: 'Send 150 new accounts' }).click();
  await stage(page).filter({ hasText: /^Sending: / }).waitFor();
  await page.click('section:has(#results-title) button:has-text("Cancel")');
  await page.locator('[data-testid=progress]').filter({ hasText: /· cancelled$/ }).waitFor({ timeout: 60_000 });
  // Run 3: two more, which all go through; the failures are now all in earlier runs.
  await paste(page, `${wrong}\n${many}\n${accounts(2, 671000000000)}\n`);
  await sendButton(page).filter({ hasText: 'Send 2 new accounts' }).click();
  await page.locator('[data-testid=progress]').filter({ hasText: /^2 of 2 outcomes settled.*· finished$/ }).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('button:has-text("Retry failures")').isDisabled(), false, 'an earlier run has failures to retry');

  // Retry: run 2's cancelled accounts are sent on their own rows; nothing is added.
  await page.click('button:has-text("Retry failures")');
  await page.locator('[data-testid=progress]').filter({ hasText: /^150 of 150 outcomes settled.*· finished$/ }).waitFor({ timeout: 120_000 });
  let rows = await exported(page);
  assert.equal(rows.length, 153, 'one row per account and destination, as before the retry');
  assert.equal(new Set(rows.map((r) => r.account)).size, 153);
  assert.equal(rows.filter((r) => r.status === 'invited').length, 152, rows.filter((r) => r.status !== 'invited').map((r) => `${r.account} ${r.status}`).join(', '));

  // Fix email on run 1's row, which is an earlier run's.
  await page.locator('[data-testid=results] tr.verification-failed button:has-text("Fix email")').click();
  await page.fill('#repair-email', 'right@example.com');
  await page.click('button:has-text("Delete and add again")');
  await page.locator('[data-testid=progress]').filter({ hasText: /^1 of 1 outcomes? settled.*· finished$/ }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=results] tr.verification-failed').waitFor({ state: 'detached', timeout: 60_000 });
  rows = await exported(page);
  assert.equal(rows.length, 153);
  const held = await members(server, 'guardduty', 'us-east-1');
  assert.equal(Object.keys(held).length, 153);
  for (const row of rows) assert.equal(label(held[row.account]), row.status, row.account);
  assert.ok(rows.every((r) => r.status === 'invited'), rows.filter((r) => r.status !== 'invited').map((r) => `${r.account} ${r.status}`).join(', '));
  assert.equal(await page.locator('button:has-text("Retry failures")').isDisabled(), true);
  // The page's runs come back after a reload, every row as it was.
  await page.reload();
  await page.click('text=Show its outcomes');
  await page.locator('[data-testid=run-state][data-stage=finished]').waitFor();
  assert.equal((await exported(page)).length, 153);
  assert.deepEqual(errors, []);
});

test('a run pauses when the proxy cannot be reached, and resuming loses nothing', async () => {
  const server = await serve({ latencyMs: 300, seed: 2 });
  const { page, errors } = await open(server);
  await paste(page, accounts(300, 610000000000));
  await choose(page, 'us-east-1, eu-west-1');
  await sendButton(page).click();
  await stage(page).filter({ hasText: /^Sending: / }).waitFor();
  await page.waitForTimeout(1_500);
  // The proxy goes away: every request fails to connect.
  await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
  await page.locator('[data-testid=run-state][data-stage=paused]').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#run-state-headline').textContent(), /^Paused: the proxy could not be reached 5 times in a row; [\d,]+ of 600 outcomes settled\. Nothing is lost/);
  await focusedOn(page, 'run-state');
  // The outcomes say it too, for whoever is looking at them.
  assert.match(await page.locator('[data-testid=progress]').textContent(), / · paused: the proxy could not be reached \(Resume above\)$/);
  assert.equal(await sendButton(page).isDisabled(), true);
  assert.match(await page.locator('[data-testid=send-says]').textContent(), /^A run is going on/);
  await page.screenshot({ path: `${shots}/23-paused.png`, fullPage: true });
  // It comes back; resume.
  await page.unroute('**/v1/**');
  await page.click('[data-testid=run-state] button:has-text("Resume")');
  await finished(page);
  await page.locator('[data-testid=run-state][data-stage=finished]').waitFor();
  const rows = await exported(page);
  assert.equal(rows.length, 600);
  for (const region of ['us-east-1', 'eu-west-1']) {
    const held = await members(server, 'guardduty', region);
    assert.equal(Object.keys(held).length, 300, region);
    for (const row of rows.filter((r) => r.region === region)) {
      assert.equal(row.status, 'invited', `${region} ${row.account}`);
      assert.equal(label(held[row.account]), row.status, `${region} ${row.account}`);
    }
  }
  assert.deepEqual(errors, []);
});

test('discovery says what is wrong at the field it concerns: a region list to mend, a refused token, an opt-in region', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, '111122224444,a@example.com\n');
  // A region the proxy does not serve is named once, at the list, with the rest as the fix.
  await page.fill('#regions', 'us-east-1, us-east-9');
  await page.click('text=Find detectors and graphs');
  await page.locator('#regions-problem').filter({ hasText: 'expected regions this proxy serves, found us-east-9: check the spelling, or take it out' }).waitFor();
  await focusedOn(page, 'regions');
  assert.equal(await page.locator('#regions-problem button').textContent(), 'Use us-east-1');
  assert.equal(await page.locator('[data-testid=preview]').count(), 0);
  // A region list with capitals and semicolons gets a fix, and the problem goes when it is used.
  await page.fill('#regions', 'US-EAST-1;me-south-1');
  await page.click('text=Find detectors and graphs');
  await page.locator('#regions-problem').filter({ hasText: 'expected a region such as' }).waitFor();
  await focusedOn(page, 'regions');
  await page.click('#regions-problem button:has-text("Use us-east-1, me-south-1")');
  assert.equal(await page.locator('#regions').inputValue(), 'us-east-1, me-south-1');
  assert.equal(await page.locator('#regions-problem').isVisible(), false);
  // A wrong token: said at the token field, in the connection section, opened.
  const token = await page.evaluate(() => sessionStorage.getItem('enlist.token'));
  await page.evaluate(() => {
    const input = document.querySelector('#token');
    input.value = 'not-the-token';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.click('text=Find detectors and graphs');
  await page.locator('#token-problem').filter({ hasText: 'the proxy refused this token (HTTP 401)' }).waitFor();
  assert.equal(await page.locator('details:has(#token)').getAttribute('open'), '');
  await focusedOn(page, 'token');
  assert.equal(await page.locator('[data-testid=destinations]').count(), 0);
  await page.fill('#token', token);
  assert.equal(await page.locator('#token-problem').isVisible(), false);
  // The opt-in region not enabled for the account: at its own fields, with what to do.
  await page.click('text=Find detectors and graphs');
  await page.waitForSelector('[data-testid=preview]');
  await focusedOn(page, 'destination-0');
  await page.locator('#destination-1-problem').filter({ hasText: 'the region is not enabled for this account' }).waitFor();
  assert.match(await page.locator('#destination-1-problem').textContent(), /enable it or remove it$/);
  assert.equal(await page.locator('#destination-0-problem').isVisible(), false);
  await page.screenshot({ path: `${shots}/24-discovery-problems.png`, fullPage: true });
  // A graph field's example is of its own region.
  await page.check('#service-detective');
  await choose(page, 'ap-southeast-2');
  // The fields are drawn again for the new region (later on a loaded machine): wait for them.
  await page.waitForFunction(() => document.querySelector('#destination-1')?.placeholder?.includes('ap-southeast-2'), null, { timeout: 5_000 });
  await page.fill('#destination-1', '');
  assert.match(await page.locator('#destination-1').getAttribute('placeholder'), /^arn:aws:detective:ap-southeast-2:/);
  assert.deepEqual(errors, []);
});

test('a finished run stays in the browser for keepRunsDays, then goes; "Forget this run" deletes it at once', async () => {
  const dir = siteWith({ keepRunsDays: 1 });
  try {
    const server = await serve(undefined, dir);
    const { page, errors } = await open(server);
    await paste(page, accounts(2, 620000000000));
    await choose(page, 'us-east-1');
    await sendButton(page).click();
    await page.locator('[data-testid=run-state][data-stage=finished]').waitFor({ timeout: 60_000 });
    await page.reload();
    const saved = page.locator('.saved');
    await saved.filter({ hasText: /^The last run in this browser finished: 2 accounts to GuardDuty us-east-1 · started (just now|1 minute ago): 2 invited\./ }).waitFor();
    assert.match(await saved.textContent(), /stay in this browser for 1 day after it finishes/);
    assert.equal(await saved.locator('button:has-text("Resume")').count(), 0, 'a finished run is not offered to resume');
    // Two days later the run is gone from storage, list and all, and nothing is offered.
    // (A context of its own, with this one's storage: a clock set forward holds for every page
    // of a context.)
    const laterContext = await shared.browser.newContext({ storageState: await page.context().storageState({ indexedDB: true }) });
    await laterContext.clock.setFixedTime(Date.now() + 2 * 24 * 60 * 60 * 1000);
    const later = await laterContext.newPage();
    assert.ok((await stored(page)).records > 0);
    await later.goto(`${server.url}/`);
    await later.waitForSelector('#list');
    for (let i = 0; i < 100 && (await stored(later)).records > 0; i++) await later.waitForTimeout(50);
    assert.deepEqual(await stored(later), { records: 0, meta: 0 });
    assert.equal(await later.locator('.saved').count(), 0);
    await laterContext.close();

    // Forget: at once, from the outcomes.
    await page.reload();
    await paste(page, accounts(2, 630000000000));
    await choose(page, 'us-east-1');
    await sendButton(page).click();
    await page.locator('[data-testid=run-state][data-stage=finished]').waitFor({ timeout: 60_000 });
    assert.ok((await stored(page)).records > 0);
    await page.click('section:has(#results-title) button:has-text("Forget this run")');
    await page.locator('section:has(#results-title)').waitFor({ state: 'detached' });
    for (let i = 0; i < 100 && (await stored(page)).records > 0; i++) await page.waitForTimeout(50);
    assert.deepEqual(await stored(page), { records: 0, meta: 0 });
    await page.reload();
    await page.waitForSelector('#list');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.saved').count(), 0);
    // Sending is a first run again.
    await paste(page, accounts(2, 630000000000));
    await choose(page, 'us-east-1');
    assert.equal(await sendButton(page).textContent(), 'Send');
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unfinished run goes too, keepRunsDays after its last answer', async () => {
  const server = await serve({ latencyMs: 300, seed: 4 });
  const { page, errors } = await open(server);
  await paste(page, accounts(200, 650000000000));
  await choose(page, 'us-east-1');
  await sendButton(page).click();
  await stage(page).filter({ hasText: /^Sending: / }).waitFor();
  await page.waitForTimeout(1_000);
  await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
  await page.locator('[data-testid=run-state][data-stage=paused]').waitFor({ timeout: 60_000 });
  // The tab is closed on a paused run: the next visit offers to resume it ...
  await page.reload();
  await page.locator('.saved button:has-text("Resume")').waitFor();
  // Its time in storage counts from its last answer (it never finished).
  assert.match(await page.locator('.saved').textContent(), /stay in this browser for 7 days after its last answer, or until you forget them/);
  // ... until the default 7 days have passed since its last answer; then it is deleted, list and all.
  const state = await page.context().storageState({ indexedDB: true });
  const at = async (days) => {
    const context = await shared.browser.newContext({ storageState: state });
    await context.clock.setFixedTime(Date.now() + days * 24 * 60 * 60 * 1000);
    const later = await context.newPage();
    await later.goto(`${server.url}/`);
    await later.waitForSelector('#list');
    return { context, later };
  };
  const soon = await at(6);
  await soon.later.locator('.saved button:has-text("Resume")').waitFor();
  await soon.context.close();
  const late = await at(8);
  for (let i = 0; i < 100 && (await stored(late.later)).records > 0; i++) await late.later.waitForTimeout(50);
  assert.deepEqual(await stored(late.later), { records: 0, meta: 0 });
  assert.equal(await late.later.locator('.saved').count(), 0);
  await late.context.close();
  assert.deepEqual(errors, []);
});

test('a fix moves the focus to the next fix, then to the counts', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, '11112222333,a@example.com\n11112222444,b@example.com\n');
  await page.locator('[data-testid=diagnostics] button.fix').first().waitFor();
  assert.equal(await page.locator('button:has-text("Apply all 2 suggested fixes")').count(), 1);
  await page.locator('[data-testid=diagnostics] button.fix').first().focus();
  await page.keyboard.press('Enter');
  await page.locator('button:has-text("Apply the suggested fix")').waitFor();
  await page.waitForFunction(() => document.activeElement?.classList.contains('fix'));
  await page.keyboard.press('Enter');
  await page.locator('[data-testid=counts]').filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'counts');
  assert.deepEqual(errors, []);
});

test('axe finds no violations: empty, a list with problems, the preview open, after a run', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  assert.deepEqual(await violations(page), [], 'empty');
  await paste(page, readFileSync(new URL('../../crates/enlist-core/tests/fixtures/mixed-problems.csv', import.meta.url), 'utf8'));
  await page.locator('[data-testid=diagnostics] li').first().waitFor();
  assert.deepEqual(await violations(page), [], 'a list with problems');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('section:has(#input-title)').screenshot({ path: `${shots}/25-problems-390.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.check('#service-detective');
  await choose(page, 'us-east-1');
  await page.click('[data-testid=preview] summary');
  assert.deepEqual(await violations(page), [], 'the preview open');
  await page.check('label.skip input');
  await sendButton(page).click();
  await finished(page);
  await page.locator('[data-testid=run-state][data-stage]').waitFor();
  assert.deepEqual(await violations(page), [], 'after a run');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.deepEqual(await violations(page), [], 'after a run, on a phone');
  assert.deepEqual(errors, []);
});

test('skipped JSON accounts keep their ID and email in the table and the export, not the raw line', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, JSON.stringify([
    { AccountId: '111122224444', Email: 'good@example.com' },
    { AccountId: '12345', Email: 'short@example.com' },
    { AccountId: '111122225555', Email: 'not an email' },
  ], null, 1));
  await page.locator('[data-testid=counts]').filter({ hasText: '1 account to send in 1 batch · 2 errors' }).waitFor();
  await choose(page, 'us-east-1');
  await page.check('label.skip input');
  await sendButton(page).click();
  await finished(page);
  const skipped = (await exported(page)).filter((r) => r.status === 'skipped');
  assert.deepEqual(skipped.map((r) => [r.account, r.email]), [['12345', ''], ['', 'not an email']]);
  await page.selectOption('section:has(#results-title) select', 'skipped');
  const shown = await page.locator('[data-testid=results] tbody tr:not(.spacer) td:nth-child(2)').allTextContents();
  assert.deepEqual(shown, ['12345', '']);
  assert.ok(shown.every((account) => !account.includes('{')));
  assert.deepEqual(errors, []);
});

test('only what the form shows is sent: a region taken out or a service unticked after Find is left out, one added waits for Find', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, accounts(2, 610000000000));
  await page.check('#service-detective');
  await choose(page, 'us-east-1, eu-west-1');
  const labels = () => page.locator('[data-testid=destinations] li label').allTextContents();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=destinations] li').length === 4);
  // eu-west-1 taken out: its fields go, without another Find.
  await page.fill('#regions', 'us-east-1');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=destinations] li').length === 2);
  assert.deepEqual(await labels(), ['GuardDuty us-east-1 detector ID', 'Detective us-east-1 behavior graph ARN']);
  // Detective unticked: its field goes too.
  await page.uncheck('#service-detective');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=destinations] li').length === 1);
  // A region added since Find has no detector yet: nothing can be sent until Find runs.
  await page.fill('#regions', 'us-east-1, us-west-2');
  await page.locator('[data-testid=destinations-stale]').filter({ hasText: 'expected a detector or behavior graph for GuardDuty us-west-2, found none yet' }).waitFor();
  assert.equal(await page.locator('[data-testid=preview]').count(), 0);
  await page.fill('#regions', 'us-east-1');
  await page.locator('[data-testid=preview] button.primary').click();
  await finished(page);
  const rows = await exported(page);
  assert.deepEqual(rows.map((r) => `${r.service} ${r.region} ${r.status}`), ['guardduty us-east-1 invited', 'guardduty us-east-1 invited']);
  // The emulator agrees: nothing reached eu-west-1 or Detective.
  assert.deepEqual(Object.keys(await members(server, 'guardduty', 'eu-west-1')), []);
  assert.deepEqual(Object.keys(await members(server, 'detective', 'us-east-1')), []);
  assert.equal(Object.keys(await members(server, 'guardduty', 'us-east-1')).length, 2);
  assert.deepEqual(errors, []);
});
