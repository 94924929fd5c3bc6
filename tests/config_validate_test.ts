import assert from "node:assert/strict";
import { defaultConfig } from "../src/config/defaults.ts";
import { maskConfig, maskUrl } from "../src/config/mask.ts";
import { validateConfig } from "../src/config/schema.ts";
import { closest, editDistance } from "../src/config/suggest.ts";
import type { Config } from "../src/config/types.ts";

/** The problem messages for a loose input. */
function problems(input: unknown): string[] {
  return validateConfig(input).problems.map((p) => p.message);
}

/** Exactly one problem, returned. */
function one(input: unknown): string {
  const list = problems(input);
  assert.equal(list.length, 1, `expected one problem, got ${JSON.stringify(list)}`);
  return list[0];
}

Deno.test("config validate - an empty input is the defaults, without problems", () => {
  const { config, problems } = validateConfig({});
  assert.deepEqual(problems, []);
  assert.deepEqual(config, defaultConfig());
  assert.deepEqual(validateConfig(undefined).config, defaultConfig());
});

Deno.test("config validate - ports: range, integer, port 0 allowed", () => {
  assert.equal(
    one({ server: { port: 70000 } }),
    "server.port: 70000 is not a valid port (0-65535; 0 = pick a free port)",
  );
  assert.match(one({ health: { port: 80.5 } }), /^health\.port: 80\.5 is not a valid port/);
  assert.match(one({ server: { port: "8002" } }), /^server\.port: "8002" is not a valid port/);
  assert.deepEqual(problems({ server: { port: 0 }, health: { port: 0 } }), []);
  assert.equal(
    one({ mediamtx: { api_port: 0 } }),
    "mediamtx.api_port: 0 is not a valid port (1-65535)",
  );
  assert.match(one({ mediamtx: { rtsp_port: 99999 } }), /^mediamtx\.rtsp_port: 99999/);
});

Deno.test("config validate - server and health on the same port conflict", () => {
  assert.match(
    one({ server: { port: 9000 }, health: { port: 9000 } }),
    /^health\.port: 9000 is also server\.port/,
  );
  assert.deepEqual(
    problems({
      server: { port: 9000, host: "127.0.0.1" },
      health: { port: 9000, host: "10.0.0.1" },
    }),
    [],
  );
});

Deno.test("config validate - types: booleans, numbers, strings, lists, sections", () => {
  assert.equal(
    one({ security: { ssl: { enabled: "yes" } } }),
    'security.ssl.enabled: "yes" is not a boolean (true/false)',
  );
  assert.equal(
    one({ server: { max_connections: 0 } }),
    "server.max_connections: 0 must be at least 1",
  );
  assert.equal(
    one({ server: { max_connections: 1.5 } }),
    "server.max_connections: 1.5 is not an integer",
  );
  assert.equal(
    one({ server: { rate_limit_rps: 0 } }),
    "server.rate_limit_rps: 0 must be greater than 0",
  );
  assert.equal(one({ snapshots: { quality: 101 } }), "snapshots.quality: 101 must be at most 100");
  assert.equal(one({ server: { host: "" } }), "server.host: must not be empty");
  assert.equal(one({ server: { host: 5 } }), "server.host: 5 is not a string (got a number)");
  assert.equal(one({ server: "x" }), "server: expected a section (mapping of keys), got a string");
  assert.equal(
    one({ server: { trusted_proxies: "10.0.0.1" } }),
    "server.trusted_proxies: expected a list, got a string",
  );
  assert.equal(
    one({ server: { websocket_path: "ws" } }),
    'server.websocket_path: "ws" is not a URL path starting with / (no spaces, query or fragment)',
  );
  assert.match(one({ camera: { encoder: { bitrate: "fast" } } }), /bit rate such as 2M/);
  assert.match(one({ camera: { encoder: { video_size: "720p" } } }), /WIDTHxHEIGHT/);
  assert.deepEqual(
    problems({ camera: { encoder: { video_size: "1280x720", bitrate: "1500k" } } }),
    [],
  );
});

Deno.test("config validate - host names and addresses", () => {
  for (
    const h of ["0.0.0.0", "::", "::1", "127.0.0.1", "localhost", "box-1.example.com", "fd00::5"]
  ) {
    assert.deepEqual(
      problems({ server: { host: h, public_host: h }, mediamtx: { host: h } }),
      [],
      h,
    );
  }
  assert.deepEqual(problems({ server: { public_host: "" } }), []);
  assert.match(
    one({ server: { public_host: "https://box.example.com" } }),
    /^server\.public_host: "https:\/\/box\.example\.com" is not a host name or IP address/,
  );
  assert.match(
    one({ mediamtx: { host: "127.0.0.1:9997" } }),
    /^mediamtx\.host: .* is not a host name/,
  );
  assert.match(one({ health: { host: "my host" } }), /^health\.host:/);
});

Deno.test("config validate - enums list their values", () => {
  assert.equal(
    one({ security: { ssl: { verify_mode: "REQUIRED" } } }),
    'security.ssl.verify_mode: "REQUIRED" is not one of CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED',
  );
  assert.equal(
    one({ logging: { level: "verbose" } }),
    'logging.level: "verbose" is not one of debug, info, warn, error',
  );
  assert.match(one({ recording: { format: "mp4" } }), /not one of fmp4, mpegts/);
  assert.match(one({ security: { ssl: { min_version: "TLSv1.1" } } }), /TLSv1\.2, TLSv1\.3/);
});

Deno.test("config validate - trusted_proxies must be IPs or CIDRs", () => {
  assert.deepEqual(
    problems({ server: { trusted_proxies: ["10.0.0.0/8", "::1", "fd00::/8", "192.168.1.2"] } }),
    [],
  );
  assert.equal(
    one({ server: { trusted_proxies: ["10.0.0.0/8", "proxy.local"] } }),
    'server.trusted_proxies: item 1: "proxy.local" is not an IP address or CIDR (e.g. 10.0.0.0/8)',
  );
  assert.match(one({ server: { trusted_proxies: ["10.0.0.0/33"] } }), /item 0/);
});

Deno.test("config validate - verify_mode OPTIONAL/REQUIRED needs ca_file", () => {
  for (const mode of ["CERT_OPTIONAL", "CERT_REQUIRED"]) {
    assert.match(
      one({ security: { ssl: { verify_mode: mode } } }),
      new RegExp(
        `^security\\.ssl\\.ca_file: required when security\\.ssl\\.verify_mode is ${mode}`,
      ),
    );
    assert.deepEqual(problems({ security: { ssl: { verify_mode: mode, ca_file: "ca.pem" } } }), []);
  }
});

Deno.test("config validate - key_file without cert_file is refused", () => {
  assert.match(
    one({ security: { ssl: { key_file: "k.pem" } } }),
    /^security\.ssl\.key_file: is set but security\.ssl\.cert_file is empty/,
  );
});

Deno.test("config validate - jwt secret: short ones refused and masked in the message", () => {
  const msg = one({ security: { jwt_secret_key: "hunter2" } });
  assert.equal(
    msg,
    "security.jwt_secret_key: *** is too short: 7 bytes, at least 32 needed " +
      "(generate one with: openssl rand -base64 48; or leave it empty to have one generated)",
  );
  assert.ok(!msg.includes("hunter2"));
  assert.deepEqual(problems({ security: { jwt_secret_key: "x".repeat(32) } }), []);
  const typeMsg = one({ security: { ssl: { key_passphrase: 12345 } } });
  assert.ok(!typeMsg.includes("12345"), typeMsg);
});

Deno.test("config validate - device_range and disk thresholds", () => {
  assert.equal(
    one({ camera: { device_range: [5, 2] } }),
    "camera.device_range: [5, 2]: the first number must not exceed the second",
  );
  assert.match(one({ camera: { device_range: [1] } }), /is not a range \[MIN, MAX\]/);
  assert.match(one({ camera: { device_range: [-1, 3] } }), /is not a range/);
  assert.equal(
    one({ recording: { disk_warn_percent: 96 } }),
    "recording.disk_warn_percent: 96 must not exceed recording.disk_block_percent (95): " +
      "the warning comes before the block",
  );
  assert.match(one({ recording: { disk_block_percent: 120 } }), /at most 100/);
});

Deno.test("config validate - unknown keys are errors with a did-you-mean hint", () => {
  assert.equal(
    one({ server: { prot: 1 } }),
    "server.prot: unknown key (did you mean server.port?)",
  );
  assert.equal(
    one({ security: { ssl: { verify: "CERT_NONE" } } }),
    "security.ssl.verify: unknown key (did you mean security.ssl.verify_mode?)",
  );
  assert.equal(one({ loging: {} }), "loging: unknown key (did you mean logging?)");
  assert.equal(
    one({ port: 8002 }),
    "port: unknown key (did you mean server.port or health.port?)",
  );
  assert.equal(
    one({ server: { jwt_secret_key: "" } }),
    "server.jwt_secret_key: unknown key (did you mean security.jwt_secret_key?)",
  );
  assert.match(one({ zzzzzz: 1 }), /^zzzzzz: unknown key \(top-level keys: data_dir, server,/);
});

Deno.test("config validate - every problem is reported, not just the first", () => {
  const list = problems({
    server: { port: -1, host: "" },
    health: { metrics_access: "public" },
    extra: true,
    camera: { device_range: [3, 1] },
  });
  assert.equal(list.length, 5, JSON.stringify(list));
});

Deno.test("config validate - camera.sources: ids, range, uniqueness, urls", () => {
  const ok = validateConfig({
    camera: {
      sources: [
        { id: "camera10", url: "rtsp://user:pw@10.0.0.5:554/s1" },
        {
          id: "camera11",
          name: "Gate",
          url: "rtsps://gate/s",
          rtsp_transport: "tcp",
          on_demand: false,
        },
      ],
    },
  });
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.config.camera.sources, [
    {
      id: "camera10",
      name: "camera10",
      url: "rtsp://user:pw@10.0.0.5:554/s1",
      rtsp_transport: "automatic",
      on_demand: true,
    },
    {
      id: "camera11",
      name: "Gate",
      url: "rtsps://gate/s",
      rtsp_transport: "tcp",
      on_demand: false,
    },
  ]);
  const list = problems({
    camera: {
      sources: [
        { id: "cam10", url: "rtsp://a/b" },
        { id: "camera4", url: "rtsp://a/b" },
        { id: "camera12", url: "http://user:pw@a/b" },
        { id: "camera12", url: "rtsp://a/c", rtsp_transport: "quic" },
        { id: "camera13" },
        "camera14",
      ],
    },
  });
  assert.deepEqual(list, [
    'camera.sources[0].id: "cam10" is not a camera id (camera<N>, e.g. camera10)',
    'camera.sources[1].id: "camera4" lies inside camera.device_range [0, 9], which is reserved ' +
    "for USB cameras; use camera10 or above",
    'camera.sources[2].url: "http://***@a/b" is not an rtsp:// or rtsps:// URL',
    'camera.sources[3].id: "camera12" is already used by camera.sources[2]',
    'camera.sources[3].rtsp_transport: "quic" is not one of automatic, udp, tcp, multicast',
    "camera.sources[4].url: required: an rtsp:// or rtsps:// URL (got undefined)",
    "camera.sources[5]: expected a mapping {id, url, ...}, got a string",
  ]);
});

Deno.test("config validate - the device range decides which source ids are free", () => {
  const input = {
    camera: { device_range: [0, 3], sources: [{ id: "camera4", url: "rtsp://h/p" }] },
  };
  assert.deepEqual(problems(input), []);
});

Deno.test("config validate - external_streams.candidates must be rtsp URLs", () => {
  assert.deepEqual(problems({ external_streams: { candidates: ["rtsp://10.0.0.9/live"] } }), []);
  assert.match(
    one({ external_streams: { candidates: ["rtsp://ok/a", "ftp://x/y"] } }),
    /^external_streams\.candidates: item 1: "ftp:\/\/x\/y" is not an rtsp/,
  );
});

Deno.test("config mask - secrets replaced, unset ones marked, URLs stripped of credentials", () => {
  const c: Config = defaultConfig();
  c.security.jwt_secret_key = "s".repeat(40);
  c.mediamtx.password = "mtxpw";
  c.mediamtx.username = "admin";
  c.camera.sources = [{
    id: "camera10",
    name: "Gate",
    url: "rtsp://viewer:topsecret@10.0.0.5/s",
    rtsp_transport: "tcp",
    on_demand: true,
  }];
  c.external_streams.candidates = ["rtsp://u:candpw@h/x", "rtsp://h/y"];
  const m = maskConfig(c) as Config;
  assert.equal(m.security.jwt_secret_key, "***");
  assert.equal(m.security.ssl.key_passphrase, "(unset)");
  assert.equal(m.mediamtx.password, "***");
  assert.equal(m.mediamtx.username, "admin");
  assert.equal(m.camera.sources[0].url, "rtsp://***@10.0.0.5/s");
  assert.deepEqual(m.external_streams.candidates, ["rtsp://***@h/x", "rtsp://h/y"]);
  const text = JSON.stringify(m);
  for (const secret of ["ssssssss", "mtxpw", "topsecret", "candpw"]) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  assert.equal(c.mediamtx.password, "mtxpw", "the original is not modified");
  assert.equal(m.server.port, 8002);
});

Deno.test("config mask - maskUrl leaves URLs without credentials alone", () => {
  assert.equal(maskUrl("rtsp://h:554/a@b"), "rtsp://h:554/a@b");
  assert.equal(maskUrl("rtsps://user@h/x"), "rtsps://***@h/x");
});

Deno.test("config suggest - edit distance counts swaps as one edit", () => {
  assert.equal(editDistance("prot", "port"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(closest("hots", ["host", "port"]), "host");
  assert.equal(closest("transport", ["rtsp_transport", "id"]), "rtsp_transport");
  assert.equal(closest("completely_else", ["host", "port"]), undefined);
});
