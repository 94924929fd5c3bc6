/**
 * Harness of the console UI tests: the embedded console served by consoleRoutes() on
 * 127.0.0.1 and one headless Chromium for the whole file; each step gets fresh tabs, and its
 * CSP violations or page errors fail it.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { consoleRoutes } from "../../src/http/console.ts";
import { haveChromium, launchBrowser, type TestBrowser } from "./browser.ts";
import type { FakeApi } from "./console_fake_api.ts";

/** What a step gets. */
export interface UiContext {
  b: TestBrowser;
  url: string;
  /** A new tab wired to `api`, signed in with `token`, at `hash`. */
  open(api: FakeApi, token: string, hash?: string): Promise<Page>;
}

/** The harness. */
export interface UiHarness extends UiContext {
  step(t: Deno.TestContext, name: string, fn: (ctx: UiContext) => Promise<void>): Promise<boolean>;
  close(): Promise<void>;
}

/** Serve the console and launch the browser. */
export async function consoleHarness(): Promise<UiHarness> {
  const app = consoleRoutes({ tls: false, hlsOrigins: ["http://box.example:8888"] });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}`;
  const b = await launchBrowser();
  const ctx: UiContext = {
    b,
    url,
    open: async (api, token, hash = "") => {
      const page = await b.page();
      await api.attach(page);
      await page.goto(`${url}/${hash}`);
      await page.getByLabel("JWT or API key").fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(/^Role: /).waitFor();
      return page;
    },
  };
  return {
    ...ctx,
    step: (t, name, fn) =>
      t.step(name, async () => {
        b.problems.length = 0;
        try {
          await fn(ctx);
          assert.deepEqual(b.problems, [], "no CSP violations or page errors");
        } finally {
          for (const p of b.context.pages()) await p.close();
          await b.context.clearPermissions();
        }
      }),
    close: async () => {
      await b.close();
      await server.shutdown();
    },
  };
}

/**
 * One Deno.test around one harness (skipped without Chromium): `steps` runs its h.step()s,
 * the harness is closed whatever happens. Sanitizers are off (the browser outlives the steps).
 */
export function consoleUiTest(
  name: string,
  steps: (h: UiHarness, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !haveChromium(),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      const h = await consoleHarness();
      try {
        await steps(h, t);
      } finally {
        await h.close();
      }
    },
  });
}
