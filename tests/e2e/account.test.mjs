// The customer's account without a password, as a shopper on a phone uses it: ask for a
// link (a mistake named next to the field), read it from the shop's outbox, sign in, see
// the order placed under the address and open it without its private link, sign out; the
// used link refused. Axe on each new page at phone and desktop width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { useShop, visible, expectNoAxeViolations, findVariant, orderBody, placeOrder } from "./harness.mjs";

const ctx = useShop({ before, after });
const PHONE = { width: 390, height: 844 };

/** The sign-in link mailed to `to` (path and query), waiting up to 5 s for it. */
async function mailedLink(shop, to) {
  for (let i = 0; i < 100; i++) {
    const mail = shop.mails().find((m) => m.includes(`To: ${to}`) && m.includes("Subject: Your sign-in link"));
    const link = mail?.match(/\/account\/sign-in\?token=[A-Za-z0-9]+/)?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no sign-in link mailed to ${to}`);
}

test("signed in by a mailed link: the orders under the address, each opening without its key; signed out; the link used once", async () => {
  const { shop, browser } = ctx();
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]));

  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByRole("contentinfo").getByRole("link", { name: "Your account" }).click();
  await visible(page.getByRole("heading", { name: "Your account", level: 1 }));
  const email = page.getByLabel("Email address");
  await visible(email);
  await expectNoAxeViolations(page, "the account page signed out, phone width");

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
  await expectNoAxeViolations(page, "the sign-in page");
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
