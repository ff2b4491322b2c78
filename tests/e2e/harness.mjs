// Starts the real server on a free port with a fresh database, launches Debian's
// Chromium headless, and offers an axe-core check. Used by every *.test.mjs here.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
let axeText = null;
const axeSource = () => (axeText ??= readFileSync(axePath, "utf8"));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error("Chromium not found: run scripts/setup.sh (or set CHROMIUM)");
  return found;
}

/** The server binary under test (paths from the environment are relative to where the tests were started). */
export function serverBinary() {
  return path.resolve(process.env.STOREFRONT_BIN ?? path.join(root, "target/debug/storefront"));
}

/** Starts the server on `port` with its data in `dataDir`; resolves once it answers. */
async function launch(port, dataDir, env) {
  const bin = serverBinary();
  const site = path.resolve(process.env.STOREFRONT_SITE_DIR ?? path.join(root, "dist"));
  const staff = path.resolve(process.env.STOREFRONT_STAFF_DIR ?? path.join(root, "dist-staff"));
  if (!existsSync(bin)) throw new Error(`server binary missing: ${bin} (cargo build --features ssr)`);
  if (!existsSync(path.join(site, "index.html"))) throw new Error(`built shop missing in ${site} (make build)`);
  if (!existsSync(path.join(staff, "index.html"))) throw new Error(`built staff app missing in ${staff} (make build)`);
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      STOREFRONT_HOST: "127.0.0.1",
      STOREFRONT_PORT: String(port),
      STOREFRONT_PUBLIC_URL: `http://127.0.0.1:${port}`,
      STOREFRONT_DATA_DIR: dataDir,
      STOREFRONT_SITE_DIR: site,
      STOREFRONT_STAFF_DIR: staff,
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      ...env,
    },
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error("server did not start within 120 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

async function halt(child) {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
}

/** Starts the shop (extra environment optional); returns { baseURL, stop, … }. */
export async function startShop(extraEnv = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "storefront-e2e-"));
  const port = await freePort();
  let child = await launch(port, dataDir, extraEnv);
  const baseURL = `http://127.0.0.1:${port}`;
  return {
    baseURL,
    dataDir,
    /** The mails the shop wrote to its outbox directory (no SMTP server configured). */
    mails() {
      const dir = path.join(dataDir, "outbox");
      if (!existsSync(dir)) return [];
      return readdirSync(dir)
        .filter((f) => f.endsWith(".eml"))
        .sort()
        .map((f) => readFileSync(path.join(dir, f), "utf8"));
    },
    /** Stops the server and keeps its data: the shop can't be reached until `resume`. */
    async pause() {
      await halt(child);
    },
    /** Starts the server again at the same address with the same data (`env` added). */
    async resume(env = {}) {
      child = await launch(port, dataDir, { ...extraEnv, ...env });
    },
    async stop() {
      await halt(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs in every page before its own scripts: keeps each Content-Security-Policy
 * violation the browser reports, for `expectNoAxeViolations` to fail on.
 */
function watchCsp() {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
  });
}

export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Every context the tests open watches for CSP violations.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript(watchCsp);
    return context;
  };
  return browser;
}

/**
 * Starts one shop and one browser for a test file (node:test `before`/`after`) and
 * returns a getter for them: `const ctx = useShop(); … ctx().shop.baseURL`.
 */
export function useShop(hooks, extraEnv = {}) {
  const state = {};
  hooks.before(async () => {
    state.shop = await startShop(extraEnv);
    state.browser = await launchBrowser();
  });
  hooks.after(async () => {
    await state.browser?.close();
    await state.shop?.stop();
  });
  return () => state;
}

/** Waits until a locator is visible (15 s). If it never shows, the error says where the
 * page was and what its main area and alerts said, so a failure in CI can be read. */
export async function visible(locator) {
  try {
    await locator.waitFor({ state: "visible", timeout: 15_000 });
  } catch (error) {
    const page = locator.page();
    const seen = await page
      .evaluate(() => ({
        url: location.href,
        main: document.querySelector("main")?.innerText.slice(0, 400),
        alerts: [...document.querySelectorAll("[role=alert]")].map((a) => a.innerText.slice(0, 200)),
      }))
      .catch((e) => ({ unreadable: String(e) }));
    error.message += `\nThe page then: ${JSON.stringify(seen)}`;
    throw error;
  }
}

/** The help panel is there with its phone (tel:), email (mailto:) and return policy. */
export async function expectHelpPanel(page, where) {
  const help = page.getByRole("complementary", { name: "Help" });
  await visible(help);
  // Closed (as it starts on a phone), it is a bar with a call and a chat one tap away;
  // opened to check what is inside, then closed again as the shopper had it.
  const opener = help.getByRole("button", { name: "Need help?" });
  const closed = await opener.isVisible();
  if (closed) {
    assert.match(await help.getByRole("link", { name: "Call us" }).getAttribute("href"), /^tel:\+44/, `the bar's call on ${where}`);
    await visible(help.getByRole("button", { name: "Chat with us" }));
    await opener.click();
  }
  const tel = help.getByRole("link", { name: /0113 496 0000/ });
  await visible(tel);
  assert.match(await tel.getAttribute("href"), /^tel:\+44/, `tel: link on ${where}`);
  const mail = help.getByRole("link", { name: /@/ });
  assert.match(await mail.getAttribute("href"), /^mailto:/, `mailto: link on ${where}`);
  await visible(help.getByRole("link", { name: "Our return policy" }));
  if (closed) await help.getByRole("button", { name: "Hide help" }).click();
}

/** Runs axe-core in the page and fails with a readable list if anything is violated. */
export async function expectNoAxeViolations(page, where) {
  // The shop's page allows no inline script, so axe comes in through the DevTools
  // protocol (which the page's CSP does not govern) rather than a <script> tag.
  const csp = await page.evaluate(() => window.__cspViolations);
  assert.ok(Array.isArray(csp), `the CSP watcher runs on ${where}`);
  assert.deepEqual(csp, [], `Content-Security-Policy violations on ${where}`);
  await page.evaluate(axeSource());
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
  if (violations.length > 0) {
    throw new Error(`axe-core violations on ${where}:\n${JSON.stringify(violations, null, 2)}`);
  }
}

/** Calls a server function the way the browser app does (JSON both ways). */
export async function callApi(baseURL, name, params) {
  const res = await fetch(`${baseURL}/api/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(params),
  });
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

/**
 * Walks the catalog through the API and returns the first `{ product, variant }` whose
 * variant satisfies `wanted` (the demo catalog is generated, so tests find what they need).
 */
export async function findVariant(baseURL, wanted, region = "london") {
  const { categories } = await callApi(baseURL, "home", {});
  for (const category of categories) {
    const listing = await callApi(baseURL, "category", { slug: category.slug });
    for (const card of listing.products) {
      const product = await callApi(baseURL, "product", { slug: card.slug, region });
      const variant = product.variants.find(wanted);
      if (variant) return { product, variant };
    }
  }
  throw new Error("no variant in the demo catalog matches");
}

/** Picks a variant on its product page with the Colour and Size selects. */
// A product's reviews, "Goes well with" and "Tell me if it goes on sale" are fetched as
// their place nears the screen (below the product on a phone): scroll down as a shopper
// would, once the product has shown.
export async function scrollToProductExtras(page) {
  await visible(page.getByRole("button", { name: "Add to cart" }));
  await page.keyboard.press("End");
}

export async function chooseVariant(page, variant) {
  if (variant.colour) await page.getByRole("combobox", { name: "Colour" }).selectOption(variant.colour);
  if (variant.size) await page.getByRole("combobox", { name: "Size" }).selectOption(variant.size);
}

/** The built-in test gateway's cards (see crates/domain/src/payment.rs, TEST_CARDS). */
export const CARDS = {
  approved: "4242 4242 4242 4242",
  declined: "4000 0000 0000 0002",
  noFunds: "4000 0000 0000 9995",
  bankCheck: "4000 0027 6000 3184",
};

/**
 * Walks the checkout steps from wherever the page is in them (contact, delivery,
 * payment) to the review step, filling fields by their labels.
 */
export async function checkOut(
  page,
  { email, name, line1, city, postcode, phone = "07700 900123", card = CARDS.approved, delivery },
) {
  await page.waitForURL(/\/checkout\/(contact|delivery|payment|review)$/);
  if (page.url().endsWith("/contact")) {
    await page.getByLabel("Email address", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Continue to delivery" }).click();
    await page.waitForURL(/\/checkout\/delivery$/);
  }
  if (page.url().endsWith("/delivery")) {
    await page.getByLabel("Full name").fill(name);
    await page.getByLabel("Address line 1").fill(line1);
    await page.getByLabel("Town or city").fill(city);
    await page.getByLabel("Postcode", { exact: true }).fill(postcode);
    await page.getByLabel("Phone number", { exact: true }).fill(phone);
    if (delivery) await page.getByRole("radio", { name: new RegExp(`^${delivery} delivery`) }).check();
    await page.getByRole("button", { name: "Continue to payment" }).click();
    await page.waitForURL(/\/checkout\/payment$/);
  }
  if (page.url().endsWith("/payment")) {
    await page.getByLabel("Name on card").fill(name);
    await page.getByLabel("Card number").fill(card);
    await page.getByLabel("Expiry date (MM/YY)").fill("12/34");
    await page.getByLabel("Security code").fill("123");
    await page.getByRole("button", { name: "Continue to review" }).click();
  }
  await visible(page.getByRole("heading", { name: "Check and place your order", exact: true }));
}

/** Calls the stock admin API with a bearer token; returns the parsed JSON answer. */
export async function callAdmin(baseURL, token, name, body) {
  const res = await fetch(`${baseURL}/api/admin/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${name}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

async function postJson(baseURL, name, body) {
  const res = await fetch(`${baseURL}/api/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

/**
 * The body of a checkout over HTTP, as the review step sends it: the card tokenized by
 * the test gateway, the amounts the shop quotes now, a fresh idempotency key.
 */
export async function orderBody(baseURL, lines, card = CARDS.approved) {
  const token = await postJson(baseURL, "card_token", { card: { name: "Bench", number: card, expiry: "12/34", cvc: "123" } });
  const priced = await postJson(baseURL, "price_cart", { lines, region: "yorkshire" });
  return {
    request: {
      key: crypto.randomUUID(),
      details: {
        email: "bench@example.com",
        phone: "07700 900123",
        address: { name: "Bench", line1: "1 High Street", line2: "", city: "Leeds", postcode: "LS1 4AP", country: "GB" },
      },
      lines,
      region: "yorkshire",
      card_token: token.token,
      expected_now: priced.charges.now,
      expected_total: priced.total,
    },
  };
}

/** Places an order from `orderBody`; fails unless it was placed. */
export async function placeOrder(baseURL, body) {
  const answer = await postJson(baseURL, "place_order", body);
  if (!answer.Placed) throw new Error(`order not placed: ${JSON.stringify(answer)}`);
  return answer.Placed;
}
