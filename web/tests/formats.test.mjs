// The lists people really have, in the browser: a CSV that Excel on Windows saved as Windows-1252
// (picked and dropped) and a YAML paste of `aws detective list-members --output yaml`, whose
// member statuses must not exclude anyone. Screenshots go to $ENLIST_SCREENSHOTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { open as openPage, paste, serve } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
const fixtureBytes = (name) => readFileSync(new URL(`../../crates/enlist-core/tests/fixtures/${name}`, import.meta.url));
mkdirSync(shots, { recursive: true });

const shared = useBrowser();
const open = (server) => openPage(shared.browser, server);

test('a Windows-1252 CSV from Excel is read, picked or dropped, and the decoding is reported', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  const counts = page.locator('[data-testid=counts]');
  const bytes = fixtureBytes('excel-windows-1252.csv');
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'the fixture is not UTF-8');
  await page.setInputFiles('input[type=file]', { name: 'excel-windows-1252.csv', mimeType: 'text/csv', buffer: bytes });
  // `renée@` is an error for GuardDuty (7-bit ASCII only); the other two are sent.
  await counts.filter({ hasText: '2 accounts to send in 1 batch · 1 error' }).waitFor();
  // The decoding is said on the page, once, beside the file's name.
  assert.match(
    await page.locator('p.notice').textContent(),
    /^Read excel-windows-1252\.csv \(\d+ bytes\): read as Windows-1252, not UTF-8 \(the byte 0xE9 on line 2 is not UTF-8\)/,
  );
  const text = await page.locator('#list').inputValue();
  assert.ok(text.includes('José Muñoz') && text.includes('Renée “Ops”') && text.includes('Café € budget'), text);
  await page.screenshot({ path: `${shots}/formats-1-windows-1252.png`, fullPage: true });
  // Dropped on the editor: the same reading.
  await paste(page, '');
  const transfer = await page.evaluateHandle((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'dropped.csv', { type: 'text/csv' }));
    return transfer;
  }, [...bytes]);
  await page.dispatchEvent('.editor', 'drop', { dataTransfer: transfer });
  await page.locator('p.notice').filter({ hasText: 'Read dropped.csv' }).filter({ hasText: 'read as Windows-1252' }).waitFor();
  await counts.filter({ hasText: '2 accounts to send in 1 batch · 1 error' }).waitFor();
  assert.ok((await page.locator('#list').inputValue()).includes('José Muñoz'));
  assert.deepEqual(errors, []);
});

test('a YAML paste of Detective members: every account is sent, the member status is said to be ignored', async () => {
  const server = await serve();
  const { page, errors } = await open(server);
  await paste(page, fixtureBytes('detective-list-members.yaml').toString('utf8'));
  const counts = page.locator('[data-testid=counts]');
  await counts.filter({ hasText: '3 accounts to send in 1 batch · 0 errors · 0 warnings' }).waitFor();
  assert.match(await counts.textContent(), /read as YAML/);
  const diagnostics = await page.locator('[data-testid=diagnostics] li').allTextContents();
  assert.match(diagnostics[0], /^line 1:1info\[I008\]read as Detective members/);
  assert.ok(!diagnostics.some((d) => d.includes('W003')), 'no member status excludes an account');
  await page.screenshot({ path: `${shots}/formats-2-yaml.png`, fullPage: true });
  assert.deepEqual(errors, []);
});
