// The customer's account without a password, as a shopper on a phone uses it: ask for a
// link (a mistake named next to the field), read it from the shop's outbox, sign in, see
// the order placed under the address and open it without its private link, sign out; the
// used link refused; delete the data; a size and region kept by the account followed by
// product pages, and checkout filled in from it. Axe on each new page at phone and
// desktop width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { useShop, visible, expectNoAxeViolations, findVariant, orderBody, placeOrder, chooseVariant } from "./harness.mjs";

const ctx = useShop({ before, after });
const PHONE = { width: 390, height: 844 };

/**
 * The link (path and query) in the mail to `to` with `subject`, matching `pattern`
 * (the sign-in link unless said), waiting up to 5 s for it.
 */
async function mailedLink(shop, to, subject = "Your sign-in link", pattern = /\/account\/sign-in\?token=[A-Za-z0-9]+/) {
  for (let i = 0; i < 100; i++) {
    const mail = shop.mails().find((m) => m.includes(`To: ${to}`) && m.includes(`Subject: ${subject}`));
    const link = mail?.match(pattern)?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no link mailed to ${to} under "${subject}"`);
}

test("signed in by a mailed link: the orders under the address, each opening without its key; signed out; the link used once", async () => {
  const { shop, browser } = ctx();
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]));

  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto("/");
  // The home page settled first: a link under a part still arriving moves as it comes.
  await visible(page.getByRole("heading", { name: "Popular right now" }));
  await page.getByRole("contentinfo").getByRole("link", { name: "Your account" }).click();
  await visible(page.getByRole("heading", { name: "Your account", level: 1 }));
  const email = page.getByLabel("Email address");
  await visible(email);
  await expectNoAxeViolations(page, "the account page signed out, phone width");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "the account page signed out, desktop width");
  await page.setViewportSize(PHONE);

  // A mistake is named next to the field, and nothing is sent.
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await visible(page.getByText("Please enter your email address so we can send you a sign-in link."));
  assert.equal(await email.getAttribute("aria-invalid"), "true");
  await expectNoAxeViolations(page, "the account form with a mistake");
  assert.ok(!shop.mails().some((m) => m.includes("Subject: Your sign-in link")));

  // By keyboard: type the address, Enter.
  await email.fill("bench@example.com");
  await email.press("Enter");
  await visible(page.getByRole("status").filter({ hasText: "We've emailed a sign-in link to that address" }));
  const link = await mailedLink(shop, "bench@example.com");

  await page.goto(link);
  await visible(page.getByRole("heading", { name: "Sign in to your account", level: 1 }));
  await expectNoAxeViolations(page, "the sign-in page, phone width");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "the sign-in page, desktop width");
  await page.setViewportSize(PHONE);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/account$/);
  await visible(page.getByText("Signed in as bench@example.com."));
  const order = page.getByRole("link", { name: `Order ${placed.number}` });
  await visible(order);
  await expectNoAxeViolations(page, "the account page signed in, phone width");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "the account page signed in, desktop width");
  await page.setViewportSize(PHONE);

  // Offers: the words agreed to shown beside the button; given and withdrawn in one click each.
  await visible(page.getByText("Send me offers and new arrivals by email", { exact: false }));
  await page.getByRole("button", { name: "Send me offers" }).click();
  await visible(page.getByRole("button", { name: "Stop offers by email" }));
  await visible(page.getByText(/^Agreed on /));
  await page.getByRole("button", { name: "Stop offers by email" }).click();
  await visible(page.getByRole("button", { name: "Send me offers" }));
  await visible(page.getByText(/withdrawn on /));
  await expectNoAxeViolations(page, "the account with a withdrawn consent");
  // The data download: a file with the order in it.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download your data (JSON)" }).click(),
  ]);
  const data = JSON.parse(await (await import("node:fs")).promises.readFile(await download.path(), "utf8"));
  assert.equal(data.email, "bench@example.com");
  assert.ok(data.orders.some((o) => o.number === placed.number), "the order is in the download");
  assert.equal(data.consents.length, 1);

  // The order opens from the account: no private key in its address.
  await order.click();
  await page.waitForURL(new RegExp(`/orders/${placed.number}$`));
  await visible(page.getByRole("heading", { name: "Status: Order received", exact: true }));

  // Signing out: the form again, and the order no longer opens without its key.
  await page.goto("/account");
  await page.getByRole("button", { name: "Sign out" }).click();
  await visible(page.getByRole("button", { name: "Email me a sign-in link" }));
  await page.goto(`/orders/${placed.number}`);
  await visible(page.getByText(/We couldn't find an order with that number and link/));

  // The link worked once.
  await page.goto(link);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("alert").filter({ hasText: /This sign-in link can.t be used: each link works once, within \d+ minutes\./ }));
  await expectNoAxeViolations(page, "a used sign-in link");
  await context.close();
});

test("delete my data: refused while an order is on its way, then done, said, and signed out", async () => {
  const { shop, browser } = ctx();
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const body = await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]);
  body.request.details.email = "dee@example.com";
  const placed = await placeOrder(shop.baseURL, body);

  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto("/account");
  await page.getByLabel("Email address").fill("dee@example.com");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.goto(await mailedLink(shop, "dee@example.com"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByText("Signed in as dee@example.com."));

  await page.getByRole("button", { name: "Delete my data" }).click();
  await visible(page.getByText("This can't be undone. Delete your data now?"));
  await expectNoAxeViolations(page, "the delete confirmation");
  await page.getByRole("button", { name: "Yes, delete my data" }).click();
  await visible(page.getByRole("alert").filter({ hasText: `Order ${placed.number} is still on its way` }));
  await visible(page.getByRole("link", { name: `Order ${placed.number}` }));

  // Cancelled (it hadn't shipped), the data can go.
  const res = await fetch(`${shop.baseURL}/api/cancel_order`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ number: placed.number, key: placed.key }),
  });
  assert.equal(res.status, 200, await res.text());
  await page.getByRole("button", { name: "Delete my data" }).click();
  await page.getByRole("button", { name: "Yes, delete my data" }).click();
  await visible(page.getByRole("status").filter({ hasText: "Done: your personal data is deleted and you're signed out." }));
  await visible(page.getByRole("button", { name: "Email me a sign-in link" }));
  await expectNoAxeViolations(page, "the account page after deleting");
  assert.ok(!shop.mails().some((m) => m.includes("dee@example.com")), "the mail files to the address are gone");
  await context.close();
});

test("kept by the account: the region and a size follow to product pages, and checkout offers the saved address", async () => {
  const { shop, browser } = ctx();
  const { product, variant } = await findVariant(shop.baseURL, (v) => v.size && v.availability.InStock !== undefined);
  const sizes = [...new Set(product.variants.map((v) => v.size))];
  // A size that isn't the one the page would start on.
  const mine = sizes[sizes.length - 1] === variant.size ? sizes[0] : sizes[sizes.length - 1];

  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto("/account");
  await page.getByLabel("Email address").fill("kay@example.com");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.goto(await mailedLink(shop, "kay@example.com"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByText("Signed in as kay@example.com."));
  await visible(page.getByText("None yet. Signed in, tick", { exact: false }));

  await page.getByLabel("Delivery region").selectOption({ label: "Scotland" });
  // The header's "Deliver to" follows the account.
  await page.waitForFunction(() => document.querySelector("#region")?.value === "scotland");
  const size = page.getByLabel(`Your size in ${product.category.name}`);
  await size.selectOption(mine);
  await page.waitForFunction(() => (localStorage.getItem("storefront.sizes") || "").includes("\t"));
  assert.equal(await page.getByLabel(`Your size in ${product.category.name}`).inputValue(), mine);
  await expectNoAxeViolations(page, "the account's sizes and region, phone width");

  // The product page starts on that size.
  await page.goto(`/p/${product.slug}`);
  await visible(page.getByRole("heading", { name: product.name, level: 1 }));
  assert.equal(await page.getByRole("combobox", { name: "Size" }).inputValue(), mine);

  // An order placed from this browser while signed in, its address saved...
  const body = await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]);
  body.request.details.email = "someone.else@example.com";
  body.request.details.address.name = "Kay Saved";
  body.request.save_address = true;
  const answer = await page.evaluate(async (b) => {
    const res = await fetch("/api/place_order", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
    return res.json();
  }, body);
  assert.ok(answer.Placed, JSON.stringify(answer));
  // ...is in the account, and checkout fills in the address for the receipt and offers the saved one.
  await page.goto("/account");
  await visible(page.getByRole("link", { name: `Order ${answer.Placed.number}` }));
  await visible(page.getByRole("button", { name: /^Forget Kay Saved/ }));
  await chooseVariantAndCheckout(page, product, variant);
  await page.waitForFunction(() => document.querySelector("#email")?.value === "kay@example.com");
  await visible(page.getByText("Signed in as kay@example.com: this order will be listed in your account", { exact: false }));
  await page.getByRole("button", { name: "Continue to delivery" }).click();
  await visible(page.getByRole("group", { name: "Your saved addresses" }));
  await page.getByRole("button", { name: /^Deliver here.*Kay Saved/ }).click();
  assert.equal(await page.getByLabel("Full name").inputValue(), "Kay Saved");
  assert.equal(await page.getByLabel("Postcode").inputValue(), "LS1 4AP");
  await visible(page.getByLabel("Save this address in my account for next time"));
  await expectNoAxeViolations(page, "the delivery step with a saved address, phone width");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "the delivery step with a saved address, desktop width");
  await context.close();
});

test("offers ticked at checkout count once the mailed link is opened, and the link works once", async () => {
  const { shop, browser } = ctx();
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const body = await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]);
  body.request.details.email = "offers@example.com";
  body.request.offers = true;
  await placeOrder(shop.baseURL, body);
  const link = await mailedLink(shop, "offers@example.com", "Please confirm: offers by email", /\/offers\/confirm\?token=[A-Za-z0-9]+/);

  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(link);
  await visible(page.getByRole("heading", { name: "Offers by email", level: 1 }));
  await visible(page.getByRole("status").filter({ hasText: "Confirmed: we'll email offers to offers@example.com." }));
  await expectNoAxeViolations(page, "offers confirmed, phone width");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "offers confirmed, desktop width");
  await page.reload();
  await visible(page.getByText(/This link has already been used, or is more than \d+ days old\./));
  await context.close();
});

/** Adds `variant` of `product` to the cart on its page and opens checkout's first step. */
async function chooseVariantAndCheckout(page, product, variant) {
  await page.goto(`/p/${product.slug}`);
  await chooseVariant(page, variant);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page.goto("/checkout");
  await page.waitForURL(/\/checkout\/contact$/);
  await visible(page.getByRole("heading", { name: "Your contact details" }));
}
