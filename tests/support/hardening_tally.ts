/**
 * Case counting for the hardening suite: every case runs through `Tally.run`, and the file's
 * last test prints "hardening <area>: N cases tried, N passed, N lost" and fails unless all
 * passed. A case is "lost" when the service gave no answer at all (timeout, connection reset),
 * "failed" when it answered wrongly.
 */
import assert from "node:assert/strict";

const LOST = /no answer|ECONNRESET|socket hang up|EPIPE/i;

/** Counts hardening cases of one area (one test file). */
export class Tally {
  tried = 0;
  passed = 0;
  lost = 0;
  readonly failures: string[] = [];

  constructor(readonly area: string) {}

  /** Run one case; records the outcome and rethrows a failure (so its Deno.test fails too). */
  async run(name: string, fn: () => Promise<void> | void): Promise<void> {
    this.tried++;
    try {
      await fn();
      this.passed++;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (LOST.test(msg)) this.lost++;
      this.failures.push(`${name}: ${msg.slice(0, 300)}`);
      throw e;
    }
  }

  /** The summary line. */
  line(): string {
    const failed = this.tried - this.passed - this.lost;
    return `hardening ${this.area}: ${this.tried} cases tried, ${this.passed} passed, ` +
      `${this.lost} lost` + (failed > 0 ? `, ${failed} failed` : "");
  }

  /** Print the summary line and assert that every case tried passed. */
  report(): void {
    console.log(this.line());
    if (this.failures.length) console.log(this.failures.map((f) => `  - ${f}`).join("\n"));
    assert.ok(this.tried > 0, `hardening ${this.area}: no case ran`);
    assert.equal(this.passed, this.tried, this.line());
  }
}

/** Poll `fn` until it is true; throws "timed out waiting for <what>" after `ms`. */
export async function until(
  what: string,
  fn: () => Promise<boolean> | boolean,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
