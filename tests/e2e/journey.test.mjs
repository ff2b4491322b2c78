// The shopper's journey in a real browser against the real server and database:
// search → product → cart → checkout → confirmation → order status. Everything is found
// by role and accessible name, as a person or a screen reader would find it, and every
// page is checked with axe-core and for the help panel.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { useShop, visible, expectNoAxeViolations, expectHelpPanel, findVariant, chooseVariant, checkOut } from "./harness.mjs";

const ctx = useShop({ before, after });


test("a shopper finds a product, buys it as a guest and follows the order", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));

  // Home
  await page.goto("/");
  await visible(page.getByRole("heading", { level: 1 }));
  await visible(page.getByRole("heading", { name: "Shop by category", exact: true }));
  await expectHelpPanel(page, "home");
  await expectNoAxeViolations(page, "home");

  // Search from the header
  const search = page.getByRole("combobox", { name: "Search products" });
  await search.fill("linen shirt");
  await search.press("Enter");
  await page.waitForURL(/\/search\?q=linen(\+|%20)shirt/);
  await visible(page.getByRole("heading", { name: "Results for “linen shirt”", exact: true }));
  await expectHelpPanel(page, "search");
  await expectNoAxeViolations(page, "search results");

  // The first result (in-stock results come first)
  const firstResult = page.getByRole("region", { name: "Results" }).getByRole("listitem").first().getByRole("link");
  const productName = (await firstResult.innerText()).trim();
  await firstResult.click();
  await visible(page.getByRole("heading", { level: 1, name: productName }));
  await visible(page.getByText(/^(In stock|Only \d+ left)$/));
  // Where it ships from for this shopper (London by default), and when it arrives.
  await visible(page.getByText(/^Ships from (Leeds|Bristol|Glasgow), arrives (Mon|Tue|Wed|Thu|Fri) \d{1,2} [A-Z][a-z]{2}$/));
  await expectHelpPanel(page, "product");
  await expectNoAxeViolations(page, "product");

  await page.getByRole("button", { name: "Add to cart" }).click();
  await visible(page.getByRole("status").filter({ hasText: `Added 1 × ${productName}` }));
  await visible(page.getByRole("link", { name: "Cart 1 item" }));

  // The cart survives a reload
  await page.reload();
  await visible(page.getByRole("link", { name: "Cart 1 item" }));

  // Cart: change the quantity, see the total follow
  await page.getByRole("link", { name: "Cart 1 item" }).click();
  await visible(page.getByRole("heading", { name: "Your cart", exact: true }));
  const quantity = page.getByRole("combobox", { name: new RegExp(`^Quantity of ${productName}`) });
  await quantity.selectOption("2");
  await visible(page.getByRole("link", { name: "Cart 2 items" }));
  await expectHelpPanel(page, "cart");
  await expectNoAxeViolations(page, "cart");
  await page.getByRole("button", { name: "Checkout" }).click();

  // Checkout: mistakes are explained next to the field and nothing is sent
  await visible(page.getByRole("heading", { name: "Checkout", exact: true }));
  await expectHelpPanel(page, "checkout");
  await page.getByRole("button", { name: "Continue to delivery" }).click();
  await visible(page.getByText("Please enter your email address so we can send your receipt."));
  assert.match(page.url(), /\/checkout\/contact$/);
  // Focus lands on the first field to fix.
  await page.waitForFunction(() => document.activeElement?.id === "email");
  await page.getByLabel("Email address", { exact: true }).fill("sam@example");
  await page.getByLabel("Email address", { exact: true }).blur();
  await visible(page.getByText("Please enter an email address like name@example.com."));
  await expectNoAxeViolations(page, "checkout with errors");
  await page.getByLabel("Email address", { exact: true }).fill("sam@example.com");
  await page.getByRole("button", { name: "Continue to delivery" }).click();
  await page.getByLabel("Postcode", { exact: true }).fill("12345");
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await visible(page.getByText("Please enter a UK postcode like LS1 4AP."));
  assert.match(page.url(), /\/checkout\/delivery$/);

  await checkOut(page, { email: "sam@example.com", name: "Sam Shopper", line1: "1 High Street", city: "Leeds", postcode: "ls1 4ap" });
  await page.getByRole("button", { name: /^Place order/ }).click();

  // Confirmation
  await visible(page.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  const number = (await page.locator(".confirmation__number strong").innerText()).trim();
  assert.match(number, /^SF-[0-9A-Z]{8}$/);
  await visible(page.getByRole("link", { name: "Cart 0 items" }));
  await expectHelpPanel(page, "confirmation");
  await expectNoAxeViolations(page, "confirmation");

  // Order status
  await page.getByRole("link", { name: "Track your order" }).click();
  await visible(page.getByRole("heading", { name: `Order ${number}` }));
  await visible(page.getByRole("heading", { name: "Status: Order received", exact: true }));
  await visible(page.getByRole("cell", { name: new RegExp(productName) }));
  await expectHelpPanel(page, "order status");
  await expectNoAxeViolations(page, "order status");

  // The status link without its key shows nothing private
  await page.goto(`/orders/${number}`);
  await visible(page.getByRole("alert").filter({ hasText: "We couldn't find an order with that number" }));

  assert.deepEqual(errors, [], "no script errors in the page");
  await context.close();
});

test("an out-of-stock variant says when it is back and cannot be added", async () => {
  // Find one through the API, as the catalog is generated.
  const target = await findVariant(ctx().shop.baseURL, (v) => v.availability.OutOfStock?.back_on);
  assert.ok(target, "the demo catalog has an out-of-stock variant with a restock date");
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  await page.goto(`/p/${target.product.slug}`);
  await visible(page.getByRole("heading", { level: 1, name: target.product.name }));
  await chooseVariant(page, target.variant);
  await visible(page.getByText(/^Out of stock — back around \d{1,2} [A-Z][a-z]{2}$/));
  assert.equal(await page.getByRole("button", { name: "Add to cart" }).isDisabled(), true);
  await expectNoAxeViolations(page, "out-of-stock product");
  await context.close();
});

test("every other page keeps the help panel and passes axe", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  for (const [path, heading] of [
    ["/c/shoes", "Shoes & trainers"],
    ["/help/returns", "Returns and exchanges"],
    ["/no/such/page", "We couldn't find that page"],
    ["/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "Results for “<script>alert(1)</script>”"],
  ]) {
    await page.goto(path);
    await visible(page.getByRole("heading", { level: 1, name: heading }));
    await expectHelpPanel(page, path);
    await expectNoAxeViolations(page, path);
  }
  // Collapsed, the help panel is still a visible tab.
  await page.getByRole("button", { name: "Hide help" }).click();
  await visible(page.getByRole("complementary", { name: "Help" }).getByRole("button", { name: "Need help?" }));
  await page.reload();
  await visible(page.getByRole("button", { name: "Need help?" }));
  await context.close();
});

/** Presses Tab until the focused element satisfies `wanted` (a function run in the page). */
async function tabTo(page, wanted, arg, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(wanted, arg)) return;
  }
  throw new Error(`never reached by Tab: ${wanted} ${arg ?? ""}`);
}

const focusedText = (text) => document.activeElement?.textContent?.trim() === text;
const focusedId = (id) => document.activeElement?.id === id;

test("the whole journey works from the keyboard alone", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  await page.goto("/");
  await visible(page.getByRole("heading", { name: "Shop by category", exact: true }));
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");

  await tabTo(page, focusedId, "site-search");
  await page.keyboard.type("tote");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Results for “tote”", exact: true }));

  await tabTo(page, () => document.activeElement?.classList.contains("product-card__link"));
  const name = await page.evaluate(() => document.activeElement.textContent.trim());
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { level: 1, name }));

  await tabTo(page, focusedText, "Add to cart");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("link", { name: "Cart 1 item" }));

  await tabTo(page, () => document.activeElement?.getAttribute("href") === "/cart");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Your cart", exact: true }));
  await tabTo(page, focusedText, "Checkout");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Checkout", exact: true }));

  // Contact: the offers box starts unticked and stays so.
  await tabTo(page, focusedId, "email");
  await page.keyboard.type("kim@example.com");
  await tabTo(page, focusedId, "offers");
  assert.equal(await page.evaluate(() => document.activeElement.checked), false);
  await tabTo(page, focusedText, "Continue to delivery");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Where should we deliver?", exact: true }));

  // Delivery: the address, then express chosen with the arrow keys.
  for (const [id, value] of [
    ["name", "Kim Keyboard"],
    ["line1", "2 Low Road"],
    ["city", "Bristol"],
    ["postcode", "BS1 4DJ"],
    ["phone", "0117 496 0000"],
  ]) {
    await tabTo(page, focusedId, id);
    await page.keyboard.type(value);
  }
  await tabTo(page, focusedId, "delivery-standard");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => document.activeElement.id), "delivery-express");
  assert.equal(await page.getByRole("radio", { name: /^Express delivery, £7\.95, arriving / }).isChecked(), true);
  await tabTo(page, focusedText, "Continue to payment");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "How would you like to pay?", exact: true }));

  // Payment: the name on the card is the delivery name already.
  for (const [id, value] of [
    ["card-number", "4242 4242 4242 4242"],
    ["card-expiry", "12/34"],
    ["card-cvc", "123"],
  ]) {
    await tabTo(page, focusedId, id);
    await page.keyboard.type(value);
  }
  await tabTo(page, focusedText, "Continue to review");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Check and place your order", exact: true }));
  await visible(page.getByText("Express delivery", { exact: false }).first());
  await tabTo(page, () => /^Place order and pay £/.test(document.activeElement?.textContent?.trim() ?? ""));
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  await context.close();
});
