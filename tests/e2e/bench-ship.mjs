// Shipped in the back-office → the shopper's open status page repainted, in headless
// Chromium against the real server on loopback. For each of N orders: the status page is
// open, the parcel is packed, then "ship" is timed from just before the request is sent
// to the first frame after the page's status heading changed. Prints p50/p95/max.
// Everything comes from one address, so each round pauses to stay within the shop's
// per-address request budget (the pause is not timed).
// Run: make bench-ship-ui.
import { execFileSync } from "node:child_process";
import { startShop, launchBrowser, findVariant, orderBody, placeOrder, serverBinary, callAdmin } from "./harness.mjs";

const orders = Number(process.env.STOREFRONT_BENCH_ORDERS ?? 60);
const PASSWORD = "a long bench warehouse password";
const hash = execFileSync(serverBinary(), ["hash-password"], { input: `${PASSWORD}\n` }).toString().trim();
const TOKEN = "bench-admin-token-0123456789abcdef";
const shop = await startShop({ STOREFRONT_WAREHOUSE: `wes:${hash}`, STOREFRONT_ADMIN_TOKEN: TOKEN });
const browser = await launchBrowser();

async function staffCall(cookie, name, body) {
  const res = await fetch(`${shop.baseURL}/api/warehouse/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}: ${await res.text()}`);
  return { json: await res.json(), cookie: res.headers.get("set-cookie")?.split(";")[0] };
}

try {
  const { cookie } = await staffCall(null, "sign_in", { name: "wes", password: PASSWORD });
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const { json: first } = await staffCall(cookie, "work", { centre: "" });
  const codeOf = new Map(first.centres.map((c) => [c.name, c.code]));
  const page = await (await browser.newContext({ baseURL: shop.baseURL })).newPage();
  // One card for every order (the shop allows 20 new cards an hour from one address).
  const template = await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]);
  const delays = [];
  for (let i = 0; i < orders; i++) {
    // One more unit at Leeds, so the variant never runs out.
    await callAdmin(shop.baseURL, TOKEN, "receive", { sku: variant.sku, centre: "LDS", quantity: 1 });
    const body = structuredClone(template);
    body.request.key = crypto.randomUUID();
    const placed = await placeOrder(shop.baseURL, body);
    const order = await (await fetch(`${shop.baseURL}/api/order_status`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ number: placed.number, key: placed.key }),
    })).json();
    const centre = order.shipments[0].centre;
    const work = await staffCall(cookie, "work", { centre: codeOf.get(centre) });
    const task = work.json.to_pack.find((t) => t.order_number === placed.number);
    await staffCall(cookie, "pack", { id: task.id });
    await page.goto(`/orders/${placed.number}?key=${placed.key}`);
    await page.getByRole("heading", { name: "Status: Packed", exact: true }).waitFor().catch(async (e) => { console.log(await page.locator("main").innerText()); throw e; });
    // The page's stream is open once the heading shows; let it settle. (The pause also
    // keeps this one address within the shop's request budget, 60 writes in 2 s.)
    await page.waitForTimeout(600);
    await page.evaluate(() => {
      window.__painted = [];
      new MutationObserver(() => {
        if (document.body.innerText.includes("Status: On its way")) {
          requestAnimationFrame(() => window.__painted.push(performance.timeOrigin + performance.now()));
        }
      }).observe(document.querySelector("main"), { childList: true, subtree: true, characterData: true });
    });
    const tracking = `TC${String(1_000_000_000 + i).padStart(10, "0")}`;
    const sent = performance.timeOrigin + performance.now();
    await staffCall(cookie, "ship", { id: task.id, carrier: "test-courier", tracking });
    await page.waitForFunction(() => window.__painted.length > 0, null, { timeout: 5_000 });
    delays.push((await page.evaluate(() => window.__painted[0])) - sent);
  }
  delays.sort((a, b) => a - b);
  const pct = (p) => delays[Math.min(delays.length - 1, Math.round((delays.length - 1) * p))];
  console.log(`orders shipped and timed: ${delays.length}`);
  console.log(`shipped in the back-office → status page repainted: p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${delays.at(-1).toFixed(1)} ms`);
} finally {
  await browser.close();
  await shop.stop();
}
