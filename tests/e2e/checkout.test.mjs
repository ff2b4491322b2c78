// The checkout in steps in a real browser: progress, reload and back/forward, the offers
// box, a declined card, the bank's check, what is charged now, and axe on every step.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { useShop, visible, expectNoAxeViolations, expectHelpPanel, findVariant, chooseVariant, checkOut, CARDS } from "./harness.mjs";

const ctx = useShop({ before, after });

/** A fresh browser with one in-stock item in the cart, on the first checkout step. */
async function cartWithOneItem(options = {}) {
  const { product, variant } = await findVariant(ctx().shop.baseURL, (v) => v.availability.InStock !== undefined);
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, ...options });
  const page = await context.newPage();
  await page.goto(`/p/${product.slug}`);
  await chooseVariant(page, variant);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await visible(page.getByRole("link", { name: "Cart 1 item" }));
  await page.goto("/checkout");
  await page.waitForURL(/\/checkout\/contact$/);
  return { context, page, product };
}

const shopper = { email: "cat@example.com", name: "Cat Careful", line1: "5 Quay Street", city: "Leeds", postcode: "LS1 4AP" };

test("steps show progress, survive a reload and follow back and forward", async () => {
  const { context, page } = await cartWithOneItem();
  const progress = page.getByRole("navigation", { name: "Checkout progress" });
  await visible(progress);
  assert.equal(await progress.locator("[aria-current=step]").innerText(), "1. Contact");
  // The offers box starts unticked, with the privacy promise next to it.
  assert.equal(await page.getByRole("checkbox", { name: /^Send me offers/ }).isChecked(), false);
  await visible(page.getByText(/We never sell or share them/));
  await expectHelpPanel(page, "checkout: contact");
  await expectNoAxeViolations(page, "checkout: contact");

  await page.getByLabel("Email address", { exact: true }).fill(shopper.email);
  await page.getByRole("button", { name: "Continue to delivery" }).click();
  await page.waitForURL(/\/checkout\/delivery$/);
  assert.equal(await progress.locator("[aria-current=step]").innerText(), "2. Delivery");
  // Ireland has Eircodes and Irish phone numbers.
  await page.getByLabel("Country", { exact: true }).selectOption("IE");
  await visible(page.getByLabel("Eircode"));
  await page.getByLabel("Eircode").fill("LS1 4AP");
  await page.getByLabel("Phone number", { exact: true }).fill("07700 900123");
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await visible(page.getByText("Please enter an Eircode like D02 X285."));
  await visible(page.getByText("Please enter a phone number in Ireland like 087 123 4567, so the courier can reach you."));
  await page.getByLabel("Country", { exact: true }).selectOption("GB");
  await page.getByLabel("Full name").fill(shopper.name);
  await page.getByLabel("Address line 1").fill(shopper.line1);
  await page.getByLabel("Town or city").fill(shopper.city);
  await page.getByLabel("Postcode", { exact: true }).fill(shopper.postcode);
  await page.getByLabel("Phone number", { exact: true }).fill("0113 496 0000");
  // Both options with their prices and dates; the threshold is explained.
  await visible(page.getByRole("radio", { name: /^Standard delivery, (£3\.95|free), arriving \w{3} \d+ \w{3}$/ }));
  await visible(page.getByRole("radio", { name: /^Express delivery, £7\.95, arriving \w{3} \d+ \w{3}$/ }));
  await visible(page.getByText(/^Standard delivery is free on orders of £50\.00 or more/));
  await expectHelpPanel(page, "checkout: delivery");
  await expectNoAxeViolations(page, "checkout: delivery");
  await page.getByRole("button", { name: "Continue to payment" }).click();
  await page.waitForURL(/\/checkout\/payment$/);

  // A reload keeps every entry; back and forward move between the steps.
  await page.reload();
  await visible(page.getByRole("heading", { name: "How would you like to pay?", exact: true }));
  await page.goBack();
  await page.waitForURL(/\/checkout\/delivery$/);
  assert.equal(await page.getByLabel("Address line 1").inputValue(), shopper.line1);
  assert.equal(await page.getByLabel("Phone number", { exact: true }).inputValue(), "0113 496 0000");
  await page.goBack();
  await page.waitForURL(/\/checkout\/contact$/);
  assert.equal(await page.getByLabel("Email address", { exact: true }).inputValue(), shopper.email);
  await page.goForward();
  await page.goForward();
  await page.waitForURL(/\/checkout\/payment$/);
  await visible(page.getByRole("table").getByText("4242 4242 4242 4242"));
  await expectHelpPanel(page, "checkout: payment");
  await expectNoAxeViolations(page, "checkout: payment");

  // The review can't be reached before the card is given.
  await page.goto("/checkout/review");
  await page.waitForURL(/\/checkout\/payment$/);
  // Nor can a step that doesn't exist: it leads to the first step not done.
  await page.goto("/checkout/nowhere");
  await page.waitForURL(/\/checkout\/payment$/);
  await checkOut(page, shopper);
  await visible(page.getByText(/^Held on your card now: £[\d.,]+ for 1 item shipping (today|tomorrow|on \w{3} \d+ \w{3})/));
  await visible(page.getByText("Card: Visa ending 4242.", { exact: false }));
  await expectHelpPanel(page, "checkout: review");
  await expectNoAxeViolations(page, "checkout: review");
  await page.reload();
  await visible(page.getByRole("heading", { name: "Check and place your order", exact: true }));
  await page.getByRole("button", { name: /^Place order and pay £/ }).click();
  await visible(page.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  await visible(page.getByText(`We've emailed your receipt to ${shopper.email}.`));
  await visible(page.getByText(/^Taken so far: £0\.00 from your Visa ending 4242\. Each parcel is charged when it ships/));
  await visible(page.getByRole("main").getByRole("link", { name: "0113 496 0000" }));
  await expectNoAxeViolations(page, "confirmation with payment");
  // Nothing typed is left behind in the tab.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("storefront.checkout")), null);
  await context.close();
});

test("a declined card is explained and another card finishes the order", async () => {
  const { context, page } = await cartWithOneItem();
  await checkOut(page, { ...shopper, card: CARDS.declined });
  await page.getByRole("button", { name: /^Place order and pay £/ }).click();
  await visible(page.getByRole("alert").filter({ hasText: "Your card was declined, so nothing was charged." }));
  await expectNoAxeViolations(page, "review after a decline");
  await page.getByRole("link", { name: "Use a different card" }).click();
  await page.waitForURL(/\/checkout\/payment$/);
  await checkOut(page, { ...shopper, card: CARDS.approved });
  await page.getByRole("button", { name: /^Place order and pay £/ }).click();
  await visible(page.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  await context.close();
});

test("a card that needs the bank's check can be cancelled, then approved", async () => {
  const { context, page } = await cartWithOneItem();
  await checkOut(page, { ...shopper, card: CARDS.bankCheck });
  const place = page.getByRole("button", { name: /^Place order and pay £/ });
  await place.click();
  const dialog = page.getByRole("dialog", { name: "Confirm this payment with your bank" });
  await visible(dialog);
  await page.waitForFunction(() => document.activeElement?.textContent === "Approve payment");
  await expectNoAxeViolations(page, "the bank's check");
  await dialog.getByRole("button", { name: "Cancel payment" }).click();
  await visible(page.getByRole("alert").filter({ hasText: "The payment wasn't confirmed with your bank, so nothing was charged." }));
  assert.equal(await dialog.count(), 0);

  await place.click();
  await visible(dialog);
  await page.waitForFunction(() => document.activeElement?.textContent === "Approve payment");
  await page.keyboard.press("Enter");
  await visible(page.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  await context.close();
});

test("an answer lost on the way back is asked for again, and the order is placed once", async () => {
  // The test drops an answer in the browser's network layer, which a service worker would
  // sit in front of (it passes writes straight through, so nothing here depends on it).
  const { context, page } = await cartWithOneItem({ serviceWorkers: "block" });
  await checkOut(page, { ...shopper, card: CARDS.approved });
  // The first "Place order" reaches the shop, which places the order; its answer is
  // lost on the way back to the browser (a dropped connection).
  let first = null;
  const sent = [];
  await page.route("**/api/place_order", async (route) => {
    sent.push(JSON.parse(route.request().postData()).request.key);
    if (first === null) {
      const response = await route.fetch();
      first = await response.json();
      await route.abort("connectionreset");
    } else {
      await route.continue();
    }
  });
  const place = page.getByRole("button", { name: /^Place order and pay £/ });
  await place.click();
  await visible(page.getByRole("alert").filter({ hasText: "you'll never be charged twice" }));
  await expectNoAxeViolations(page, "review after a lost answer");
  assert.ok(first?.Placed?.number, JSON.stringify(first));
  // Pressed again: the same attempt, so the answer is the order already placed.
  await place.click();
  await visible(page.getByRole("heading", { name: "Thank you! Your order is in.", exact: true }));
  assert.equal(sent.length, 2);
  assert.equal(sent[1], sent[0], "the retry carries the same key");
  assert.ok(page.url().includes(`/orders/${first.Placed.number}/confirmation`), page.url());
  await context.close();
});
