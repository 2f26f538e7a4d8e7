// What every browser test file sets up the same way: one Chromium for its tests, launched before
// them, and it and every server `serve` started stopped after them.
import { before, after } from 'node:test';
import { launch, stopServers } from './harness.mjs';

/**
 * Registers the file's before/after hooks. `check` runs first and throws if what the file needs is
 * missing. Read `.browser` inside tests (it is set once the hook has run).
 */
export function useBrowser(check = () => {}) {
  const shared = { browser: undefined };
  before(async () => {
    check();
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    stopServers();
  });
  return shared;
}
