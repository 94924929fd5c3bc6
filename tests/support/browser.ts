/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core for the console's
 * browser tests: a fresh empty profile per launch, CSP violations and page errors collected,
 * screenshots into tests/screenshots/.
 */
import { createHash, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../screenshots/", import.meta.url).pathname;

/** True when Chromium is installed; logs loudly when it is not. */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.error(
    `SKIPPED: console browser tests need ${CHROMIUM} (apt-get install -y chromium)`,
  );
  return false;
}

/** A running browser with one context. */
export interface TestBrowser {
  context: BrowserContext;
  /** A new tab (own sessionStorage) that records problems in `problems`. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  /** CSP violations, uncaught page errors and console errors seen so far. */
  problems: string[];
  shot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate, as Chromium's SPKI list wants. */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64");
}

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /**
   * Server certificates (PEM) to trust, by public key (--ignore-certificate-errors-spki-list,
   * effective with a user data dir). A trusted certificate is what a real operator has: with
   * a certificate error Chromium cancels downloads even when the page itself loads.
   */
  trust?: string[];
}

/** Launch Chromium headless with a new empty user data dir. */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "console-chromium-"));
  const trust = (opts.trust ?? []).map(spkiHash);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: false,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...(trust.length ? [`--ignore-certificate-errors-spki-list=${trust.join(",")}`] : []),
    ],
  });
  const problems: string[] = [];
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    context,
    problems,
    page: async (viewport) => {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        const text = m.text();
        if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
        else if (m.type() === "error" && !/status of 40[134]/.test(text)) {
          problems.push(`console error: ${text}`);
        }
      });
      return page;
    },
    shot: async (page, name) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
