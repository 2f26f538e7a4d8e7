// The page at the scale of a delegated administrator, for `cargo xtask bench scale-ui`: 10,000
// accounts × 17 regions × GuardDuty and Detective (340,000 outcomes) sent from Debian's Chromium
// through `enlist serve --emulator` (organization accounts, as in `cargo xtask bench scale`), the
// page reloaded halfway and the run resumed. Measured in the page: every long task (over 50 ms) of
// the main thread while the run goes on, the app's handling of each answer (the engine's poll and
// the records it hands over, `enlist:answer`), the synchronous part of each journal write to
// IndexedDB (`enlist:journal`), and scroll steps in the 340,000-row table once it is done. Then
// every member is read back from the emulator. Prints a Markdown table and a `<!-- figures: … -->`
// line on stdout; exits non-zero if any outcome is not what the service holds.
import { accounts, launch, members, open, paste, scrollSteps, serve, site, stopServers } from './harness.mjs';

const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1',
  'eu-north-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-south-1', 'sa-east-1',
];
const ACCOUNTS = 10_000;
const OUTCOMES = ACCOUNTS * REGIONS.length * 2;

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => (xs.length ? sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * q))] : 0);
const max = (xs) => (xs.length ? Math.max(...xs) : 0);
const ms = (x) => x.toFixed(1);

// Installed before the app loads, on every load: long tasks as they happen, and the app's own
// measures of its hot paths switched on.
const OBSERVE = () => {
  window.enlistTrace = true;
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
};

// In the page: what was measured since the last call, and the measures cleared.
const COLLECT = () => {
  const of = (name) => performance.getEntriesByName(name).map((e) => ({ start: e.startTime, duration: e.duration }));
  const out = { long: window.__long, answer: of('enlist:answer'), journal: of('enlist:journal') };
  window.__long = [];
  performance.clearMeasures();
  performance.clearMarks();
  return out;
};

const settled = async (page) => {
  const text = (await page.locator('[data-testid=progress]').textContent().catch(() => '')) ?? '';
  const match = text.match(/^([\d,]+) of ([\d,]+) outcomes settled/);
  return match ? Number(match[1].replaceAll(',', '')) : 0;
};

const server = await serve(undefined, site, ['--emulator-config', JSON.stringify({ organization: true, detectiveQuota: 20000 })]);
const browser = await launch();
try {
  const { page, errors } = await open(browser, server);
  await page.context().addInitScript(OBSERVE);
  await page.reload();
  await page.waitForSelector('#list');
  await paste(page, accounts(ACCOUNTS, 720_000_000_000));
  await page.locator('[data-testid=counts]').filter({ hasText: '10,000 accounts to send in 200 batches' }).waitFor({ timeout: 60_000 });
  await page.check('#service-guardduty');
  await page.check('#service-detective');
  await page.check('text=Organization behavior graph >> input');
  await page.fill('#regions', REGIONS.join(', '));
  await page.click('text=Find detectors and graphs');
  await page.waitForSelector('[data-testid=preview]', { timeout: 120_000 });
  await page.evaluate(COLLECT);

  // First half, then the page is reloaded as a closed tab would be, and the run resumed.
  const started = Date.now();
  await page.click('[data-testid=preview] button.primary');
  while ((await settled(page)) < OUTCOMES / 2) await page.waitForTimeout(250);
  const first = await page.evaluate(COLLECT);
  const atReload = await settled(page);
  await page.reload();
  await page.locator('.saved button:has-text("Resume")').click({ timeout: 60_000 });
  const resumed = Date.now();
  await page.locator('[data-testid=progress]').filter({ hasText: /· finished$/ }).waitFor({ timeout: 30 * 60_000 });
  const wall = (Date.now() - started) / 1000;
  const resumeToEnd = (Date.now() - resumed) / 1000;
  const second = await page.evaluate(COLLECT);
  const outcomes = await page.locator('select option').allTextContents();

  // Scroll steps in the whole table.
  const scroll = await scrollSteps(page, 300_000);

  // What the service holds, every member of every graph and detector.
  let held = 0;
  let wrong = 0;
  for (const region of REGIONS) {
    for (const service of ['guardduty', 'detective']) {
      const found = await members(server, service, region);
      for (const status of Object.values(found)) {
        held += 1;
        if (!['Enabled', 'ENABLED'].includes(status)) wrong += 1;
      }
    }
  }

  const long = [...first.long, ...second.long].map((e) => e.duration);
  const answer = [...first.answer, ...second.answer].map((e) => e.duration);
  const journal = [...first.journal, ...second.journal].map((e) => e.duration);
  // The app's own measured work inside each long task: its answers handled and journal writes.
  const inside = (tasks, measures) => tasks.map((t) => ({
    ...t,
    app: measures.filter((m) => m.start >= t.start && m.start < t.start + t.duration).reduce((sum, m) => sum + m.duration, 0),
  }));
  const tasks = [...inside(first.long, [...first.answer, ...first.journal]), ...inside(second.long, [...second.answer, ...second.journal])];
  const longWithAnswer = tasks.filter((t) => t.app > 0).map((t) => t.duration);
  // Caused by answers: the app's answer handling and journal writes alone take over 50 ms of it.
  const causedByAnswers = tasks.filter((t) => t.app > 50).map((t) => t.duration);
  for (const t of [...tasks].sort((a, b) => b.duration - a.duration).slice(0, 8)) {
    console.error(`long task at ${(t.start / 1000).toFixed(1)} s: ${t.duration.toFixed(0)} ms, of which answers and journal writes ${t.app.toFixed(1)} ms`);
  }
  const version = browser.version();
  console.log(`Chromium ${version}, headless, software rendering; ${ACCOUNTS.toLocaleString('en')} accounts × ${REGIONS.length} regions × GuardDuty and Detective (${OUTCOMES.toLocaleString('en')} outcomes), organization accounts; the page reloaded at ${atReload.toLocaleString('en')} outcomes settled and the run resumed.\n`);
  console.log('| figure | value | goal |');
  console.log('|---|---:|---|');
  console.log(`| whole run, paste to finished (with the reload) | ${wall.toFixed(0)} s (${resumeToEnd.toFixed(0)} s after Resume) | |`);
  console.log(`| outcomes the page shows | ${outcomes.slice(1).join(', ')} | all enabled |`);
  console.log(`| members the emulator holds, read back | ${held.toLocaleString('en')}, ${wrong} not enabled | ${OUTCOMES.toLocaleString('en')}, 0 |`);
  console.log(`| answers handled (engine poll + records taken): median / p99 / max | ${ms(quantile(answer, 0.5))} / ${ms(quantile(answer, 0.99))} / ${ms(max(answer))} ms over ${answer.length.toLocaleString('en')} | ≤ 50 ms |`);
  console.log(`| journal writes, synchronous part: median / p99 / max | ${ms(quantile(journal, 0.5))} / ${ms(quantile(journal, 0.99))} / ${ms(max(journal))} ms over ${journal.length.toLocaleString('en')} | ≤ 50 ms |`);
  console.log(`| long tasks (> 50 ms) of the whole page during the run: count / longest | ${long.length} / ${ms(max(long))} ms | |`);
  console.log(`| … of which hold an answer or a journal write: count / longest | ${longWithAnswer.length} / ${ms(max(longWithAnswer))} ms | |`);
  console.log(`| … of which answers and journal writes alone took over 50 ms | ${causedByAnswers.length} | 0 |`);
  console.log(`| scroll step in the ${OUTCOMES.toLocaleString('en')}-row table (at most ${scroll.rows} rows drawn): median / p95 / max | ${ms(quantile(scroll.runs, 0.5))} / ${ms(quantile(scroll.runs, 0.95))} / ${ms(max(scroll.runs))} ms | ≤ 16 ms |`);
  const figures = {
    scale_ui_run_s: wall,
    scale_ui_answer_max_ms: max(answer),
    scale_ui_journal_max_ms: max(journal),
    scale_ui_long_tasks_with_answers: longWithAnswer.length,
    scale_ui_long_tasks_from_answers: causedByAnswers.length,
    scale_ui_scroll_step_ms: quantile(scroll.runs, 0.5),
  };
  console.log(`<!-- figures: ${Object.entries(figures).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')} -->`);
  if (held !== OUTCOMES || wrong !== 0 || errors.length) {
    console.error(`expected ${OUTCOMES} enabled members and no page error, found ${held} held, ${wrong} not enabled, errors: ${errors.join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  stopServers();
}
