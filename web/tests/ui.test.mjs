// Enlist's UI in Debian's Chromium, driven by Playwright, against `enlist serve --emulator` serving
// the release build. Screenshots of each step go to $ENLIST_SCREENSHOTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdirSync, mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGIONS, accounts, choose, exported, finished, label, members, open as openPage, paste, send, serve, site } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
const fixture = (name) => readFileSync(new URL(`../../crates/enlist-core/tests/fixtures/${name}`, import.meta.url), 'utf8');
mkdirSync(shots, { recursive: true });

const shared = useBrowser();
const open = (server) => openPage(shared.browser, server);

/** The count in an outcome option: `cancelled (9,620)` → 9620. */
const count = (option) => Number(option.match(/\(([\d,]+)\)$/)[1].replaceAll(',', ''));


test('a mixed paste shows every problem on its line, and a fix can be applied', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  assert.equal(await page.locator('[data-testid=counts]').textContent(), 'Paste a list above, open a file, or load the example.');
  // enlist serve sent the module as its precompressed copy: it crossed the wire at under half its size.
  const [encoded, decoded] = await page.evaluate(() => {
    const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
    return [wasm.encodedBodySize, wasm.decodedBodySize];
  });
  assert.ok(encoded > 0 && encoded < decoded / 2, `the module crossed as ${encoded} bytes of ${decoded}`);
  // A newcomer's console stays clean: no failed request (config.json included) and no error.
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.reload();
  await page.waitForSelector('#list');
  await page.locator('[data-testid=counts]').filter({ hasText: 'Paste a list above' }).waitFor();
  assert.deepEqual(consoleErrors, []);
  await page.screenshot({ path: `${shots}/1-empty.png`, fullPage: true });
  await paste(page, fixture('mixed-problems.csv'));
  const counts = page.locator('[data-testid=counts]');
  // The proxy names the administrator (the emulator's 111122223333): both of its lines are left out.
  await assert.doesNotReject(counts.filter({ hasText: '4 accounts to send in 1 batch · 7 errors · 4 warnings' }).waitFor());
  const diagnostics = await page.locator('[data-testid=diagnostics] li').allTextContents();
  assert.equal(diagnostics.length, 14);
  assert.match(diagnostics[2], /^line 2:1warning\[W002\]account 111122223333 is the administrator account/);
  assert.match(diagnostics[3], /^line 3:1error\[E003\]expected a 12-digit account ID, found 11 digits/);
  // The gutter marks the lines with errors.
  const marked = await page.locator('.gutter .error').allTextContents();
  assert.ok(marked.includes('3'), marked.join(','));
  // Clicking a diagnostic selects its text in the editor and highlights its line.
  await page.click('[data-testid=diagnostics] li:nth-child(4) button.where');
  await page.locator('[data-testid=highlight][data-line="3"]').waitFor();
  const selected = await page.evaluate(() => {
    const list = document.querySelector('#list');
    return { text: list.value.slice(list.selectionStart, list.selectionEnd), focused: document.activeElement === list };
  });
  assert.deepEqual(selected, { text: '11112222333', focused: true });
  await page.screenshot({ path: `${shots}/2-problems.png`, fullPage: true });
  await page.click('button.fix:has-text("Use 011112222333")');
  await counts.filter({ hasText: '5 accounts to send in 1 batch · 6 errors' }).waitFor();
  // With errors left, sending needs a deliberate choice to skip those lines.
  await choose(page, 'us-east-1');
  await page.locator('label.skip').waitFor();
  assert.equal(await page.locator('button.primary:has-text("Send")').isDisabled(), true);
  await page.check('label.skip input');
  await page.click('button.primary:has-text("Send")');
  await finished(page);
  const outcomes = await page.locator('select option').allTextContents();
  // The five valid accounts were sent; the six lines with errors and the administrator's two
  // are listed as skipped, not dropped.
  assert.deepEqual(outcomes, ['every row (13)', 'invited (5)', 'skipped (8)']);
  // The run's counts at Send name the lines it left out too.
  assert.equal(await page.locator('[data-testid=run-counts]').textContent(), '5 invited · 8 lines skipped');
  assert.deepEqual(errors, []);
});

test('the list is checked before the rest of the page arrives; a later module that does not arrive is said, and tried again', async () => {
  // The shipped site is in two modules: what checks a list, and the rest (enlist-later-….wasm).
  assert.ok(readdirSync(site).some((f) => /^enlist-later-[0-9a-f]+\.wasm$/.test(f)), 'the site has no later module');
  const server = await serve();
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  let blocked = true;
  await page.route(/enlist-later-[0-9a-f]+\.wasm$/, (route) => (blocked ? route.abort() : route.continue()));
  await page.goto(`${server.url}/#token=${server.token}`);
  await page.locator('[data-testid=later-failed]').waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('#regions').count(), 0);
  // Pasting and checking need none of it.
  await paste(page, accounts(3, 600_000_000_000));
  await page.locator('[data-testid=counts]').filter({ hasText: '3 accounts to send in 1 batch · 0 errors' }).waitFor();
  await page.screenshot({ path: `${shots}/0-later-failed.png`, fullPage: true });
  blocked = false;
  // From the keyboard: the focus goes to the section the module brought, not to the page's body.
  await page.focus('button:has-text("Try again")');
  await page.keyboard.press('Enter');
  await page.locator('#regions').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'service-guardduty');
  assert.equal(await page.locator('[data-testid=later-failed]').count(), 0);
  await send(page, 'us-east-1');
  await finished(page);
  assert.deepEqual(await page.locator('select option').allTextContents(), ['every row (3)', 'invited (3)']);
  // A search that matches no row says so, and the table comes back when it is cleared.
  await page.fill('input[type=search]', 'nothing-like-this');
  await page.locator('[data-testid=no-rows]').filter({ hasText: 'No row matches the outcome and the search chosen above.' }).waitFor();
  // The search ignores case, and the spaces around what is typed or pasted: one account's email in
  // capitals finds its row alone.
  await page.fill('input[type=search]', ' MEMBER1@ ');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=results] tbody tr[data-line]').length === 1);
  assert.match(await page.locator('[data-testid=results] tbody tr[data-line]').textContent(), /member1@example\.com/);
  await page.fill('input[type=search]', '');
  await page.locator('[data-testid=results] tbody tr[data-line]').first().waitFor();
  assert.equal(await page.locator('[data-testid=no-rows]').count(), 0);
  // A reload that cannot fetch the later module finds the finished run once "Try again" brings it.
  blocked = true;
  await page.reload();
  await page.locator('[data-testid=later-failed]').waitFor();
  assert.equal(await page.locator('.saved').count(), 0);
  // Every load the page starts by itself (one waits for config.json) has failed before the module
  // can arrive: else one of them may bring it first and take "Try again" away.
  await page.waitForLoadState('networkidle');
  blocked = false;
  await page.click('button:has-text("Try again")');
  await page.locator('.saved').filter({ hasText: 'The last run in this browser finished' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('500 accounts to two regions under throttling, 5xx and dropped connections: every row is what the service holds', async () => {
  const server = await serve({ throttleRate: 0.2, errorRate: 0.1, dropRate: 0.05, seed: 5 });
  const { page, errors } = await open(server);
  await paste(page, accounts(500, 100000000000));
  await page.locator('[data-testid=counts]').filter({ hasText: '500 accounts to send in 10 batches' }).waitFor();
  await send(page, 'us-east-1, eu-west-1');
  await page.screenshot({ path: `${shots}/3-sending.png`, fullPage: true });
  await finished(page);
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/4-results.png` });
  const rows = await exported(page);
  assert.deepEqual(Object.keys(rows[0]), ['line', 'account', 'email', 'service', 'region', 'status', 'action', 'detail', 'error_code', 'request_id']);
  assert.equal(rows.length, 1000, 'one row per account and region');
  assert.ok(rows.every((r) => r.status === 'invited' && r.action === 'created and invited by this run'), 'nothing lost, nothing mislabelled');
  // What the page shows is exactly what the service holds, account by account.
  for (const region of ['us-east-1', 'eu-west-1']) {
    const held = await members(server, 'guardduty', region);
    for (const row of rows.filter((r) => r.region === region)) assert.equal(label(held[row.account]), row.status, `${region} ${row.account}`);
  }
  assert.equal(await page.locator('[data-testid=summary]').textContent(), '1,000 invited');
  // The faults met on the way are counted beside the throttling, region by region.
  assert.match(await page.locator('ul.lanes').textContent(), /server error or lost connection \d+×/);
  assert.deepEqual(errors, []);
});

test('a reload in the middle of a faulty run resumes it, reads back what was in flight, and loses nothing', async () => {
  const server = await serve({ latencyMs: 400, throttleRate: 0.2, errorRate: 0.1, dropRate: 0.05, seed: 1 });
  const { page, errors } = await open(server);
  await paste(page, accounts(300, 200000000000));
  await page.check('#service-detective');
  await page.fill('#message', 'Welcome to the security team');
  await send(page, 'us-east-1');
  await page.locator('[data-testid=progress]').waitFor();
  await page.waitForTimeout(2_500);
  await page.reload();
  await page.locator('.saved').filter({ hasText: 'A run that had not finished is kept in this browser: 300 accounts to GuardDuty us-east-1, Detective us-east-1' }).waitFor();
  await page.click('text=Resume it');
  // The list comes back with the run, and the invitation it was sent with.
  await page.waitForFunction(() => document.querySelector('#list').value.startsWith('200000000000,member0@example.com'));
  assert.equal(await page.locator('#message').inputValue(), 'Welcome to the security team');
  await page.screenshot({ path: `${shots}/5-resumed.png`, fullPage: true });
  await finished(page);
  const rows = await exported(page);
  assert.equal(rows.length, 600);
  for (const service of ['guardduty', 'detective']) {
    const held = await members(server, service, 'us-east-1');
    assert.equal(Object.keys(held).length, 300, service);
    for (const row of rows.filter((r) => r.service === service)) {
      assert.equal(label(held[row.account]), row.status, `${service} ${row.account}`);
      assert.equal(row.status, 'invited');
      assert.match(row.action, /^created/, `${service} ${row.account}: created by this run, never "already a member"`);
    }
  }
  // A finished run offers no resume in a new page; its outcomes can be shown.
  await page.reload();
  await page.locator('.saved').filter({ hasText: 'The last run in this browser finished: 300 accounts to GuardDuty us-east-1, Detective us-east-1 · started' }).waitFor();
  assert.equal(await page.locator('.saved button:has-text("Resume")').count(), 0);
  assert.deepEqual(errors, []);
});

test('markup in an email or a line stays text', async () => {
  const server = await serve();
  const { page } = await open(server);
  await paste(page, '111122223333,<img src=x onerror="window.__xss=1">@example.com\n<script>window.__xss=2</script>\n');
  await page.locator('[data-testid=diagnostics] li').first().waitFor();
  const text = await page.locator('[data-testid=diagnostics]').textContent();
  assert.ok(text.includes('<img src=x onerror="window.__xss=1">@example.com'), text);
  assert.ok(text.includes('<script>window.__xss=2</script>'), text);
  assert.equal(await page.locator('[data-testid=diagnostics] img, [data-testid=diagnostics] script').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await page.screenshot({ path: `${shots}/6-inert.png`, fullPage: true });
});

test('files: a UTF-16 export is read, a spreadsheet is refused with a way out, a dropped file replaces the list', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const counts = page.locator('[data-testid=counts]');
  // Excel's "Unicode text" is UTF-16 with a byte order mark and tabs.
  const text = 'Account ID\tEmail\r\n111122224444\ta@example.com\r\n111122225555\tb@example.com\r\n';
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  await page.setInputFiles('input[type=file]', { name: 'accounts.txt', mimeType: 'text/plain', buffer: utf16 });
  await counts.filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
  assert.match(await page.locator('p.notice').textContent(), /^Read accounts\.txt \(\d+ bytes\)$/);
  await page.setInputFiles('input[type=file]', { name: 'accounts.xlsx', mimeType: 'application/octet-stream', buffer: Buffer.from('PK') });
  await page.locator('p.notice.bad').filter({ hasText: 'expected a .csv, .tsv, .txt, .json or .yaml file, found the spreadsheet accounts.xlsx' }).waitFor();
  assert.ok((await page.locator('#list').inputValue()).includes('111122224444'), 'a refused file leaves the list alone');
  await page.setInputFiles('input[type=file]', { name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.from('111122226666,ren\xe9@example.com\n', 'latin1') });
  // Not UTF-8: read as Windows-1252 (what Excel on Windows writes), and said so.
  await page.locator('p.notice').filter({ hasText: 'Read latin1.csv' }).filter({ hasText: 'read as Windows-1252' }).waitFor();
  assert.ok((await page.locator('#list').inputValue()).includes('111122226666,ren\u00e9@example.com'));
  // Drop a JSON file on the editor.
  const transfer = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    const json = JSON.stringify({ Accounts: [{ Id: '111122227777', Email: 'c@example.com', Status: 'ACTIVE' }] });
    data.items.add(new File([json], 'list-accounts.json', { type: 'application/json' }));
    return data;
  });
  await page.dispatchEvent('.editor', 'drop', { dataTransfer: transfer });
  await counts.filter({ hasText: '1 account to send in 1 batch' }).waitFor();
  assert.match(await counts.textContent(), /read as JSON$/);
  await page.screenshot({ path: `${shots}/7-file.png`, fullPage: true });
  assert.deepEqual(errors, []);
});

test('config.json presets Detective; the graph gives the administrator; bad values are named; organization mode sends IDs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'enlist-site-'));
  try {
    cpSync(site, dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ services: ['detective'], regions: ['us-east-1'], detectiveMessage: 'Security is adding your account' }));
    const server = await serve(undefined, dir);
    const { page, errors } = await open(server);
    await page.locator('#message').waitFor();
    assert.equal(await page.locator('#message').inputValue(), 'Security is adding your account');
    assert.equal(await page.locator('#service-guardduty').isChecked(), false);
    await paste(page, '111122224444\n111122225555\n');
    await page.locator('[data-testid=counts]').filter({ hasText: '2 errors' }).waitFor();
    await choose(page, 'us-east-1');
    // The graph ARN names the administrator account, which is filled in.
    const arn = await page.locator('#destination-0').inputValue();
    assert.match(arn, /^arn:aws:detective:us-east-1:111122223333:graph:[0-9a-f]{32}$/);
    assert.equal(await page.locator('#admin').inputValue(), '111122223333');
    // A message Detective would refuse is named at the field and nothing can be sent.
    await page.fill('#message', 'x'.repeat(1001));
    await page.locator('#message-problem').filter({ hasText: 'expected an invitation message of 1 to 1,000 characters for Detective, found 1,001' }).waitFor();
    assert.equal(await page.locator('[data-testid=preview]').count(), 0);
    await page.fill('#message', 'Security is adding your account');
    // A typed graph ARN is checked as typed.
    await page.fill('#destination-0', 'arn:aws:detective:eu-west-1:111122223333:graph:0123');
    await page.locator('#destination-0').dispatchEvent('change');
    await page.locator('#destination-0-problem').filter({ hasText: 'expected' }).waitFor();
    await page.fill('#destination-0', arn);
    await page.locator('#destination-0').dispatchEvent('change');
    // Organization mode: the accounts need no email, and none is invited.
    await page.check('text=Organization behavior graph >> input');
    await page.locator('[data-testid=counts]').filter({ hasText: '2 accounts to send in 1 batch · 0 errors' }).waitFor();
    assert.equal(await page.locator('#message').isDisabled(), true);
    await page.click('[data-testid=preview] summary');
    const request = await page.locator('[data-testid=preview] pre').textContent();
    assert.ok(request.startsWith('POST /graph/members'), request);
    const body = JSON.parse(request.slice(request.indexOf('\n')));
    assert.deepEqual(body.Accounts, [{ AccountId: '111122224444' }, { AccountId: '111122225555' }]);
    assert.equal(body.Message, undefined);
    await page.screenshot({ path: `${shots}/8-detective.png`, fullPage: true });
    await page.click('button.primary:has-text("Send")');
    await finished(page);
    const outcomes = await page.locator('select option').allTextContents();
    assert.ok(outcomes.includes('enabled (2)'), outcomes.join(' | '));
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('10,000 outcome rows scroll with only the visible rows drawn; cancel, copy and retry the rest', async () => {
  const server = await serve({ latencyMs: 30, seed: 3 });
  const { page, errors } = await open(server);
  // 1,000 accounts (GuardDuty's member quota) to ten regions: 10,000 rows.
  await paste(page, accounts(1000, 300000000000));
  await page.locator('[data-testid=counts]').filter({ hasText: '1,000 accounts to send in 20 batches' }).waitFor();
  await send(page, REGIONS.join(','));
  await page.locator('[data-testid=progress]').filter({ hasText: /^[1-9][\d,]* of 10,000 outcomes settled/ }).waitFor({ timeout: 60_000 });
  await page.click('button:has-text("Cancel")');
  await page.locator('[data-testid=progress]').filter({ hasText: /of 10,000 outcomes settled · 0 in flight .* · cancelled$/ }).waitFor({ timeout: 30_000 });
  const drawn = await page.locator('[data-testid=results] tbody tr:not(.spacer)').count();
  assert.ok(drawn > 10 && drawn < 60, `${drawn} rows drawn of 10,000`);
  // Scroll to the end: the last account's rows are drawn, still only a window of rows.
  await page.evaluate(() => { const t = document.querySelector('.table-wrap'); t.scrollTop = t.scrollHeight; });
  await page.locator('[data-testid=results] tr[data-line="1000"]').first().waitFor();
  assert.ok((await page.locator('[data-testid=results] tbody tr:not(.spacer)').count()) < 60);
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/9-ten-thousand.png` });
  // What the cancel cut short (not created yet, or created and not invited yet) is the failures:
  // copy them, then retry them in place.
  const outcomes = await page.locator('select option').allTextContents();
  const unfinished = outcomes.slice(1).filter((o) => !o.startsWith('invited')).reduce((sum, o) => sum + count(o), 0);
  assert.ok(unfinished > 0, outcomes.join(' | '));
  await page.click('text=Copy failures as a new list');
  const copied = (await page.evaluate(() => navigator.clipboard.readText())).trim().split('\n');
  assert.equal(copied[0], 'Account ID,Email');
  assert.ok(copied.length > 1, 'the failures are listed');
  const list = await page.locator('#list').inputValue();
  const said = page.locator('section:has(#results-title) [role=status]');
  assert.match(await said.textContent(), /^Copied [\d,]+ accounts? to retry/);
  await page.click('text=Retry failures');
  await finished(page);
  // What the copy said was about the failures before the retry: it is gone with them.
  assert.equal(await said.textContent(), '');
  assert.equal(await page.locator('#list').inputValue(), list, 'retried in place: the list stays as it was');
  assert.deepEqual(await page.locator('select option').allTextContents(), ['every row (10,000)', 'invited (10,000)']);
  for (const region of REGIONS) assert.equal(Object.keys(await members(server, 'guardduty', region)).length, 1000, region);
  assert.deepEqual(errors, []);
});

test('the preview shows exactly the requests the core plans for the shared fixture (as the CLI and buildRequests send them)', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const list = readFileSync(new URL('../../crates/enlist-core/tests/plan/list.csv', import.meta.url), 'utf8');
  const expected = JSON.parse(readFileSync(new URL('../../crates/enlist-core/tests/plan/requests.json', import.meta.url), 'utf8'));
  await paste(page, list);
  await page.check('#service-detective');
  await page.fill('#message', 'Security is adding your account');
  await page.check('#no-email');
  await choose(page, 'eu-west-1');
  const shown = [];
  for (const batch of [1, 2]) {
    await page.fill('[data-testid=preview] input[type=number]', String(batch));
    await page.locator('[data-testid=preview] input[type=number]').dispatchEvent('change');
    for (const summary of await page.locator('[data-testid=preview] summary').all()) await summary.click();
    for (const pre of await page.locator('[data-testid=preview] pre').allTextContents()) {
      const [line, ...body] = pre.split('\n');
      shown.push({ line, body: JSON.parse(body.join('\n')) });
    }
  }
  // The plan's order is destination by destination; the preview shows one batch of each at a time.
  const ordered = [expected[0], expected[2], expected[1], expected[3]];
  assert.deepEqual(shown.map((s) => s.line), ordered.map((r) => `${r.method} ${r.path.replace(/^\/v1\/\w+\/[\w-]+/, '')}`));
  assert.deepEqual(shown.map((s) => s.body), ordered.map((r) => r.body));
  assert.deepEqual(errors, []);
});
