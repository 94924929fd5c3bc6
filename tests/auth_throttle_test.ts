import assert from "node:assert/strict";
import { TokenBucket } from "../src/auth/ratelimit.ts";
import { AuthThrottle, throttleKey } from "../src/auth/throttle.ts";
import { memoryLogger } from "../src/observability/log.ts";

const T0 = 1_000_000;

Deno.test("throttle - lockout after max failures within the window, then recovery", () => {
  const { log, lines } = memoryLogger();
  const th = new AuthThrottle({ max_failures: 3, window_seconds: 60, lockout_seconds: 300, log });
  assert.deepEqual(th.check("10.0.0.1", T0), { allowed: true, retry_after_ms: 0 });
  assert.equal(th.failure("10.0.0.1", T0).locked, false);
  assert.equal(th.failure("10.0.0.1", T0 + 1000).locked, false);
  assert.deepEqual(th.failure("10.0.0.1", T0 + 2000), { locked: true, retry_after_ms: 300_000 });
  assert.deepEqual(th.check("10.0.0.1", T0 + 2000 + 100_000), {
    allowed: false,
    retry_after_ms: 200_000,
  });
  // other addresses are unaffected
  assert.equal(th.check("10.0.0.2", T0 + 3000).allowed, true);
  // after the lockout the address may try again
  assert.equal(th.check("10.0.0.1", T0 + 2000 + 300_000).allowed, true);
  const lock = lines().filter((l) => l.msg === "authentication lockout");
  assert.equal(lock.length, 1);
  assert.equal(lock[0].remote, "10.0.0.1");
  assert.equal(lock[0].level, "warn");
});

Deno.test("throttle - failures outside the window do not add up", () => {
  const th = new AuthThrottle({ max_failures: 3, window_seconds: 10, lockout_seconds: 60 });
  for (let i = 0; i < 10; i++) {
    assert.equal(th.failure("a", T0 + i * 6000).locked, false, `failure ${i}`);
  }
});

Deno.test("throttle - repeated lockouts grow, a success resets", () => {
  const th = new AuthThrottle({ max_failures: 2, window_seconds: 60, lockout_seconds: 10 });
  let t = T0;
  const lockFor = () => {
    th.failure("a", t);
    const r = th.failure("a", t);
    t += r.retry_after_ms;
    return r.retry_after_ms;
  };
  assert.deepEqual([lockFor(), lockFor(), lockFor(), lockFor(), lockFor(), lockFor()], [
    10_000,
    20_000,
    40_000,
    80_000,
    160_000,
    160_000,
  ]);
  th.success("a");
  assert.equal(lockFor(), 10_000);
});

Deno.test("throttle - max_failures 0 disables it", () => {
  const th = new AuthThrottle({ max_failures: 0, window_seconds: 60, lockout_seconds: 60 });
  for (let i = 0; i < 100; i++) th.failure("a", T0);
  assert.equal(th.check("a", T0).allowed, true);
  assert.equal(th.size, 0);
});

Deno.test("throttle - memory is bounded; stale entries go first, then the oldest", () => {
  const th = new AuthThrottle({
    max_failures: 2,
    window_seconds: 10,
    lockout_seconds: 10,
    max_entries: 3,
  });
  th.failure("old1", T0);
  th.failure("old2", T0);
  th.failure("locked", T0 + 50_000);
  th.failure("locked", T0 + 50_000); // locked until T0 + 60 s
  th.failure("new", T0 + 55_000);
  assert.equal(th.size, 2, "the two stale ones were pruned");
  assert.equal(th.check("locked", T0 + 55_000).allowed, false);
  th.failure("n2", T0 + 56_000);
  th.failure("n3", T0 + 56_000);
  assert.equal(th.size, 3);
  // "locked" was the least recently failing: evicted once nothing stale was left
  assert.equal(th.check("locked", T0 + 56_000).allowed, true);
  for (let i = 0; i < 1000; i++) th.failure(`x${i}`, T0 + 57_000);
  assert.equal(th.size, 3);
});

Deno.test("throttle - fromConfig reads the security section", () => {
  const th = AuthThrottle.fromConfig({
    auth_max_failures: 1,
    auth_failure_window: 60,
    auth_lockout: 7,
  });
  assert.deepEqual(th.failure("a", T0), { locked: true, retry_after_ms: 7000 });
});

Deno.test("token bucket - burst, then refill at the rate, with retry hints", () => {
  const b = new TokenBucket(10, 3);
  assert.deepEqual([b.take(T0), b.take(T0), b.take(T0)], [0, 0, 0]);
  assert.equal(b.take(T0), 100, "one token takes 100 ms at 10/s");
  assert.equal(b.take(T0 + 50), 50);
  assert.equal(b.take(T0 + 100), 0);
  assert.equal(b.take(T0 + 100), 100);
  // long idle refills only up to the burst
  assert.equal(b.available(T0 + 60_000), 3);
  assert.deepEqual([1, 2, 3, 4].map(() => b.take(T0 + 60_000)), [0, 0, 0, 100]);
});

Deno.test("token bucket - fractional rates and disabled limit", () => {
  const slow = new TokenBucket(0.5, 1);
  assert.equal(slow.take(T0), 0);
  assert.equal(slow.take(T0), 2000);
  assert.equal(slow.take(T0 + 1999), 1);
  assert.equal(slow.take(T0 + 2000), 0);
  const off = new TokenBucket(0, 1);
  for (let i = 0; i < 100; i++) assert.equal(off.take(T0), 0);
  // a clock going backwards never grants extra tokens
  const b = new TokenBucket(1, 1);
  assert.equal(b.take(T0 + 5000), 0);
  assert.ok(b.take(T0) > 0);
});

Deno.test("throttle - IPv6 addresses are grouped by /64, IPv4-mapped ones as IPv4", () => {
  assert.equal(throttleKey("192.0.2.7"), "192.0.2.7");
  assert.equal(throttleKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(throttleKey("2001:db8:0:1::5"), "2001:db8:0:1::/64");
  assert.equal(throttleKey("2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd"), "2001:db8:0:1::/64");
  assert.equal(throttleKey("[2001:db8::1]"), "2001:db8:0:0::/64");
  assert.equal(throttleKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(throttleKey("::1"), "0:0:0:0::/64");
  assert.equal(throttleKey("unix-socket"), "unix-socket");

  const th = new AuthThrottle({ max_failures: 2, window_seconds: 60, lockout_seconds: 60 });
  th.failure("2001:db8:0:1::5", T0);
  th.failure("2001:db8:0:1::6", T0);
  assert.equal(th.check("2001:db8:0:1:ffff::1", T0).allowed, false);
  assert.equal(th.check("2001:db8:0:2::5", T0).allowed, true);
  th.success("2001:db8:0:1::7");
  assert.equal(th.check("2001:db8:0:1::5", T0).allowed, true);
});
