/**
 * Headless Chromium for page tests, driven by playwright-core: Debian's `chromium`, no sandbox, no
 * network beyond loopback, a fresh profile per launch.
 */
import { existsSync } from "node:fs";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** The reason to skip a browser test, or false when Chromium is installed. */
export const chromiumMissing: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing (apt-get install -y chromium); the page tests need a real browser`;

export interface LaunchOptions {
  /** Accept the server's certificate whatever signed it (a test server's self-signed one). */
  readonly ignoreHTTPSErrors?: boolean;
}

export function launchChromium(profileDir: string, options: LaunchOptions = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    timezoneId: "UTC",
    locale: "en-US",
    ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
  });
}
