// Search in the real page: suggestions while typing (keyboard and screen-reader
// semantics), typo tolerance, facets and sort in the URL, and no dead ends.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { useShop, visible, expectNoAxeViolations } from "./harness.mjs";

const ctx = useShop({ before, after });

async function newPage() {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  page.on("dialog", () => {
    throw new Error("a dialog opened: markup in a query was executed");
  });
  return page;
}

/** Waits until the header's search box holds `text`. */
async function boxShows(page, text) {
  await page.waitForFunction((t) => document.querySelector("#site-search")?.value === t, text, { timeout: 10_000 });
}

test("suggestions appear while typing, forgive typos and work by keyboard", async () => {
  const page = await newPage();
  await page.goto("/");
  const box = page.getByRole("combobox", { name: "Search products" });
  await box.click();
  await box.pressSequentially("lambswol", { delay: 30 });
  const listbox = page.getByRole("listbox", { name: "Suggestions" });
  await visible(listbox);
  assert.equal(await box.getAttribute("aria-expanded"), "true");
  const firstProduct = listbox.getByRole("option").filter({ hasText: "Product" }).first();
  await visible(firstProduct);
  assert.match(await firstProduct.innerText(), /Lambswool/);
  assert.ok((await firstProduct.locator("mark").count()) > 0, "the matched part is highlighted");
  await expectNoAxeViolations(page, "suggestions open");

  // Arrow keys move the active option; the input says which one.
  await box.press("ArrowDown");
  const activeId = await box.getAttribute("aria-activedescendant");
  assert.ok(activeId, "aria-activedescendant is set");
  assert.equal(await page.locator(`#${activeId}`).getAttribute("aria-selected"), "true");
  await box.press("Escape");
  assert.equal(await box.getAttribute("aria-expanded"), "false");
  assert.equal(await box.inputValue(), "lambswol", "Escape closes the list but keeps the text");

  // Enter on a chosen suggestion opens it.
  await box.press("ArrowDown");
  await visible(listbox);
  let chosen = "";
  for (;;) {
    const id = await box.getAttribute("aria-activedescendant");
    chosen = await page.locator(`#${id}`).innerText();
    if (chosen.startsWith("Product")) break;
    await box.press("ArrowDown");
  }
  await box.press("Enter");
  const name = chosen.replace(/^Product\s*/, "").trim();
  await visible(page.getByRole("heading", { level: 1, name }));
});

test("the newest keystroke wins: a fast typist never sees older suggestions", async () => {
  const page = await newPage();
  await page.goto("/");
  const box = page.getByRole("combobox", { name: "Search products" });
  await box.click();
  await box.pressSequentially("shirt", { delay: 5 });
  await box.fill("");
  await box.pressSequentially("tote", { delay: 5 });
  const listbox = page.getByRole("listbox", { name: "Suggestions" });
  await visible(listbox.getByRole("option", { name: /See all results for “tote”/ }));
  const texts = await listbox.getByRole("option").allInnerTexts();
  assert.ok(texts.every((t) => !/shirt”/.test(t)), texts.join(" | "));
  // Enter without choosing opens the full results.
  await box.press("Enter");
  await visible(page.getByRole("heading", { level: 1, name: "Results for “tote”" }));
});

test("Escape pressed quickly, then Enter: the text stays and its results open", async () => {
  const page = await newPage();
  await page.goto("/");
  const box = page.getByRole("combobox", { name: "Search products" });
  for (const query of ["tote", "linen shirt", "socks"]) {
    await box.click();
    await box.fill("");
    // Typed and escaped at once, before any suggestion could come back.
    await box.pressSequentially(query, { delay: 0 });
    await box.press("Escape");
    assert.equal(await box.inputValue(), query, "Escape keeps the text");
    await box.press("Enter");
    await visible(page.getByRole("heading", { level: 1, name: `Results for “${query}”` }));
    assert.equal(new URL(page.url()).searchParams.get("q"), query);
  }
});

test("a colour in the words is a filter, shown as a chip the shopper can remove, in the box and on the page", async () => {
  const page = await newPage();
  await page.goto("/");
  const box = page.getByRole("combobox", { name: "Search products" });
  await box.click();
  await box.pressSequentially("black hoodies", { delay: 20 });
  const listbox = page.getByRole("listbox", { name: "Suggestions" });
  const chip = listbox.getByRole("option", { name: "Remove Colour: Black" });
  await visible(chip);
  assert.match(await listbox.getByRole("option").first().innerText(), /^Remove\s+Colour: Black/, "what was understood comes first");
  await expectNoAxeViolations(page, "suggestions with an understood colour");

  // The results page: hoodies in black, the chip says so.
  await box.press("Enter");
  await page.waitForURL(/\/search\?q=black\+hoodies/);
  const remove = page.getByRole("link", { name: "Remove Colour: Black" });
  await visible(remove);
  await visible(page.getByText("Showing “hoodies”, with:"));
  const black = await page.locator(".count").innerText();
  assert.ok(await page.getByRole("checkbox", { name: /Black/ }).isChecked(), "ticked among the filters too");
  await expectNoAxeViolations(page, "results with an understood colour");

  // Removing the chip searches for the rest: every colour of hoodie.
  await remove.click();
  await page.waitForURL(/\/search\?q=hoodies$/);
  await visible(page.getByRole("heading", { level: 1, name: "Results for “hoodies”" }));
  // The heading follows the address at once; the black hoodies stay on screen, marked busy,
  // until the answer for the new address replaces them.
  await resultsIn(page);
  assert.equal(await page.getByRole("link", { name: /^Remove Colour/ }).count(), 0, "no chip once removed");
  const all = await page.locator(".count").innerText();
  assert.ok(parseInt(all, 10) > parseInt(black, 10), `more hoodies without the colour: ${all} vs ${black}`);

  // In the box too, by keyboard: the chip's row puts the rest of the words back.
  await box.fill("");
  await box.pressSequentially("navy boots", { delay: 20 });
  await visible(listbox.getByRole("option", { name: "Remove Colour: Navy" }));
  await box.press("ArrowDown");
  await box.press("Enter");
  await page.waitForFunction(() => document.querySelector("#site-search").value === "boots");
  assert.match(page.url(), /q=hoodies/, "choosing the chip doesn't leave the page");
});

test("facets and sort live in the URL: reload and back restore them", async () => {
  const page = await newPage();
  await page.goto("/search?q=classic");
  await visible(page.getByRole("heading", { level: 1, name: "Results for “classic”" }));
  const navy = page.getByRole("checkbox", { name: /^Navy \(\d+\)$/ });
  const label = await page.locator("label.facets__option", { has: navy }).innerText();
  const expected = Number(label.match(/\((\d+)\)/)[1]);
  await navy.check();
  await page.waitForURL(/colour=Navy/);
  await visible(page.getByRole("status").filter({ hasText: new RegExp(`^${expected} products?$`) }));
  await expectNoAxeViolations(page, "results with a facet");

  await page.getByRole("combobox", { name: "Sort by" }).selectOption({ label: "Price: low to high" });
  await page.waitForURL(/sort=price-asc/);
  await resultsIn(page);
  const prices = (await page.getByRole("region", { name: "Results" }).locator(".product-card__price").allInnerTexts()).map((t) =>
    Number(t.replace(/[£,]/g, "")),
  );
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));

  // The shopper's region decides what "near" means; the choice is remembered.
  await page.getByRole("combobox", { name: "Deliver to" }).selectOption({ label: "Scotland" });
  const near = page.getByRole("checkbox", { name: /^In stock near Scotland \(\d+\)$/ });
  await visible(near);
  const nearLabel = await page.locator("label.facets__option", { has: near }).innerText();
  const nearCount = Number(nearLabel.match(/\((\d+)\)/)[1]);
  await near.check();
  await page.waitForURL(/near=scotland/);
  await visible(page.getByRole("status").filter({ hasText: new RegExp(`^${nearCount} products?$`) }));
  await page.goBack();
  await page.waitForURL((url) => !url.search.includes("near="));

  await page.reload();
  await visible(page.getByRole("heading", { level: 1, name: "Results for “classic”" }));
  assert.equal(await page.getByRole("checkbox", { name: /^Navy \(\d+\)$/ }).isChecked(), true);
  assert.equal(await page.getByRole("combobox", { name: "Deliver to" }).inputValue(), "scotland");
  await page.goBack();
  await page.waitForURL((url) => !url.search.includes("sort="));
  await page.goBack();
  await page.waitForURL((url) => !url.search.includes("colour="));
  // The old results stay on screen until the new ones arrive: wait for the box to clear.
  await page.waitForFunction(() => {
    const box = [...document.querySelectorAll(".facets__option")].find((l) => /^Navy \(/.test(l.textContent.trim()));
    return box && !box.querySelector("input").checked;
  });
});

/** Waits until the results on screen are the answer for the address (no longer marked busy). */
async function resultsIn(page) {
  await visible(page.locator(".results-area:not([aria-busy])"));
}

test("the results page's heading shows before its results arrive, and older results are marked busy until then", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, serviceWorkers: "block" });
  const page = await context.newPage();
  let release;
  let held;
  const hold = () => (held = new Promise((resolve) => (release = resolve)));
  hold();
  await page.route("**/api/search", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/search?q=linen");
  await visible(page.getByRole("heading", { level: 1, name: "Results for “linen”" }));
  await visible(page.getByRole("status").filter({ hasText: "Loading results…" }));
  release();
  await visible(page.getByRole("region", { name: "Results" }));
  await resultsIn(page);
  assert.equal(await page.getByRole("heading", { level: 1 }).count(), 1, "one heading once the results are in");

  // A new search: its heading at once, the linen results still there but marked busy.
  hold();
  const box = page.getByRole("combobox", { name: "Search products" });
  await box.fill("wool");
  await box.press("Enter");
  await visible(page.getByRole("heading", { level: 1, name: "Results for “wool”" }));
  await visible(page.locator(".results-area[aria-busy=true]").getByRole("region", { name: "Results" }));
  release();
  await resultsIn(page);
  await context.close();
});

test("no dead ends: a better query, products in stock and a person to ask", async () => {
  const page = await newPage();
  await page.goto("/search?q=jmpr");
  await visible(page.getByText("We have nothing called “jmpr”, but we can still help."));
  // The search box shows the query of the results on screen: a deep link, a new search, back.
  await boxShows(page, "jmpr");
  const better = page.getByRole("link", { name: "jumper", exact: true });
  await visible(better);
  await visible(page.getByRole("heading", { name: "In stock now", exact: true }));
  await visible(page.getByRole("complementary", { name: "Help" }));
  await expectNoAxeViolations(page, "no results");
  await better.click();
  await visible(page.getByRole("heading", { level: 1, name: "Results for “jumper”" }));
  await boxShows(page, "jumper");
  await page.goBack();
  await visible(page.getByText("We have nothing called “jmpr”, but we can still help."));
  await boxShows(page, "jmpr");

  // Markup in a query is shown as text, never run.
  await page.goto("/search?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E");
  await visible(page.getByRole("heading", { level: 1, name: "Results for “<img src=x onerror=alert(1)>”" }));
  assert.equal(await page.locator("main img[src='x']").count(), 0);
});
