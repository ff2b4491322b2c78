// A shop that works on a bad connection: installable, the pages already seen open when
// the shop can't be reached (the real server stopped, not a mock), the cart is safe and
// the shopper is told so plainly, and a release is picked up on the next visit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { useShop, visible, expectNoAxeViolations } from "./harness.mjs";

const ctx = useShop({ before, after });

const OFFLINE = "You're offline — your cart is safe.";

test("the shop opens offline with the pages seen and the cart, says so, and takes a release on the next visit", async () => {
  const { shop, browser } = ctx();
  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));

  await page.goto("/");
  await visible(page.getByRole("heading", { name: "Shop by category", exact: true }));
  // The service worker takes over this first page (no reload needed).
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });

  // Installable: a manifest with its icons, and a service worker that controls the page.
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  // A test browser's profile is private ("in-incognito"); nothing else may stand in the way.
  assert.deepEqual(
    installabilityErrors.filter((e) => e.errorId !== "in-incognito"),
    [],
    "Chromium can install the shop",
  );
  const manifest = await cdp.send("Page.getAppManifest");
  assert.deepEqual(manifest.errors, [], "the manifest parses");

  // A product seen and put in the cart, online.
  const search = page.getByRole("combobox", { name: "Search products" });
  await search.fill("linen shirt");
  await search.press("Enter");
  const firstResult = page.getByRole("region", { name: "Results" }).getByRole("listitem").first().getByRole("link");
  const productName = (await firstResult.innerText()).trim();
  await firstResult.click();
  await visible(page.getByRole("heading", { level: 1, name: productName }));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await visible(page.getByRole("link", { name: "Cart 1 item" }));
  const productUrl = page.url();
  const offline = page.getByRole("status").filter({ hasText: OFFLINE });
  assert.equal(await offline.count(), 0, "nothing said while the shop answers");
  // Checkout's first step (a lazy part of the app in this build), seen once.
  await page.getByRole("link", { name: "Cart 1 item" }).click();
  await page.getByRole("button", { name: "Checkout" }).click();
  await visible(page.getByRole("heading", { name: "Checkout", exact: true }));
  await page.goto(productUrl);
  await visible(page.getByRole("heading", { level: 1, name: productName }));

  // The shop can't be reached (its server is down): the page seen opens again, as it was.
  await shop.pause();
  await page.reload();
  await visible(page.getByRole("heading", { level: 1, name: productName }));
  await visible(offline);
  await visible(page.getByRole("link", { name: "Cart 1 item" }));
  // The header's categories too (the layout's part and its answer, kept with the shell).
  await visible(page.getByRole("navigation", { name: "Categories" }).getByRole("link").first());
  await expectNoAxeViolations(page, "a product page offline");
  // Checkout opens too (nothing can be ordered until the shop answers again).
  await page.goto("/checkout");
  await visible(page.getByRole("heading", { name: "Checkout", exact: true }));
  await visible(offline);
  await page.goto(productUrl);
  await visible(page.getByRole("heading", { level: 1, name: productName }));

  // A page never seen can't be shown, and says why; the cart is still there.
  await page.goto("/search?q=wool+jumper");
  await visible(page.getByText("We couldn't reach the shop just now. Please check your connection and try again."));
  await visible(offline);
  await visible(page.getByRole("link", { name: "Cart 1 item" }));

  // A part of the app never fetched (Find my order) can't come: the page says so and the
  // rest of the shop goes on working.
  await page.getByRole("link", { name: "Find my order" }).click();
  await visible(page.getByRole("alert").filter({ hasText: "This page didn't load" }));
  await visible(page.getByRole("button", { name: "Try again" }));
  await expectNoAxeViolations(page, "a part that didn't load");
  await page.goBack();
  await visible(page.getByText("We couldn't reach the shop just now. Please check your connection and try again."));

  // The browser's own word counts too: offline before any request fails.
  await shop.resume();
  await page.goto(productUrl);
  await visible(page.getByRole("heading", { level: 1, name: productName }));
  await context.setOffline(true);
  await visible(offline);
  await context.setOffline(false);
  await offline.waitFor({ state: "detached", timeout: 15_000 });

  // A release: the next visit gets the new app, not the one kept for offline use.
  const release = mkdtempSync(path.join(tmpdir(), "storefront-release-"));
  try {
    const site = path.resolve(process.env.STOREFRONT_SITE_DIR ?? new URL("../../dist", import.meta.url).pathname);
    cpSync(site, release, { recursive: true });
    const index = path.join(release, "index.html");
    writeFileSync(
      index,
      readFileSync(index, "utf8").replace("<head>", '<head><meta name="storefront-release" content="next">'),
    );
    await shop.pause();
    await shop.resume({ STOREFRONT_SITE_DIR: release });
    await page.reload();
    await visible(page.getByRole("heading", { level: 1, name: productName }));
    assert.equal(await page.locator('meta[name="storefront-release"]').count(), 1, "the new release's page");
    // And offline, it is the new release that opens.
    await shop.pause();
    await page.reload();
    await visible(page.getByRole("heading", { level: 1, name: productName }));
    assert.equal(await page.locator('meta[name="storefront-release"]').count(), 1, "the release kept for offline use");
    await visible(offline);
    await shop.resume();
  } finally {
    rmSync(release, { recursive: true, force: true });
  }

  assert.deepEqual(errors, [], "no script errors");
  await context.close();
});
