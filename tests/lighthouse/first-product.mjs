// `make bench-first-product`: how long until the home page paints its first product, in headless
// Chromium with 4x CPU slowdown and the slow-4G profile (puppeteer's), a fresh cache each
// time; p50 and p95 of FIRST_PRODUCT_RUNS (10) runs against the release server and app.
import { PredefinedNetworkConditions } from "puppeteer-core";
import { startShopAndChrome } from "./chrome.mjs";

const RUNS = Number(process.env.FIRST_PRODUCT_RUNS ?? 10);
const at = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};

const { shop, port, browser, stop } = await startShopAndChrome();
try {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setCacheEnabled(false);
    await page.emulateNetworkConditions(PredefinedNetworkConditions["Slow 4G"]);
    await page.emulateCPUThrottling(4);
    await page.goto(`${shop.baseURL}/`, { waitUntil: "domcontentloaded" });
    // Checked every frame: the first frame with a product card, in the page's own clock
    // (milliseconds from the start of navigation).
    await page.waitForFunction(
      () => document.querySelector(".product-card") && (window.__firstProduct ??= performance.now()),
      { polling: "raf", timeout: 60_000 },
    );
    const ms = await page.evaluate(() => window.__firstProduct);
    times.push(Math.round(ms));
    await context.close();
  }
  console.log(`first product painted on the home page (slow 4G, 4x CPU, no cache), ${RUNS} runs: p50 ${at(times, 0.5)} ms, p95 ${at(times, 0.95)} ms [${times.join(" ")}]`);
} finally {
  await stop();
}
