// Security Hub as the third service of the same list: one list, checked once, added to GuardDuty,
// Detective and Security Hub in two regions in one run under throttling, with one outcome table
// whose every row is what the emulator holds (read with each service's own ListMembers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { exported, finished, label, members, open, paste, send, serve } from './harness.mjs';
import { useBrowser } from './suite.mjs';

const shots = process.env.ENLIST_SCREENSHOTS ?? '/tmp/enlist-screenshots';
mkdirSync(shots, { recursive: true });
const shared = useBrowser();

const SERVICES = ['guardduty', 'detective', 'securityhub'];
const REGIONS = ['us-east-1', 'eu-west-1'];

test('one list goes to GuardDuty, Detective and Security Hub in two regions under throttling, every row the services\' truth', async () => {
  const config = { verificationDelayMs: 300, organization: true, organizationAccounts: ['600000000003'], securityHubDisabledRegions: [] };
  const server = await serve({ throttleRate: 0.25, seed: 9 }, undefined, ['--emulator-config', JSON.stringify(config)]);
  const { page, errors } = await open(shared.browser, server);
  const list = ['Account ID,Email', ...Array.from({ length: 60 }, (_, i) => `${600000000001 + i},member${i}@example.com`)].join('\n');
  await paste(page, list);
  await page.check('#service-detective');
  await page.check('#service-securityhub');
  assert.equal(await page.locator('#service-securityhub').isChecked(), true);
  await page.locator('[data-testid=counts]').filter({ hasText: '60 accounts to send in 2 batches' }).waitFor();
  await send(page, REGIONS.join(', '));
  // Discovery found each region's hub: its field names the hub, and the administrator came from it.
  const labels = await page.locator('[data-testid=destinations] label').allTextContents();
  assert.ok(labels.includes('Security Hub eu-west-1 hub ARN'), labels.join(' | '));
  await finished(page);
  await page.locator('section:has(#results-title)').screenshot({ path: `${shots}/30-three-services.png` });
  const rows = await exported(page);
  assert.equal(rows.length, 60 * SERVICES.length * REGIONS.length, 'a row per account, service and region');
  for (const service of SERVICES) {
    for (const region of REGIONS) {
      const held = await members(server, service, region);
      const mine = rows.filter((r) => r.service === service && r.region === region);
      assert.equal(mine.length, 60, `${service} ${region}`);
      for (const row of mine) {
        assert.equal(row.status, label(held[row.account]) ?? 'absent', `${service} ${region} ${row.account}`);
      }
    }
  }
  const hub = (account) => rows.find((r) => r.service === 'securityhub' && r.region === 'eu-west-1' && r.account === account);
  assert.deepEqual([hub('600000000001').status, hub('600000000001').action], ['invited', 'created and invited by this run']);
  assert.deepEqual([hub('600000000003').status, hub('600000000003').action], ['enabled', 'created by this run'], 'organization accounts are not invited');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('a region where Security Hub is not enabled says so at its field and on its rows; the other region goes on', async () => {
  const config = { verificationDelayMs: 200, securityHubDisabledRegions: ['eu-west-2'] };
  const server = await serve(null, undefined, ['--emulator-config', JSON.stringify(config)]);
  const { page } = await open(shared.browser, server);
  // Security Hub alone needs no email.
  await paste(page, '600000000101\n600000000102\n');
  await page.uncheck('#service-guardduty');
  await page.check('#service-securityhub');
  await page.locator('[data-testid=counts]').filter({ hasText: '2 accounts to send in 1 batch' }).waitFor();
  assert.equal(await page.locator('#find').textContent(), 'Find hubs', 'the button names what it finds');
  await send(page, 'us-east-1, eu-west-2');
  const problem = page.locator('[data-testid=destinations] li.unavailable .field-problem');
  assert.match(await problem.textContent(), /Security Hub is not enabled in this region/);
  await finished(page);
  const rows = await exported(page);
  assert.deepEqual(rows.filter((r) => r.region === 'us-east-1').map((r) => r.status), ['invited', 'invited']);
  assert.deepEqual(rows.filter((r) => r.region === 'eu-west-2').map((r) => r.status), ['unavailable', 'unavailable']);
  await page.context().close();
});
