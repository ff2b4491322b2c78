// `make lighthouse`: Lighthouse's mobile audit (its default: a mid-range phone, simulated
// slow 4G and 4× CPU slowdown) of the home page, a product page, search results and the
// first checkout step (with an item in the cart), against the release server and the
// release app with the demo catalog; each page LIGHTHOUSE_RUNS (5) times, printing the
// median performance score, LCP, TBT and CLS (LIGHTHOUSE_SHIFTS=1 also prints what
// moved, for chasing layout shift; LIGHTHOUSE_DETAILS=1 each run's FCP, LCP, speed index,
// TTI, TBT and the CPU benchmark index Lighthouse measured, the LCP element, its phases,
// the long tasks, the main thread's time by kind and by script and every request's timing,
// for chasing LCP and TBT; LIGHTHOUSE_PAGES=product,search only those).
import lighthouse from "lighthouse";
import { findVariant } from "../e2e/harness.mjs";
import { startShopAndChrome } from "./chrome.mjs";

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
let version = "";
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { shop, port, browser, stop } = await startShopAndChrome();
try {
  const { product, variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined);
  const pages = [
    ["home", "/", null],
    ["product", `/p/${product.slug}`, null],
    ["search results", "/search?q=shirt", null],
    // The first checkout step needs something in the cart: saved as the cart saves itself.
    ["checkout: contact", "/checkout/contact", async (page) => {
      await page.goto(`${shop.baseURL}/help/returns`);
      await page.evaluate((id) => localStorage.setItem("storefront.cart.v1", JSON.stringify({ lines: [{ variant_id: id, quantity: 1 }] })), variant.id);
    }],
  ];
  const rows = [];
  // LIGHTHOUSE_PAGES=product,search measures only the pages whose names contain one of those words.
  const only = process.env.LIGHTHOUSE_PAGES?.split(",").filter(Boolean);
  for (const [name, path, prepare] of pages.filter(([name]) => !only || only.some((w) => name.includes(w)))) {
    const runs = [];
    // A run Lighthouse could not finish (no score: a metric it couldn't compute) is said
    // and run again, not counted as a score of 0; at most RUNS such runs per page.
    const failed = [];
    while (runs.length < RUNS && failed.length < RUNS) {
      const page = await browser.newPage();
      if (prepare) await prepare(page);
      const result = await lighthouse(
        `${shop.baseURL}${path}`,
        { port, output: "json", logLevel: "error", onlyCategories: ["performance"], disableStorageReset: !!prepare },
        undefined,
        page,
      );
      const a = result.lhr.audits;
      version = result.lhr.lighthouseVersion;
      if (process.env.LIGHTHOUSE_SHIFTS) {
        console.log(name, JSON.stringify(a["layout-shifts"]?.details?.items?.slice(0, 5), null, 1));
      }
      if (process.env.LIGHTHOUSE_DETAILS) {
        // What the LCP was, and what it waited on.
        const item = (id) => JSON.stringify(a[id]?.details?.items ?? a[id]?.details ?? null).slice(0, 1500);
        console.log(name, "error:", JSON.stringify(result.lhr.runtimeError ?? null), "FCP:", Math.round(a["first-contentful-paint"]?.numericValue), "LCP:", Math.round(a["largest-contentful-paint"]?.numericValue), "SI:", Math.round(a["speed-index"]?.numericValue), "TTI:", Math.round(a["interactive"]?.numericValue), "TBT:", Math.round(a["total-blocking-time"]?.numericValue), "CPU benchmark index:", result.lhr.environment?.benchmarkIndex);
        console.log(name, "LCP element:", item("largest-contentful-paint-element"));
        console.log(name, "LCP phases:", item("lcp-breakdown-insight"));
        console.log(name, "long tasks:", JSON.stringify((a["long-tasks"]?.details?.items ?? []).map((t) => [t.url.replace(shop.baseURL, ""), Math.round(t.startTime), Math.round(t.duration)])));
        console.log(name, "main thread:", JSON.stringify((a["mainthread-work-breakdown"]?.details?.items ?? []).map((w) => [w.groupLabel, Math.round(w.duration)])));
        console.log(name, "by script:", JSON.stringify((a["bootup-time"]?.details?.items ?? []).map((s) => [s.url.replace(shop.baseURL, ""), Math.round(s.scripting), Math.round(s.scriptParseCompile)])));
        console.log(name, "requests:", JSON.stringify((a["network-requests"]?.details?.items ?? []).map((r) => [r.url.replace(shop.baseURL, ""), Math.round(r.networkRequestTime), Math.round(r.networkEndTime), r.transferSize])));
      }
      const score = result.lhr.categories.performance.score;
      if (score === null || result.lhr.runtimeError) {
        const why = result.lhr.runtimeError?.code ?? Object.values(a).find((x) => x.errorMessage)?.errorMessage ?? "no score";
        console.log(`${name}: a run Lighthouse could not finish (${why}); running it again`);
        failed.push(why);
        await page.close();
        continue;
      }
      runs.push({
        score: Math.round(score * 100),
        lcp: a["largest-contentful-paint"].numericValue,
        tbt: a["total-blocking-time"].numericValue,
        cls: a["cumulative-layout-shift"].numericValue,
      });
      await page.close();
    }
    rows.push({
      page: name,
      "performance (median)": median(runs.map((r) => r.score)),
      "LCP ms": Math.round(median(runs.map((r) => r.lcp))),
      "TBT ms": Math.round(median(runs.map((r) => r.tbt))),
      CLS: Number(median(runs.map((r) => r.cls)).toFixed(3)),
      "scores of the runs": runs.map((r) => r.score).join(" "),
      "runs not finished": failed.length,
    });
    if (runs.length < RUNS) throw new Error(`${name}: only ${runs.length} of ${RUNS} runs finished (${failed.join("; ")})`);
    console.log(`${name}: ${JSON.stringify(rows.at(-1))}`);
  }
  console.log(`\nLighthouse ${version} mobile (simulated slow 4G, 4x CPU), median of ${RUNS} runs:`);
  console.table(rows);
} finally {
  await stop();
}
