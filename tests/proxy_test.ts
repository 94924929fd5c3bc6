import assert from "node:assert/strict";
import { clientAddress, ipMatches } from "../src/server/proxy.ts";

Deno.test("proxy - ipMatches: exact, IPv4 CIDR, IPv6 CIDR, IPv4-mapped", () => {
  assert.ok(ipMatches("10.1.2.3", ["10.0.0.0/8"]));
  assert.ok(!ipMatches("11.1.2.3", ["10.0.0.0/8"]));
  assert.ok(ipMatches("::ffff:127.0.0.1", ["127.0.0.1"]));
  assert.ok(ipMatches("fd00::1:2", ["fd00::/16"]));
  assert.ok(!ipMatches("fe80::1", ["fd00::/16"]));
  assert.ok(ipMatches("::1", ["0:0:0:0:0:0:0:1"]));
  assert.ok(!ipMatches("10.0.0.1", ["fd00::/16"]), "families never match each other");
});

Deno.test("proxy - X-Forwarded-For only from a trusted proxy, right-most untrusted hop", () => {
  const trusted = ["10.0.0.5", "192.168.0.0/16"];
  assert.equal(
    clientAddress("203.0.113.9", "198.51.100.1", trusted),
    "203.0.113.9",
    "untrusted peer",
  );
  assert.equal(clientAddress("10.0.0.5", "198.51.100.1", trusted), "198.51.100.1");
  assert.equal(
    clientAddress("10.0.0.5", "1.1.1.1, 198.51.100.1, 192.168.3.4", trusted),
    "198.51.100.1",
    "spoofed left-most hops are ignored",
  );
  assert.equal(clientAddress("10.0.0.5", "not-an-ip", trusted), "10.0.0.5");
  assert.equal(clientAddress("::ffff:10.0.0.5", ["198.51.100.1"], trusted), "198.51.100.1");
  assert.equal(clientAddress("10.0.0.5", "198.51.100.1", []), "10.0.0.5", "no proxies configured");
});
