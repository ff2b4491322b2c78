// Stock change → the other shopper's open product page repainted, in headless Chromium
// against the real server (10,000 products) on loopback. One variant is kept at 1 unit;
// changes alternate between an order for it (→ "Out of stock") and a restock of 1
// (→ "Only 1 left"), each timed from just before the request is sent to the first frame
// after the badge changed. Prints p50/p95/max. Run: make bench-live-ui.
import { startShop, launchBrowser, findVariant, chooseVariant, callAdmin, orderBody, placeOrder } from "./harness.mjs";

const products = process.env.STOREFRONT_BENCH_PRODUCTS ?? "10000";
const changes = Number(process.env.STOREFRONT_BENCH_CHANGES ?? 100);
const token = "bench-admin-token-0123456789abcdef";

const shop = await startShop({ STOREFRONT_DEMO_PRODUCTS: products, STOREFRONT_ADMIN_TOKEN: token });
const browser = await launchBrowser();
// The card and the quote are prepared before the clock starts: only placing is timed.
const order = (variantId, quantity) => orderBody(shop.baseURL, [{ variant_id: variantId, quantity }]);
try {
  const { product, variant } = await findVariant(shop.baseURL, (v) => v.availability.LowStock);
  const left = variant.availability.LowStock.available;
  if (left > 1) await placeOrder(shop.baseURL, await order(variant.id, left - 1));

  const page = await (await browser.newContext({ baseURL: shop.baseURL })).newPage();
  await page.goto(`/p/${product.slug}`);
  await chooseVariant(page, variant);
  await page.getByText("Only 1 left", { exact: true }).waitFor();
  await page.evaluate(() => {
    window.__painted = [];
    const badge = document.querySelector(".stock-badge");
    new MutationObserver(() => {
      requestAnimationFrame(() => window.__painted.push(performance.timeOrigin + performance.now()));
    }).observe(badge, { childList: true, subtree: true, characterData: true });
  });
  const delays = [];
  for (let i = 0; i < changes; i++) {
    const seen = await page.evaluate(() => window.__painted.length);
    const body = i % 2 === 0 ? await order(variant.id, 1) : null;
    const sent = performance.timeOrigin + performance.now();
    if (body) await placeOrder(shop.baseURL, body);
    else await callAdmin(shop.baseURL, token, "receive", { sku: variant.sku, centre: "LDS", quantity: 1 });
    await page.waitForFunction((n) => window.__painted.length > n, seen, { timeout: 5_000 });
    const painted = await page.evaluate((n) => window.__painted[n], seen);
    delays.push(painted - sent);
  }
  delays.sort((a, b) => a - b);
  const pct = (p) => delays[Math.min(delays.length - 1, Math.round((delays.length - 1) * p))];
  console.log(`catalog: ${products} products; stock changes timed: ${delays.length} (orders and restocks alternating)`);
  console.log(`stock change → other page repainted: p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${delays.at(-1).toFixed(1)} ms`);
  console.log(`goal within 1 s: ${pct(0.95) <= 1000 ? "met" : "NOT met"}`);
} finally {
  await browser.close();
  await shop.stop();
}
