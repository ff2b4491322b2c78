// Stock that tells the truth, in real browsers against the real server: a sold-out
// variant offers its restock date, alternatives and an opt-in alert; pages follow stock
// changes live (another shopper buys the last units, a restock arrives); a cart line that
// can no longer ship now says so and can wait for the restock, which the shopper must
// accept explicitly at checkout.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  useShop,
  visible,
  expectNoAxeViolations,
  findVariant,
  chooseVariant,
  checkOut,
  callAdmin,
} from "./harness.mjs";

const TOKEN = "e2e-admin-token-0123456789abcdef";
const ctx = useShop({ before, after }, { STOREFRONT_ADMIN_TOKEN: TOKEN });

/** The ISO date `days` from today. */
const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

test("a sold-out variant shows when it is back, what is in stock instead, and an unticked alert", async () => {
  const { product, variant } = await findVariant(ctx().shop.baseURL, (v) => v.availability.OutOfStock?.back_on);
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  await page.goto(`/p/${product.slug}`);
  await visible(page.getByRole("heading", { level: 1, name: product.name }));
  await chooseVariant(page, variant);
  await visible(page.getByText(/^Out of stock — back around \d{1,2} [A-Z][a-z]{2}$/));

  // Alternatives: in stock, near the shopper, each a link to its page.
  const instead = page.getByRole("region", { name: "In stock instead" });
  await visible(instead);
  const links = instead.getByRole("link");
  await visible(links.first());
  assert.ok((await links.count()) >= 1 && (await links.count()) <= 4);

  // "Tell me when it's back": the box starts unticked and must be ticked.
  const alert = page.getByRole("form", { name: "Tell me when it's back" });
  const consent = alert.getByRole("checkbox", { name: /Email me once when it's back in stock/ });
  assert.equal(await consent.isChecked(), false, "consent is never pre-ticked");
  await alert.getByLabel("Your email", { exact: true }).fill("lee@example.com");
  await alert.getByRole("button", { name: "Tell me when it's back" }).click();
  await visible(alert.getByText("Please tick the box to let us send you this one email."));
  await consent.check();
  await alert.getByRole("button", { name: "Tell me when it's back" }).click();
  await visible(alert.getByRole("status").filter({ hasText: "Almost done: we've sent a link to lee@example.com" }));
  await expectNoAxeViolations(page, "sold-out variant with alternatives");

  // Only the address's owner can confirm: the link in the mail does it.
  let link = null;
  for (let i = 0; i < 100 && !link; i++) {
    const mail = ctx().shop.mails().find((m) => m.includes("To: lee@example.com") && m.includes("Subject: Please confirm"));
    link = mail?.match(/\/alerts\/confirm\?token=[A-Za-z0-9]+/)?.[0] ?? null;
    if (!link) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(link, "a confirm link was mailed");
  await page.goto(link);
  await visible(page.getByRole("status").filter({ hasText: `Confirmed: we'll email lee@example.com once when the ${product.name}` }));
  await expectNoAxeViolations(page, "sign-up confirmed");
  await page.reload();
  await visible(page.getByRole("status").filter({ hasText: "This link has already been used" }));
  await context.close();
});

test("another shopper buys the last units: open pages update at once, the cart offers to wait, and a restock serves it", async () => {
  const base = ctx().shop.baseURL;
  const { product, variant } = await findVariant(base, (v) => v.availability.LowStock);
  const left = variant.availability.LowStock.available;
  // More is on its way, so the last units can be waited for.
  const expected = inDays(12);
  await callAdmin(base, TOKEN, "incoming", { sku: variant.sku, centre: "LDS", quantity: 5, expected_on: expected });

  // Shopper B has the product page open and one in the cart, on a second tab.
  const b = await ctx().browser.newContext({ baseURL: base });
  const bProduct = await b.newPage();
  await bProduct.goto(`/p/${product.slug}`);
  await chooseVariant(bProduct, variant);
  await visible(bProduct.getByText(`Only ${left} left`, { exact: true }));
  await bProduct.getByRole("button", { name: "Add to cart" }).click();
  await visible(bProduct.getByRole("link", { name: "Cart 1 item" }));
  const bCart = await b.newPage();
  await bCart.goto("/cart");
  await visible(bCart.getByRole("heading", { name: "Your cart", exact: true }));
  await visible(bCart.getByText(/^1 from (Leeds|Bristol|Glasgow), arriving /));

  // Shopper A buys every unit left.
  const a = await ctx().browser.newContext({ baseURL: base });
  const aPage = await a.newPage();
  await aPage.goto(`/p/${product.slug}`);
  await chooseVariant(aPage, variant);
  await aPage.getByLabel("Quantity", { exact: true }).fill(String(left));
  await aPage.getByRole("button", { name: "Add to cart" }).click();
  await visible(aPage.getByRole("link", { name: `Cart ${left} item${left === 1 ? "" : "s"}` }));
  await aPage.goto("/checkout");
  await checkOut(aPage, { email: "ana@example.com", name: "Ana Buyer", line1: "3 Mill Lane", city: "Leeds", postcode: "LS1 4AP" });
  await aPage.getByRole("button", { name: /^Place order/ }).click();
  await visible(aPage.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));

  // Within a second, B's product page and cart both know.
  await bProduct.getByText(/^Out of stock — back around/).waitFor({ timeout: 1_000 });
  assert.equal(await bProduct.getByRole("button", { name: "Add to cart" }).isDisabled(), true);
  await bCart.getByText(/^Out of stock right now\. More is due around/).waitFor({ timeout: 1_000 });
  await visible(bCart.getByText(/^All 1 follow when back in stock, around /));
  await visible(bCart.getByRole("button", { name: /^Show similar items in stock/ }));
  await expectNoAxeViolations(bCart, "cart with a line that must wait");

  // B chooses to wait: checkout shows the plan and needs an explicit yes.
  await bCart.getByRole("button", { name: "Checkout" }).click();
  await visible(bCart.getByRole("heading", { name: "Checkout", exact: true }));
  await checkOut(bCart, { email: "bo@example.com", name: "Bo Waits", line1: "4 Hill Road", city: "Glasgow", postcode: "G1 1XQ" });
  const yes = bCart.getByRole("checkbox", { name: /^I'm happy for 1 item to follow later/ });
  assert.equal(await yes.isChecked(), false);
  // Nothing ships now, so nothing is charged now.
  await visible(bCart.getByText(/^Nothing is held or charged now\. £[\d.,]+ for 1 item(, including £3\.95 delivery,)? will be charged when it ships \(around /));
  await bCart.getByRole("button", { name: /^Place order/ }).click();
  await visible(bCart.getByText("Please tick this box, or lower the quantities in your cart."));
  await expectNoAxeViolations(bCart, "checkout asking to accept a backorder");
  await yes.check();
  await bCart.getByRole("button", { name: /^Place order/ }).click();
  await visible(bCart.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  await bCart.getByRole("link", { name: "Track your order" }).click();
  // The router moves to the status page once its part has arrived: wait for it, since
  // the confirmation shows "1 to follow" too.
  await bCart.waitForURL(/\/orders\/SF-[A-Z0-9]+\?key=/);
  await visible(bCart.getByRole("heading", { name: /^Order SF-/ }));
  await visible(bCart.getByText(/— 1 to follow, around /));

  // The restock arrives: B's order is served first, and the open page shows stock again.
  const received = await callAdmin(base, TOKEN, "receive", { sku: variant.sku, centre: "LDS", quantity: 5 });
  assert.equal(received.to_backorders, 1);
  assert.equal(received.available_now, 4);
  await bProduct.getByText("Only 4 left", { exact: true }).waitFor({ timeout: 1_000 });
  await bCart.reload();
  await visible(bCart.getByRole("heading", { name: /^Order SF-/ }));
  assert.equal(await bCart.getByText(/to follow, around/).count(), 0);
  await a.close();
  await b.close();
});

test("the shop asks once, lightly, where to deliver, and dates follow the answer", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  await page.goto("/");
  const ask = page.getByRole("form", { name: "Where to deliver" });
  await visible(ask.getByText("Delivery dates are for London. Elsewhere?"));
  await ask.getByLabel("Your postcode").fill("nowhere");
  await ask.getByRole("button", { name: "Use this postcode" }).click();
  await visible(ask.getByText(/^Please enter a UK postcode like LS1 4AP/));
  await expectNoAxeViolations(page, "home with the postcode question");
  await ask.getByLabel("Your postcode").fill("G2 1DY");
  await ask.getByRole("button", { name: "Use this postcode" }).click();
  await ask.waitFor({ state: "detached" });
  const deliverTo = page.getByRole("combobox", { name: "Deliver to" });
  assert.equal(await deliverTo.inputValue(), "scotland");
  await page.reload();
  await visible(page.getByRole("heading", { name: "Shop by category", exact: true }));
  assert.equal(await deliverTo.inputValue(), "scotland");
  assert.equal(await page.getByRole("form", { name: "Where to deliver" }).count(), 0, "asked once");

  // A product held in Glasgow now ships from there.
  const { product, variant } = await findVariant(
    ctx().shop.baseURL,
    (v) => v.availability.InStock && v.delivery?.centre === "Glasgow",
    "scotland",
  );
  await page.goto(`/p/${product.slug}`);
  await chooseVariant(page, variant);
  await visible(page.getByText(/^Ships from Glasgow, arrives /));
  await context.close();
});
