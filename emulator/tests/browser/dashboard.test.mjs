// Browser tests of arr-emulator's dashboard (/_emulator/), in headless Chromium (Debian's chromium,
// driven by playwright-core; never a downloaded browser).
//
// The Rust client drives the service while the browser clicks: this script starts the Rust driver
// (emulator/examples/dashboard_driver.rs: Azurite, an emulator linked to it, and an arr-session Client)
// and sends it one JSON command per line (create a session, wait until Ready, get it, create a
// conversion, ...), while playwright clicks the page's buttons. Each check passes or fails on its own;
// the last line is "N passed, N failed". A screenshot is kept under target/dashboard/.
//
//   bash emulator/tests/browser/run.sh        (installs chromium and playwright-core, builds the driver)

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const target = path.resolve(process.env.CARGO_TARGET_DIR || path.join(root, "target"));
const playwrightHome = process.env.ARR_PLAYWRIGHT_DIR || path.join(target, "playwright");
const { chromium } = createRequire(path.join(playwrightHome, "package.json"))("playwright-core");
const driverPath = process.env.ARR_DASHBOARD_DRIVER || path.join(target, "debug", "examples", "dashboard_driver");
const chromiumPath = process.env.ARR_CHROMIUM || "/usr/bin/chromium";
const artifacts = path.join(target, "dashboard");
const CHECK_TIMEOUT_MS = 90_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  assert(a === e, `${what}: expected ${e}, got ${a}`);
}

// The Rust driver: one JSON line per command, answers matched by seq.
class Driver {
  constructor(file) {
    this.child = spawn(file, [], { stdio: ["pipe", "pipe", "inherit"] });
    this.pending = new Map();
    this.seq = 0;
    this.exited = new Promise((resolve) => this.child.on("exit", resolve));
    this.child.on("error", (e) => { this.failStart(e); });
    this.info = new Promise((resolve, reject) => {
      this.failStart = reject;
      const lines = readline.createInterface({ input: this.child.stdout });
      let first = true;
      lines.on("line", (line) => {
        const message = JSON.parse(line);
        if (first) {
          first = false;
          resolve(message);
          return;
        }
        const waiter = this.pending.get(message.seq);
        this.pending.delete(message.seq);
        if (waiter) waiter(message);
      });
      this.exited.then((code) => first && reject(new Error(`the driver exited (${code}) before starting`)));
    });
  }

  call(cmd, args = {}) {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(seq, resolve);
      this.child.stdin.write(JSON.stringify({ seq, cmd, ...args }) + "\n");
    });
  }

  async ok(cmd, args = {}) {
    const answer = await this.call(cmd, args);
    assert(answer.ok, `${cmd} ${JSON.stringify(args)} failed: ${JSON.stringify(answer.error)}`);
    return answer.value;
  }

  async close() {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

let passed = 0;
let failed = 0;
async function check(name, body) {
  let timer;
  try {
    await Promise.race([
      body(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS); }),
    ]);
    passed += 1;
    console.log(`PASS ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n  ${e && e.stack ? e.stack : e}`);
  } finally {
    clearTimeout(timer);
  }
}

// Polls `probe` until it returns a truthy value.
async function until(probe, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const driver = new Driver(driverPath);
  const userDataDir = mkdtempSync(path.join(tmpdir(), "arr-dashboard-chromium-"));
  let context;
  try {
    const info = await driver.info;
    console.log(`driver: emulator at ${info.baseUrl}`);
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 800 },
    });
    // Everything the page loads must come from the emulator itself (no CDN); anything else is refused.
    const offsite = [];
    const emulatorOrigin = new URL(info.baseUrl).origin;
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === emulatorOrigin) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    const page = context.pages()[0] || (await context.newPage());
    const scriptErrors = [];
    page.on("pageerror", (e) => scriptErrors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") scriptErrors.push(m.text()); });
    const row = (id) => page.locator(`tr[data-id="${id}"]`);
    const rowStatus = async (id) => (await row(id).count()) ? row(id).getAttribute("data-status") : null;

    await check("the page loads with its empty state, no script errors, nothing fetched from elsewhere", async () => {
      await page.goto(info.dashboard);
      await page.locator("#sessions-empty").waitFor();
      await page.locator("#conversions-empty").waitFor();
      await until(async () => (await page.locator("#updated").textContent()) !== "never", "the first update");
      assertEqual(scriptErrors, [], "script errors");
      assertEqual(offsite, [], "requests to elsewhere");
    });

    await check("a session created through the Rust client appears in the table", async () => {
      const created = await driver.ok("create_session", { id: "browser-s1" });
      assertEqual(created.status, "Starting", "the create's answer");
      await row("browser-s1").waitFor();
      await until(async () => (await rowStatus("browser-s1")) === "Starting", "Starting in the table");
      const text = await row("browser-s1").textContent();
      assert(text.includes("Standard") && text.includes("60 min left"), `row: ${text}`);
    });

    await check("clicking fail makes the client's wait end in Error", async () => {
      const wait = driver.call("wait_ready", { id: "browser-s1" });
      await sleep(600); // the wait is polling now
      await row("browser-s1").locator('button[data-action="fail"]').click();
      const answer = await wait;
      assert(!answer.ok, `the wait ended without an error: ${JSON.stringify(answer)}`);
      assertEqual([answer.error.kind, answer.error.sessionStatus], ["ARR_STATUS_SESSION_ENDED", "Error"], "the wait's error");
      await until(async () => (await rowStatus("browser-s1")) === "Error", "Error in the table");
      const result = await page.locator("#result").textContent();
      assert(result.includes("fail browser-s1") && result.includes("Error"), `result line: ${result}`);
      const text = await row("browser-s1").textContent();
      assert(text.includes("SessionFailed"), `row: ${text}`);
    });

    await check("advance 15 minutes changes the elapsed time the client reads", async () => {
      await driver.ok("create_session", { id: "browser-s2" });
      const before = await driver.ok("get_session", { id: "browser-s2" });
      assertEqual([before.status, before.elapsedTimeMinutes], ["Starting", 0], "before the advance");
      await page.getByRole("button", { name: "advance 15 minutes", exact: true }).click();
      await until(async () => (await page.locator("#clock").textContent()).includes("+15"), "the clock at +15");
      const after = await driver.ok("get_session", { id: "browser-s2" });
      // Ready 2 minutes (the start delay) after its create, so 13 of the 15 minutes are elapsed time.
      assertEqual(after.status, "Ready", "status after the advance");
      assert(after.elapsedTimeMinutes >= 13 && after.elapsedTimeMinutes <= 15,
        `elapsedTimeMinutes after the advance: ${after.elapsedTimeMinutes}`);
      await until(async () => (await rowStatus("browser-s2")) === "Ready", "Ready in the table");
    });

    await check("an armed 429 is seen by the next client call with its Retry-After", async () => {
      await page.locator("#fault-route").selectOption("sessions.get");
      await page.locator("#fault-kind").selectOption("429");
      await page.locator("#fault-retry-after").fill("7");
      await page.locator("#fault-times").fill("1");
      await page.getByRole("button", { name: "arm", exact: true }).click();
      await until(async () => (await page.locator("#faults").textContent()).includes("sessions.get: 429 (Retry-After 7 s), 1 more"),
        "the armed fault in the list");
      const throttled = await driver.call("get_session", { id: "browser-s2" });
      assert(!throttled.ok, `the call was not throttled: ${JSON.stringify(throttled)}`);
      assertEqual([throttled.error.httpStatus, throttled.error.retryAfterSeconds], [429, 7], "status and Retry-After");
      const next = await driver.ok("get_session", { id: "browser-s2" });
      assertEqual(next.status, "Ready", "the call after");
      await until(async () => (await page.locator("#faults").textContent()).includes("No fault armed"), "the fault used up");
      await until(async () => (await page.locator("#requests").textContent()).includes("429"), "the 429 in the request log");
    });

    await check("expire, set field and stop change the table", async () => {
      await driver.ok("create_session", { id: "browser-s3" });
      await row("browser-s3").waitFor();
      await row("browser-s3").locator('button[data-action="expire"]').click();
      await until(async () => (await rowStatus("browser-s3")) === "Expired", "Expired in the table");
      const expired = await driver.ok("get_session", { id: "browser-s3" });
      assertEqual([expired.status, expired.elapsedTimeMinutes], ["Expired", 60], "the client's view after expire");
      await page.locator("#set-field-name").selectOption("status");
      await page.locator("#set-field-value").fill("Hibernating");
      await row("browser-s2").locator('button[data-action="set-field"]').click();
      await until(async () => (await rowStatus("browser-s2")) === "Hibernating", "the overridden status");
      assertEqual((await driver.ok("get_session", { id: "browser-s2" })).status, "Hibernating", "the client's view");
      await page.locator("#set-field-value").fill("");
      await row("browser-s2").locator('button[data-action="set-field"]').click();
      await until(async () => (await rowStatus("browser-s2")) === "Ready", "the real status back");
      await row("browser-s2").locator('button[data-action="stop"]').click();
      await until(async () => (await rowStatus("browser-s2")) === "Stopped", "Stopped in the table");
      assertEqual((await driver.ok("get_session", { id: "browser-s2" })).status, "Stopped", "the client's view");
    });

    await check("a conversion against Azurite shows NotStarted -> Running -> Succeeded", async () => {
      const created = await driver.ok("create_conversion", { id: "browser-c1" });
      assertEqual(created.status, "NotStarted", "the create's answer");
      const seen = [];
      await until(async () => {
        const status = await rowStatus("browser-c1");
        if (status && seen[seen.length - 1] !== status) seen.push(status);
        return status === "Succeeded" || status === "Failed";
      }, "the conversion to finish", 40_000);
      assertEqual(seen, ["NotStarted", "Running", "Succeeded"], "statuses the table showed");
      const done = await driver.ok("wait_conversion", { id: "browser-c1" });
      assertEqual(done.status, "Succeeded", "the client's wait");
      const text = await row("browser-c1").textContent();
      assert(text.includes("/assets/box.arrAsset"), `row: ${text}`);
    });

    await check("the page never shows an account key, a token or a SAS", async () => {
      const secrets = await driver.ok("secrets");
      assertEqual(secrets.requestStatus, 200, "the request with secrets in its query");
      await until(async () => (await page.locator("#requests").textContent()).includes("access_token=REDACTED"),
        "the redacted request in the log panel");
      const served = [await page.content()];
      for (const p of ["/_emulator/overview", "/_emulator/log", "/_emulator/sessions", "/_emulator/conversions"]) {
        served.push(await page.evaluate(async (u) => (await fetch(u)).text(), p));
      }
      const all = [secrets.accountKey, secrets.token, ...secrets.sas];
      for (const secret of all) {
        assert(secret.length > 8, `a secret too short to check: ${secret}`);
        for (const text of served) assert(!text.includes(secret), "a secret is shown on the page or its endpoints");
      }
    });

    await check("a screenshot at 1280x800 is kept", async () => {
      // A Ready session with some lease used, and a Starting one, for the picture.
      await driver.ok("create_session", { id: "ready-session" });
      await page.getByRole("button", { name: "advance 15 minutes", exact: true }).click();
      await until(async () => (await page.locator("#clock").textContent()).includes("+30"), "the clock at +30");
      await driver.ok("create_session", { id: "starting-session" });
      await until(async () => (await rowStatus("ready-session")) === "Ready"
        && (await rowStatus("starting-session")) === "Starting", "both new sessions in the table");
      await page.locator("#result").evaluate((e) => { e.textContent = "connected; the tables update every second"; e.className = "ok"; });
      // The session table, with its host and billing columns, fits the 1280 px window (no sideways scroll).
      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        window: window.innerWidth,
        tables: [...document.querySelectorAll("table.sessions")].map((t) => ({
          right: t.getBoundingClientRect().right, width: t.scrollWidth, room: t.parentElement.clientWidth })),
      }));
      assert(widths.page <= widths.window
        && widths.tables.every((t) => t.right <= widths.window && t.width <= t.room),
        `the session table overflows the window: ${JSON.stringify(widths)}`);
      const file = path.join(artifacts, "dashboard.png");
      await page.screenshot({ path: file });
      console.log(`screenshot: ${file}`);
      assertEqual(scriptErrors, [], "script errors during the run");
      assertEqual(offsite, [], "requests to elsewhere during the run");
    });
  } catch (e) {
    failed += 1;
    console.log(`FAIL setting up\n  ${e && e.stack ? e.stack : e}`);
  } finally {
    if (context) await context.close().catch(() => {});
    await driver.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
