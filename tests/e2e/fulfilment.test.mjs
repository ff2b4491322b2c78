// After "Place order", in a real browser: the warehouse team signs in to the back-office,
// packs and ships the order with a tracking number, the test courier reports, and the
// shopper's open status page follows every step by itself, to "Delivered", with the
// dispatch and delivered mails in the outbox. "Find my order" and axe on every new page,
// at phone and desktop width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  useShop, visible, expectHelpPanel, expectNoAxeViolations, serverBinary, findVariant, orderBody, placeOrder, callApi, callAdmin,
  scrollToProductExtras,
} from "./harness.mjs";

const PASSWORD = "a long e2e warehouse password";
const TOKEN = "e2e-admin-token-0123456789";
const hash = execFileSync(serverBinary(), ["hash-password"], { input: `${PASSWORD}\n` }).toString().trim();
const ctx = useShop({ before, after }, {
  STOREFRONT_WAREHOUSE: `wes:${hash}`,
  STOREFRONT_AGENTS: `sam:${hash}`,
  STOREFRONT_ADMIN_TOKEN: TOKEN,
  // The follow-up goes as soon as an order is delivered (a month in a real shop).
  STOREFRONT_FOLLOW_UP_DAYS: "0",
});

const PHONE = { width: 390, height: 844 };

/** Waits (up to 5 s) for a mail the shop delivers just after its answer. */
async function mailed(shop, wanted, what) {
  for (let i = 0; i < 50 && !shop.mails().some(wanted); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(shop.mails().some(wanted), what);
}

/** The warehouse back-office, signed in as wes. */
async function warehousePage(browser, baseURL) {
  const staffContext = await browser.newContext({ baseURL });
  const staff = await staffContext.newPage();
  await staff.goto("/warehouse/sign-in");
  await staff.getByLabel("Staff name").fill("wes");
  await staff.getByLabel("Password").fill(PASSWORD);
  await staff.getByRole("button", { name: "Sign in" }).click();
  await staff.waitForURL(/\/warehouse$/);
  return { staff, staffContext };
}

/** The agent console, signed in as sam. */
async function agentPage(browser, baseURL) {
  const agentContext = await browser.newContext({ baseURL });
  const agent = await agentContext.newPage();
  await agent.goto("/agent/sign-in");
  await agent.getByLabel("Agent name").fill("sam");
  await agent.getByLabel("Password").fill(PASSWORD);
  await agent.getByRole("button", { name: "Sign in" }).click();
  await visible(agent.getByRole("heading", { level: 1, name: "Agent console" }));
  return { agent, agentContext };
}

/** Packs and ships order `number`'s parcel at `centre` with the test courier. */
async function packAndShip(staff, number, centre, tracking) {
  const centres = staff.getByRole("combobox", { name: "Distribution centre" });
  await centres.locator("option", { hasText: `${centre} (` }).waitFor({ state: "attached" });
  await centres.selectOption(await centres.locator("option", { hasText: `${centre} (` }).getAttribute("value"));
  await staff.getByRole("button", { name: `Mark packed: ${number}` }).click();
  await staff.getByRole("button", { name: `Ship ${number}` }).click();
  await staff.getByRole("combobox", { name: "Carrier" }).selectOption({ label: "Test courier" });
  await staff.getByLabel("Tracking number").fill(tracking);
  await staff.getByRole("button", { name: "Ship", exact: true }).click();
}

test("packed and shipped in the back-office, reported by the courier, followed live by the shopper", async () => {
  const { shop, browser } = ctx();
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]));
  const order = await callApi(shop.baseURL, "order_status", { number: placed.number, key: placed.key });
  assert.equal(order.shipments.length, 1);
  const centre = order.shipments[0].centre;

  // The shopper keeps their status page open on a phone.
  const shopperContext = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const shopper = await shopperContext.newPage();
  await shopper.goto(`/orders/${placed.number}?key=${placed.key}`);
  await visible(shopper.getByRole("heading", { name: "Status: Order received", exact: true }));
  await visible(shopper.getByRole("heading", { name: `Your parcel from ${centre}` }));
  await expectNoAxeViolations(shopper, "the status page at phone width");
  await expectHelpPanel(shopper, "the status page with parcels");

  // The warehouse: sign-in first.
  const staffContext = await browser.newContext({ baseURL: shop.baseURL });
  const staff = await staffContext.newPage();
  await staff.goto("/warehouse");
  await staff.waitForURL(/\/warehouse\/sign-in$/);
  await expectNoAxeViolations(staff, "the warehouse sign-in");
  await staff.getByLabel("Staff name").fill("wes");
  await staff.getByLabel("Password").fill(PASSWORD);
  await staff.getByRole("button", { name: "Sign in" }).click();
  await staff.waitForURL(/\/warehouse$/);
  const centres = staff.getByRole("combobox", { name: "Distribution centre" });
  await centres.locator("option", { hasText: `${centre} (` }).waitFor({ state: "attached" });
  await centres.selectOption(await centres.locator("option", { hasText: `${centre} (` }).getAttribute("value"));
  const packButton = staff.getByRole("button", { name: `Mark packed: ${placed.number}` });
  await visible(packButton);
  await expectNoAxeViolations(staff, "the warehouse back-office");
  // The staff screens are an app of their own: the shopper's page never loads its bundle.
  await visible(staff.getByRole("navigation", { name: "Staff screens" }).getByRole("link", { name: "The shop" }));
  const loaded = (page) => page.evaluate(() => performance.getEntriesByType("resource").map((r) => new URL(r.name).pathname));
  const staffFiles = await loaded(staff);
  assert.ok(staffFiles.some((f) => /^\/staff\/storefront-staff-[0-9a-f]+_bg\.wasm$/.test(f)), `the staff bundle: ${staffFiles}`);
  const shopFiles = await loaded(shopper);
  assert.ok(shopFiles.some((f) => f.endsWith(".wasm")), `the shop bundle: ${shopFiles}`);
  assert.ok(!shopFiles.some((f) => f.startsWith("/staff/")), `no staff file in the shop's page: ${shopFiles}`);
  await packButton.click();
  await visible(shopper.getByRole("heading", { name: "Status: Packed", exact: true }));

  await staff.getByRole("button", { name: `Ship ${placed.number}` }).click();
  await staff.getByRole("combobox", { name: "Carrier" }).selectOption({ label: "Test courier" });
  const tracking = staff.getByLabel("Tracking number");
  await tracking.fill("12345");
  await staff.getByRole("button", { name: "Ship", exact: true }).click();
  await visible(staff.getByText(/^That isn't a Test courier tracking number/));
  assert.equal(await tracking.getAttribute("aria-invalid"), "true");
  await expectNoAxeViolations(staff, "the ship form with a mistake");
  await tracking.fill("TC0000000042");
  const shippedAt = Date.now();
  await staff.getByRole("button", { name: "Ship", exact: true }).click();
  await visible(shopper.getByRole("heading", { name: "Status: On its way", exact: true }));
  console.log(`shipped in the back-office → the open status page repainted: ${Date.now() - shippedAt} ms`);
  await visible(shopper.getByText("TC0000000042", { exact: true }));
  await visible(staff.getByRole("heading", { name: "Shipped in the last day (1)" }));

  // The test courier reports each step; the page follows without a reload.
  for (const event of ["collected", "in_transit", "out_for_delivery"]) {
    await callAdmin(shop.baseURL, TOKEN, "courier/step", { tracking: "TC0000000042", event, detail: "Leeds hub" });
  }
  await visible(shopper.getByText("Out for delivery", { exact: true }).first());
  await callAdmin(shop.baseURL, TOKEN, "courier/step", { tracking: "TC0000000042", event: "delivered" });
  await visible(shopper.getByRole("heading", { name: "Status: Delivered", exact: true }));
  await expectNoAxeViolations(shopper, "the delivered status page at phone width");
  await shopper.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(shopper, "the delivered status page at desktop width");

  const mails = shop.mails();
  assert.ok(mails.some((m) => /Subject: Your order SF-\w+ is on its way/.test(m) && m.includes("TC0000000042")), "the dispatch mail");
  assert.ok(mails.some((m) => /Subject: Delivered: your order SF-/.test(m) && m.includes("/help/returns")), "the delivered mail");
  await staff.setViewportSize(PHONE);
  await expectNoAxeViolations(staff, "the warehouse back-office at phone width");
  await shopperContext.close();
  await staffContext.close();
});

test("Find my order: mistakes next to their fields, then the same answer whatever was typed", async () => {
  const { shop, browser } = ctx();
  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto("/");
  // The home page settled first: a link under a part still arriving moves as it comes.
  await visible(page.getByRole("heading", { name: "Popular right now" }));
  await page.getByRole("link", { name: "Find my order" }).click();
  await visible(page.getByRole("heading", { name: "Find my order", level: 1 }));
  await expectNoAxeViolations(page, "Find my order at phone width");
  await expectHelpPanel(page, "Find my order");
  await page.getByLabel("Order number").fill("12345");
  await page.getByLabel("Email address", { exact: true }).fill("nope");
  await page.getByRole("button", { name: "Email me the link" }).click();
  await visible(page.getByText(/^An order number looks like SF-/));
  assert.equal(await page.getByLabel("Order number").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("Email address", { exact: true }).getAttribute("aria-invalid"), "true");
  await page.getByLabel("Order number").fill("SF-00000000");
  await page.getByLabel("Email address", { exact: true }).fill("someone@example.com");
  await page.getByRole("button", { name: "Email me the link" }).click();
  await visible(page.getByRole("status").getByText(/we've emailed the order's link to that address/));
  await expectNoAxeViolations(page, "Find my order answered");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "Find my order at desktop width");
  await page.goto("/warehouse/sign-in");
  await visible(page.getByRole("heading", { name: "Warehouse sign-in" }));
  await page.setViewportSize(PHONE);
  await expectNoAxeViolations(page, "the warehouse sign-in at phone width");
  await context.close();
});

test("the shopper cancels from the status page before it ships, and the page says so", async () => {
  const { shop, browser } = ctx();
  const { variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]));
  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`/orders/${placed.number}?key=${placed.key}`);
  await page.getByRole("button", { name: "Cancel this order" }).click();
  await visible(page.getByText(`Cancel order ${placed.number}?`));
  await expectNoAxeViolations(page, "the cancel question at phone width");
  // Keeping it changes nothing.
  await page.getByRole("button", { name: "Keep my order" }).click();
  await page.getByRole("button", { name: "Cancel this order" }).click();
  await page.getByRole("button", { name: "Yes, cancel my order" }).click();
  await visible(page.getByRole("heading", { name: "Status: Cancelled", exact: true }));
  assert.equal(await page.getByRole("button", { name: "Cancel this order" }).count(), 0);
  assert.ok(shop.mails().some((m) => /Subject: Your order SF-\w+ is cancelled/.test(m)), "the cancel mail");
  await expectNoAxeViolations(page, "a cancelled order at phone width");
  await context.close();
});

test("changed before it ships, shipped, delivered, exchanged, sent back and refunded: the shopper's page follows each step", async () => {
  const { shop, browser } = ctx();
  const inStock = (v) => v.availability.InStock !== undefined;
  const { product, variant } = await findVariant(shop.baseURL, (v, _, all) => inStock(v) && all.filter(inStock).length >= 2, "yorkshire");
  const other = product.variants.find((v) => v.id !== variant.id && inStock(v));
  const { product: secondProduct, variant: second } = await findVariant(shop.baseURL, (v) => inStock(v) && !product.variants.some((x) => x.id === v.id), "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [
    { variant_id: variant.id, quantity: 1 },
    { variant_id: second.id, quantity: 1 },
  ]));
  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`/orders/${placed.number}?key=${placed.key}`);
  await visible(page.getByRole("heading", { name: "Change this order" }));

  // Another size and a new street: the total stays, and the page says so first.
  await page.getByRole("button", { name: "Change this order" }).click();
  await page.getByRole("combobox", { name: `${product.name}: size and colour` }).selectOption(String(other.id));
  await page.getByLabel("Address line 1").fill("2 New Street");
  await expectNoAxeViolations(page, "the change form at phone width");
  await page.getByRole("button", { name: "Review the change" }).click();
  const review = page.getByRole("region", { name: "The change, before you confirm it" });
  await visible(review.getByText("new delivery address"));
  await visible(review.getByText(/^The amount held stays £[\d.]+: nothing changes on your Visa ending 4242\.$/));
  await expectNoAxeViolations(page, "the change reviewed");
  await review.getByRole("button", { name: "Confirm the change" }).click();
  await visible(page.getByRole("heading", { name: "Changes to this order" }));
  await visible(page.getByText("2 New Street"));

  // Remove the second line: the money sentence says the hold drops.
  await page.getByRole("button", { name: "Change this order" }).click();
  await page.getByLabel(`${secondProduct.name}: how many (0 removes it)`).fill("0");
  await page.getByRole("button", { name: "Review the change" }).click();
  await visible(review.getByText(/^£[\d.]+ less: the hold on your Visa ending 4242 drops by £[\d.]+, to £[\d.]+; nothing was taken\.$/));
  await review.getByRole("button", { name: "Confirm the change" }).click();
  await visible(page.getByText(/Changed by you/).nth(1));
  await mailed(shop, () => shop.mails().filter((m) => /Subject: Your order SF-\w+ is changed/.test(m)).length === 2, "a mail per change");

  // The warehouse ships what is left; the courier delivers it.
  const { staff, staffContext } = await warehousePage(browser, shop.baseURL);
  const order = await callApi(shop.baseURL, "order_status", { number: placed.number, key: placed.key });
  assert.equal(order.shipments.length, 1, "the change replaced the parcels");
  await packAndShip(staff, placed.number, order.shipments[0].centre, "TC0000000077");
  await visible(page.getByRole("heading", { name: "Status: On its way", exact: true }));
  assert.equal(await page.getByRole("button", { name: "Change this order" }).count(), 0, "no changes once it ships");
  await callAdmin(shop.baseURL, TOKEN, "courier/step", { tracking: "TC0000000077", event: "delivered" });
  await visible(page.getByRole("heading", { name: "Status: Delivered", exact: true }));

  // Send it back for the first size again: put aside at once, the money said first.
  await visible(page.getByRole("heading", { name: "Send something back" }));
  await page.getByLabel(/how many to send back/).fill("1");
  await page.getByRole("button", { name: "Start the return" }).click();
  await visible(page.getByText("Please choose why it's coming back."));
  await page.getByRole("combobox", { name: "Why is it coming back?" }).selectOption({ label: "Too big" });
  await visible(page.getByText(/^£[\d.]+ back to your Visa ending 4242 for these/));
  await page.getByRole("combobox", { name: /refund or exchange$/ }).selectOption(String(variant.id));
  await visible(page.getByText(/^Exchanges are put aside for you now and sent, free, once we've checked your return\.$/));
  await expectNoAxeViolations(page, "the return form at phone width");
  await page.getByRole("button", { name: "Start the return" }).click();
  const returnHeading = page.getByRole("heading", { name: /^Return R\d+-[A-Z]$/ });
  await visible(returnHeading);
  await visible(page.getByText(/^In exchange, put aside for you: 1 × /));
  const code = (await returnHeading.textContent()).replace("Return ", "");
  await mailed(shop, (m) => m.includes(`Your return ${code} is started`), "the return mail");
  await page.getByRole("link", { name: `Print the return label for ${code}` }).click();
  await visible(page.getByRole("heading", { name: `Return label ${code}` }));
  await visible(page.getByText(/^Storefront Returns, .+ distribution centre/));
  await expectNoAxeViolations(page, "the return label at phone width");
  await expectHelpPanel(page, "the return label");
  await page.getByRole("link", { name: "Back to your order" }).click();
  await visible(returnHeading);

  // The returns desk takes it in and accepts it: the exchange goes to To pack, free.
  await staff.getByLabel("Return code").fill("R0000-X");
  await staff.getByRole("button", { name: "Receive return" }).click();
  await visible(staff.getByText(/^That isn't a return code|^No return has that code/));
  await staff.getByLabel("Return code").fill(code.toLowerCase());
  await staff.getByRole("button", { name: "Receive return" }).click();
  await visible(staff.getByText(`Received ${code}`, { exact: false }));
  await visible(page.getByText(/^We've received your return and are checking it: your refund is due by/));
  await expectNoAxeViolations(staff, "the returns desk");
  await staff.getByRole("button", { name: `Accept and send the exchange for ${code}` }).click();
  await visible(page.getByText("Exchanged: the new one is on its way to you."));
  const exchangeParcel = page.getByRole("heading", { name: /^Parcel 2 of 2, from / });
  await visible(exchangeParcel);
  const exchangeCentre = (await exchangeParcel.textContent()).replace("Parcel 2 of 2, from ", "");
  await packAndShip(staff, placed.number, exchangeCentre, "TC0000000078");
  await visible(page.getByText("TC0000000078", { exact: true }));
  await callAdmin(shop.baseURL, TOKEN, "courier/step", { tracking: "TC0000000078", event: "delivered" });
  await visible(page.getByRole("heading", { name: "Status: Delivered", exact: true }));
  await mailed(shop, (m) => m.includes("TC0000000078") && m.includes("Nothing is charged for this parcel."), "the exchange is free");

  // The exchanged one comes back too, for a refund this time.
  await page.getByLabel(/how many to send back/).fill("1");
  await page.getByRole("combobox", { name: "Why is it coming back?" }).selectOption({ label: "Changed my mind" });
  await page.getByRole("button", { name: "Start the return" }).click();
  const secondReturn = page.getByRole("heading", { name: /^Return R\d+-[A-Z]$/ }).nth(1);
  await visible(secondReturn);
  const code2 = (await secondReturn.textContent()).replace("Return ", "");
  await staff.getByLabel("Return code").fill(code2);
  await staff.getByRole("button", { name: "Receive return" }).click();
  await staff.getByRole("button", { name: new RegExp(`^Refund £[\\d.]+ for ${code2}$`) }).click();
  await visible(page.getByText(/^Refunded £[\d.]+\.$/));
  await visible(page.getByText(/^Refunded so far: £[\d.]+\.$/));
  await mailed(shop, (m) => m.includes(`for your return ${code2}`), "the refund mail");
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "an exchanged and a refunded return at desktop width");
  await staffContext.close();
  await context.close();
});

test("once part has shipped, the shopper changes the rest at phone width; what left stays", async () => {
  const { shop, browser } = ctx();
  const { product, variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const { product: waiting, variant: later } = await findVariant(
    shop.baseURL,
    (v) => v.availability.OutOfStock?.back_on && !product.variants.some((x) => x.id === v.id),
    "yorkshire",
  );
  const body = await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }, { variant_id: later.id, quantity: 1 }]);
  body.request.accept_backorder = true;
  const placed = await placeOrder(shop.baseURL, body);
  const order = await callApi(shop.baseURL, "order_status", { number: placed.number, key: placed.key });
  assert.equal(order.shipments.length, 1, "one parcel now, one item waiting for stock");
  const { staff, staffContext } = await warehousePage(browser, shop.baseURL);
  await packAndShip(staff, placed.number, order.shipments[0].centre, "TC0000000091");
  for (let i = 0; i < 50; i++) {
    const now = await callApi(shop.baseURL, "order_status", { number: placed.number, key: placed.key });
    if (now.shipments[0].status === "Shipped") break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`/orders/${placed.number}?key=${placed.key}`);
  await visible(page.getByRole("heading", { name: "Status: On its way", exact: true }));
  await page.getByRole("button", { name: "Change this order" }).click();
  await visible(page.getByText(/^The rest goes to Bench, 1 High Street, Leeds, LS1 4AP by Standard delivery, like what has shipped\.$/));
  assert.equal(await page.getByLabel("Address line 1").count(), 0, "the address stays");
  const shipped = page.getByLabel(`${product.name}: how many in all (1 already shipped)`);
  await shipped.fill("0");
  await page.getByRole("button", { name: "Review the change" }).click();
  await visible(page.getByText("1 of these has already shipped, so the quantity can't go below 1. Once they arrive you can send them back."));
  assert.equal(await shipped.getAttribute("aria-invalid"), "true", "the message is next to the field");
  await expectNoAxeViolations(page, "the change form for the rest, with a mistake, at phone width");
  await shipped.fill("1");
  await page.getByLabel(`${waiting.name}: how many (0 removes it)`).fill("2");
  await page.getByRole("button", { name: "Review the change" }).click();
  const review = page.getByRole("region", { name: "The change, before you confirm it" });
  await visible(review.getByText(/: 1 → 2$/));
  await visible(review.getByText(/^The amount held stays £0\.00: nothing changes on your Visa ending 4242\. £[\d.]+ for 2 items waiting for stock is charged when it ships/));
  await review.getByRole("button", { name: "Confirm the change" }).click();
  await visible(page.getByRole("heading", { name: "Changes to this order" }));
  await visible(page.getByText(/^Changed by you/));
  await mailed(shop, (m) => /Subject: Your order SF-\w+ is changed/.test(m) && m.includes(placed.number), "the change mail");
  const after = await callApi(shop.baseURL, "order_status", { number: placed.number, key: placed.key });
  const line = after.lines.find((l) => l.variant_id === later.id);
  assert.equal(line.quantity, 2);
  assert.equal(line.backordered, 2, "both wait for stock, in the order's place in the queue");
  assert.equal(after.lines.find((l) => l.variant_id === variant.id).shipped, 1);
  await staffContext.close();
  await context.close();
});

test("on the phone: an agent changes a customer's order, their open page follows, and takes a new order", async () => {
  const { shop, browser } = ctx();
  const { product, variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]));
  const shopperContext = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const shopper = await shopperContext.newPage();
  await shopper.goto(`/orders/${placed.number}?key=${placed.key}`);
  await visible(shopper.getByRole("heading", { name: "Change this order" }));

  const { agent, agentContext } = await agentPage(browser, shop.baseURL);
  await agent.getByLabel("Order number, email or phone").fill(placed.number);
  await agent.getByRole("button", { name: "Find the customer" }).click();
  await agent.getByRole("button", { name: "Change this order" }).click();
  await agent.getByLabel(`${product.name}: how many (0 removes it)`).fill("2");
  // And an item that isn't in the order yet, found by name.
  const { product: extra } = await findVariant(
    shop.baseURL,
    (v) => v.availability.InStock !== undefined && !product.variants.some((x) => x.id === v.id),
    "yorkshire",
  );
  await agent.getByLabel("Add an item: search by name").fill(extra.name);
  await agent.getByRole("button", { name: "Find", exact: true }).click();
  await agent.getByRole("button", { name: `Add ${extra.name} (`, exact: false }).first().click();
  await visible(agent.getByLabel(`Added ${extra.name}: how many (0 removes it)`));
  await agent.getByRole("button", { name: "Review the change" }).click();
  const review = agent.getByRole("region", { name: "The change, before you confirm it" });
  await visible(review.getByText(new RegExp(`^added 1 × ${extra.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(`)));
  await visible(review.getByText(/^£[\d.]+ more: we'll ask your bank to hold £[\d.]+ on your Visa ending 4242 in place of £[\d.]+; nothing is taken until it ships\.$/));
  await expectNoAxeViolations(agent, "a change reviewed in the agent console");
  await review.getByRole("button", { name: "Confirm the change" }).click();
  await visible(agent.getByText(/^Changed: the new total is £[\d.]+\./));
  await visible(shopper.getByText("Changed by sam at our contact centre"));
  await expectNoAxeViolations(shopper, "a status page changed by phone");

  // A new order for a caller: priced first, then the card they read out.
  const form = agent.getByRole("region", { name: "Take an order by phone" });
  await form.getByLabel("SKU").fill(variant.sku);
  await form.getByLabel("Units").fill("1");
  await form.getByLabel("Customer's email").fill("caller@example.com");
  await form.getByLabel("Customer's phone").fill("07700 900456");
  await form.getByLabel("Name (as on the card and the parcel)").fill("Pat Caller");
  await form.getByLabel("Address line 1").fill("3 Mill Lane");
  await form.getByLabel("Town or city").fill("Leeds");
  await form.getByLabel("Postcode").fill("LS2 7EW");
  await form.getByRole("button", { name: "Price it" }).click();
  await visible(form.getByText(/^Total £[\d.]+ \(delivery /));
  await form.getByLabel("Card number").fill("4242 4242 4242 4242");
  await form.getByLabel("Expiry (MM/YY)").fill("12/34");
  await form.getByLabel("Security code").fill("123");
  await expectNoAxeViolations(agent, "the phone order form");
  await form.getByRole("button", { name: "Place the order" }).click();
  await visible(form.getByText(/^Order SF-\w+ placed\. The receipt and the order's link are on their way to caller@example\.com\.$/));
  await mailed(shop, (m) => m.includes("caller@example.com") && m.includes("Pat"), "the receipt");
  await agentContext.close();
  await shopperContext.close();
});

test("delivered, then asked how it went: rated from the mail, reviewed, published by an agent, shown on the product page", async () => {
  const { shop, browser } = ctx();
  const { product, variant } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const placed = await placeOrder(shop.baseURL, await orderBody(shop.baseURL, [{ variant_id: variant.id, quantity: 1 }]));
  const order = await callApi(shop.baseURL, "order_status", { number: placed.number, key: placed.key });
  const { staff, staffContext } = await warehousePage(browser, shop.baseURL);
  await packAndShip(staff, placed.number, order.shipments[0].centre, "TC0000000090");
  await mailed(shop, (m) => m.includes(`Subject: Your order ${placed.number} is on its way`), "shipped");
  await staffContext.close();
  await callAdmin(shop.baseURL, TOKEN, "courier/step", { tracking: "TC0000000090", event: "delivered" });

  // The follow-up: a link per number of stars.
  const subject = `Subject: How did it go? Your order ${placed.number}`;
  await mailed(shop, (m) => m.includes(subject), "the follow-up after delivery");
  const mail = shop.mails().find((m) => m.includes(subject));
  assert.ok(mail.includes(product.name), mail);
  const starLink = mail.match(new RegExp(`/review/[A-Za-z0-9]+\\?product=${product.slug}&stars=4`))?.[0];
  assert.ok(starLink, mail);

  // One click in the mail: the page opens with the rating taken and the review form open.
  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(starLink);
  await visible(page.getByRole("heading", { name: "How did it go?", level: 1 }));
  await visible(page.getByText(`Thank you: you gave ${product.name} 4 stars out of 5.`, { exact: false }));
  await visible(page.getByRole("radio", { name: "4 stars out of 5: Happy with it" }));
  assert.ok(await page.getByRole("radio", { name: "4 stars out of 5: Happy with it" }).isChecked());
  await expectNoAxeViolations(page, "the review page, phone width");
  await expectHelpPanel(page, "the review page");

  // A title with no words is told next to the words' box, and nothing is sent.
  await page.getByLabel(/^Title/).fill("Lovely");
  await page.getByRole("button", { name: "Send my review" }).click();
  await visible(page.getByText("Please say a little more than the title: what was it like?"));
  const words = "Warm, soft and exactly the colour in the photo. Washed well too.";
  await page.getByLabel(/^Your review/).fill(words);
  await page.getByLabel(/^Name shown with it/).fill("Sam from Leeds");
  await page.getByRole("button", { name: "Send my review" }).click();
  await visible(page.getByText(/we read every written review before it's shown/));
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page, "the review page after sending, desktop width");

  // The agent reads it in the console's queue and publishes it.
  const { agent, agentContext } = await agentPage(browser, shop.baseURL);
  await visible(agent.getByText(words));
  await expectNoAxeViolations(agent, "the agent console with a review to read");
  await agent.getByRole("button", { name: `Publish the review of ${product.name}` }).click();
  await visible(agent.getByText(`Published the review of ${product.name}.`));
  await agentContext.close();

  // On the product page: listed as a verified buyer's, and found by its stars.
  await page.setViewportSize(PHONE);
  await page.goto(`/p/${product.slug}`);
  await scrollToProductExtras(page);
  const reviews = page.getByRole("region", { name: "Ratings and reviews" });
  await visible(reviews.getByText(words));
  await visible(reviews.getByRole("listitem").filter({ hasText: words }).getByText("Verified buyer"));
  await reviews.getByRole("button", { name: /^4 stars out of 5: \d+$/ }).click();
  await visible(reviews.getByText(/written reviews? with 4 stars out of 5\./));
  await visible(reviews.getByText(words));
  await reviews.getByRole("button", { name: /^5 stars out of 5: \d+$/ }).click();
  await visible(reviews.getByText(/written reviews? with 5 stars out of 5\./));
  assert.equal(await reviews.getByText(words).count(), 0, "not among the 5-star reviews");
  await expectNoAxeViolations(page, "a product page with its reviews, phone width");
  await context.close();
});

test("told when the price goes down: asked on the product page, confirmed from the mail, the alert mailed, stopped in one click", async () => {
  const { shop, browser } = ctx();
  const { product } = await findVariant(shop.baseURL, (v) => v.availability.InStock !== undefined, "yorkshire");
  const pounds = (minor) => `£${(minor / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
  const context = await browser.newContext({ baseURL: shop.baseURL, viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`/p/${product.slug}`);
  await scrollToProductExtras(page);
  const form = page.getByRole("form", { name: "Tell me if it goes on sale" });
  await visible(form);

  // The box unticked: told next to it, nothing sent.
  await form.getByLabel("Your email").fill("watcher@example.com");
  await form.getByRole("button", { name: "Tell me if it goes on sale" }).click();
  await visible(form.getByText("Please tick the box to let us email you when the price goes down."));
  await form.getByLabel(/^Email me when its price goes down/).check();
  await form.getByRole("button", { name: "Tell me if it goes on sale" }).click();
  await visible(form.getByText(/^Almost done: we've sent a link to watcher@example\.com\./));
  await expectNoAxeViolations(page, "a product page with the price watch form, phone width");

  const toWatcher = (m) => m.includes("To: watcher@example.com");
  await mailed(shop, (m) => toWatcher(m) && m.includes("/alerts/price?token="), "the confirm link");
  const confirm = shop.mails().find((m) => toWatcher(m) && m.includes("/alerts/price?token=")).match(/\/alerts\/price\?token=[A-Za-z0-9]+/)[0];
  await page.goto(confirm);
  await visible(page.getByText(`Confirmed: we'll email watcher@example.com when the price of the ${product.name} goes down.`, { exact: false }));
  await expectNoAxeViolations(page, "a price watch confirmed");

  // The shop lowers the price: one mail, with a one-click unsubscribe in its header.
  const lower = Math.floor(product.price.minor * 0.8);
  await callAdmin(shop.baseURL, TOKEN, "price", { slug: product.slug, price_minor: lower });
  const subject = `Subject: ${product.name} is now ${pounds(lower)}`;
  await mailed(shop, (m) => toWatcher(m) && m.includes(subject), "the price alert");
  const alert = shop.mails().find((m) => toWatcher(m) && m.includes(subject));
  assert.ok(alert.includes(`it was ${pounds(product.price.minor)} when you asked us to watch it`), alert);
  assert.match(alert, /^List-Unsubscribe: <http[^>]*\/unsubscribe\?token=[A-Za-z0-9]+>\r?$/m);
  assert.match(alert, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
  await page.goto(`/p/${product.slug}`);
  await visible(page.getByText(pounds(lower), { exact: true }).first());

  // One click on the link in the mail stops it.
  const stop = alert.match(/\/unsubscribe\?token=[A-Za-z0-9]+/)[0];
  await page.goto(stop);
  await visible(page.getByRole("heading", { level: 1, name: "Stop these emails" }));
  await visible(page.getByText(`Done: we won't email watcher@example.com about the price of the ${product.name} again`, { exact: false }));
  await expectNoAxeViolations(page, "a price alert stopped in one click");
  await context.close();

  // Staff see the monthly offers mail in the console and can send it now.
  const { agent, agentContext } = await agentPage(browser, shop.baseURL);
  await visible(agent.getByRole("heading", { name: "Offers by email" }));
  await agent.getByRole("button", { name: "Send this month's mail now" }).click();
  await visible(agent.getByText(/^Last mail: started /));
  await visible(agent.getByText(/subscribers gone through; \d+ mailed/));
  await expectNoAxeViolations(agent, "the agent console with the offers mail sent");
  await agentContext.close();
});
