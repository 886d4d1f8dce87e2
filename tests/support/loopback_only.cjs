// Preloaded into gemini-cli by tests (NODE_OPTIONS=--require): any name other than this machine's fails to
// resolve at once, so a test never reaches the network, even where gemini calls Google on its own (user info).
const dns = require("node:dns");
const original = dns.lookup;
const LOCAL = new Set(["localhost", "127.0.0.1", "::1"]);
dns.lookup = function lookup(hostname, options, callback) {
  if (LOCAL.has(hostname)) return original.call(this, hostname, options, callback);
  const done = typeof options === "function" ? options : callback;
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (tests reach 127.0.0.1 only)`),
                              { code: "ENOTFOUND", hostname });
  process.stderr.write(`loopback-only: refused ${hostname}\n`);
  process.nextTick(() => done(error));
};

// Opt-in count of agent starts (GEMINI_DESKTOP_TEST_AGENT_LOG=FILE): each agent process appends, when it exits,
// the test that started it, its arguments and its CPU time, so needless starts show up per test; and the node
// that ran it, with its compile cache folder ("" when it had none), so a start without the cache shows up too.
const startLog = process.env.GEMINI_DESKTOP_TEST_AGENT_LOG;
if (startLog) {
  const started = Date.now();
  process.on("exit", () => {
    const cpu = process.cpuUsage();
    const record = { test: process.env.PYTEST_CURRENT_TEST || "", argv: process.argv.slice(1).join(" "),
                     cpu: (cpu.user + cpu.system) / 1e6, wall: (Date.now() - started) / 1000, started,
                     cwd: process.cwd(), pid: process.pid, stdin: process.stdin.bytesRead, node: process.version,
                     compileCache: require("node:module").getCompileCacheDir?.() || "" };
    require("node:fs").appendFileSync(startLog, JSON.stringify(record) + "\n");
  });
}
