import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The system Chromium, as Debian and Ubuntu name it; playwright-core downloads no browser of its own. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser'];

/** The first Chromium executable on PATH, or undefined when there is none. */
export function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    for (const name of CHROMIUM_NAMES) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // Not here: keep looking.
      }
    }
  }
  return undefined;
}

/** Headless Chromium at `executablePath`; the caller closes it. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true });
}

/** What a page did that a clean page does not: console errors, uncaught exceptions, failed or refused requests. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
  readonly errorResponses: string[];
  /** Requests to any origin but `allowedOrigin`; they are aborted. */
  readonly foreignRequests: string[];
}

/** Records what goes wrong on `page` from now on; requests leaving `allowedOrigin` are recorded and aborted. */
export async function watchPage(page: Page, allowedOrigin: string): Promise<PageProblems> {
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [], errorResponses: [], foreignRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  page.on('requestfailed', (request) => {
    if (!problems.foreignRequests.includes(request.url()))
      problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.errorResponses.push(`${response.status()} ${response.url()}`);
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === allowedOrigin) return route.continue();
    problems.foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  return problems;
}
