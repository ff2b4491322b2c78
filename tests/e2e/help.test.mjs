// Help in a real browser: the panel on every route, live chat between a shopper and an
// agent in two separate browser contexts, call-backs in the agent's queue, the agent
// console's sign-in, and the security edges (shopper cookies on agent functions, markup
// in messages).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { useShop, visible, expectHelpPanel, expectNoAxeViolations, findVariant, serverBinary } from "./harness.mjs";

const PASSWORD = "a long e2e agent password";
const hash = execFileSync(serverBinary(), ["hash-password"], { input: `${PASSWORD}\n` }).toString().trim();
const ctx = useShop({ before, after }, { STOREFRONT_AGENTS: `alex:${hash}` });

const panel = (page) => page.getByRole("complementary", { name: "Help" });
const newPage = async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page, errors };
};

// One assertion per route: the panel is there, with help for that kind of page.
const routes = [
  ["/", "Finding your way around"],
  ["/c/shoes", "Help finding the right thing"],
  ["/search?q=shirt", "Help finding the right thing"],
  ["product", "Help with this product"],
  ["/cart", "Help with your cart"],
  ["/checkout/contact", "Help with checkout"],
  ["/checkout/delivery", "Help with checkout"],
  ["/checkout/payment", "Help with checkout"],
  ["/checkout/review", "Help with checkout"],
  ["/orders/SF-AAAAAAAA?key=nope", "Help with this order"],
  ["/orders/SF-AAAAAAAA/confirmation?key=nope", "Help with this order"],
  ["/help/returns", "Help with returns"],
  ["/alerts/confirm?token=nope", "Help"],
  ["/unsubscribe?token=nope", "Help"],
  ["/no/such/page", "Help"],
];
for (const [route, heading] of routes) {
  test(`the help panel is on ${route}`, async () => {
    const { context, page } = await newPage();
    let path = route;
    if (route === "product") {
      const { product } = await findVariant(ctx().shop.baseURL, () => true);
      path = `/p/${product.slug}`;
    }
    await page.goto(path);
    await expectHelpPanel(page, path);
    await visible(panel(page).getByRole("heading", { name: heading, exact: true }));
    await context.close();
  });
}

test("on a phone the help starts as a bar at the bottom and never covers the header, search or cart", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto("/");
  const help = panel(page);
  await visible(help.getByRole("button", { name: "Need help?" }));
  assert.equal(await help.getByRole("button", { name: "Need help?" }).getAttribute("aria-expanded"), "false");
  assert.match(await help.getByRole("link", { name: "Call us" }).getAttribute("href"), /^tel:\+44/);
  // Each header control is itself what a tap at its centre reaches: nothing lies over it.
  const uncovered = async (where) => {
    for (const control of [
      page.getByRole("combobox", { name: "Search products" }),
      page.getByRole("combobox", { name: "Deliver to" }),
      page.getByRole("link", { name: /^Cart/ }),
    ]) {
      const box = await control.boundingBox();
      assert.ok(box, `${where}: the control is on screen`);
      const reached = await control.evaluate((el, [x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return hit === el || el.contains(hit);
      }, [box.x + box.width / 2, box.y + box.height / 2]);
      assert.ok(reached, `${where}: nothing covers ${await control.evaluate((el) => el.outerHTML.slice(0, 60))}`);
    }
    const bar = await help.boundingBox();
    const header = await page.getByRole("banner").boundingBox();
    assert.ok(bar.y >= header.y + header.height, `${where}: the help (top ${bar.y}) is below the header (bottom ${header.y + header.height})`);
  };
  await uncovered("closed");
  await expectNoAxeViolations(page, "the help bar at phone width");
  // Chat is one tap away: the panel opens with the message box ready.
  await help.getByRole("button", { name: "Chat with us" }).click();
  await visible(help.getByRole("heading", { name: "Chat with us" }));
  // The chat is fetched as the panel opens; focus lands once it is there.
  await page.waitForFunction(() => ["chat-message", "chat-email"].includes(document.activeElement?.id), null, { timeout: 5000 }).catch(() => {});
  const focused = await page.evaluate(() => document.activeElement?.id);
  assert.ok(["chat-message", "chat-email"].includes(focused), `focus in the chat: ${focused}`);
  await uncovered("open");
  await expectNoAxeViolations(page, "the help panel open at phone width");
  // Remembered: the next page keeps it open, and "Hide help" brings the bar back.
  await page.goto("/c/shoes");
  await visible(help.getByRole("button", { name: "Hide help" }));
  await help.getByRole("button", { name: "Hide help" }).click();
  await visible(help.getByRole("link", { name: "Call us" }));
  await context.close();
});

// The part every page fetches as the shop starts (scripts/part-packs.py, STARTUP_PARTS).
const STARTUP_PART = "shell_reads";

test("the chat and the call-back form are fetched when first wanted, not in the first load", async () => {
  // The release app's parts (scripts/split-wasm.sh) are files named split_<part>-<hash>.wasm,
  // or come in a pack of their own, pack_<part>-<hash>.wasm (scripts/part-packs.py).
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, viewport: { width: 390, height: 844 }, serviceWorkers: "block" });
  const page = await context.newPage();
  const parts = [];
  page.on("request", (r) => {
    const m = new URL(r.url()).pathname.match(/^\/(?:split|pack)_([a-z_]+)-[0-9a-f]+\.wasm$/);
    if (m) parts.push(m[1]);
  });
  await page.goto("/");
  const help = panel(page);
  await visible(help.getByRole("button", { name: "Need help?" }));
  await visible(page.getByRole("heading", { name: "Popular right now" }));
  await page.waitForLoadState("networkidle");
  // Every page fetches the layout's reads (the header's categories, the bar's number:
  // src/components/shell_reads.rs) as it starts.
  assert.deepEqual([...parts].sort(), ["browse_part", STARTUP_PART], "the home page on a phone fetches its own part and the layout's, not the help's");
  const later = () => parts.filter((p) => p !== STARTUP_PART);
  await help.getByRole("button", { name: "Chat with us" }).click();
  await visible(help.getByRole("textbox", { name: "Your message" }));
  assert.deepEqual(later(), ["browse_part", "help_body", "chat_box"], "opening the help fetches what it shows and the chat");
  await help.getByRole("button", { name: "Ask us to call you" }).click();
  await visible(help.getByRole("textbox", { name: "Your name" }));
  assert.deepEqual(later(), ["browse_part", "help_body", "chat_box", "callback_form"], "asking for a call fetches its form");
  assert.equal(parts.length, 5, "the layout's part is fetched once");
  await expectNoAxeViolations(page, "the chat and call-back form, fetched");
  await context.close();
});

test("a page opened directly fetches its own parts beside the first load, from links in the page", async () => {
  // scripts/part-packs.py writes them: the routes from src/app.rs, each part's files (its
  // own and the chunks it needs) packed into one, pack_<part>-<hash>.wasm, and the layout's
  // part (STARTUP_PART) on every page. Fetched by a
  // <link rel=preload> (initiator "link"), not after the first load has started (initiator
  // "fetch" from the loader). At phone width, where the help starts as a bar (on a wide
  // screen it starts open, with the chat in it).
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, viewport: { width: 390, height: 844 }, serviceWorkers: "block" });
  const page = await context.newPage();
  const parts = async () =>
    page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((e) => [new URL(e.name).pathname, e.initiatorType])
        .filter(([path]) => /^\/(split|chunk|pack)_[a-z0-9_]+-[0-9a-f]+\.wasm$/.test(path)),
    );
  const preloaded = async (where, part) => {
    const fetched = await parts();
    const own = fetched.filter(([path]) => path.startsWith(`/pack_${part}-`));
    assert.equal(own.length, 1, `${where}: its part ${part} is fetched once, packed: ${JSON.stringify(fetched)}`);
    assert.equal(own[0][1], "link", `${where}: ${part} comes from the page's preload link`);
    // A preload the loader's fetch didn't use would show as the same pack fetched twice;
    // a pack the loader didn't use, as the part's files fetched one by one as well.
    const paths = fetched.map(([path]) => path);
    assert.deepEqual(paths.filter((p, i) => paths.indexOf(p) !== i), [], `${where}: each preloaded pack is fetched once`);
    assert.deepEqual(paths.filter((p) => /^\/(split|chunk)_/.test(p)), [], `${where}: no file of a part is fetched on its own`);
    if (part !== STARTUP_PART) await preloaded(where, STARTUP_PART);
  };
  await page.goto("/search?q=shirt");
  await visible(page.getByRole("heading", { level: 1, name: "Results for “shirt”" }));
  await preloaded("search results", "search_page");
  const product = page.locator(".product-card__link").first();
  const href = await product.getAttribute("href");
  await page.goto(href);
  await visible(page.getByRole("button", { name: "Add to cart" }));
  await preloaded("a product", "product_page");
  // What sits under the product (reviews, "Goes well with") waits until the shopper
  // scrolls towards it.
  const extras = async () => (await parts()).filter(([path]) => /^\/(split|pack)_product_extras-/.test(path)).length;
  await page.waitForLoadState("networkidle");
  assert.equal(await extras(), 0, "a product's reviews aren't fetched while they're off screen");
  await page.keyboard.press("End");
  await visible(page.getByRole("region", { name: "Ratings and reviews" }));
  assert.equal(await extras(), 1, "scrolling down fetches them");
  await page.goto("/checkout/contact");
  await visible(page.getByRole("heading", { name: "Checkout", level: 1 }));
  await preloaded("checkout's first step", "checkout_page");
  await page.goto("/");
  await visible(page.getByRole("heading", { name: "Popular right now" }));
  await page.waitForLoadState("networkidle");
  await preloaded("the home page", "browse_part");
  assert.equal((await parts()).length, 2, "the home page on a phone fetches only its own part and the layout's");
  await context.close();
});

test("the home page's heading shows at once, and the rest of it says so if its part doesn't come", async () => {
  // The heading is in the first load (src/app.rs, home_page); the categories and popular
  // products are the browse part, shown under it when it comes.
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, viewport: { width: 390, height: 844 }, serviceWorkers: "block" });
  const page = await context.newPage();
  const browsePart = /\/(pack|split)_browse_part-[0-9a-f]+\.wasm$/;
  await page.route(browsePart, (route) => route.abort("connectionreset"));
  await page.goto("/");
  await visible(page.getByRole("heading", { level: 1, name: "Good clothes, honest stock, real people to help." }));
  const notLoaded = page.getByRole("alert").filter({ hasText: "The categories and popular products didn't load: the connection dropped." });
  await visible(notLoaded);
  await expectNoAxeViolations(page, "the home page without its part");
  await page.unroute(browsePart);
  await notLoaded.getByRole("button", { name: "Try again" }).click();
  await visible(page.getByRole("heading", { level: 2, name: "Popular right now" }));
  assert.equal(await page.getByRole("heading", { level: 1 }).count(), 1, "one heading for the page");
  await context.close();
});

test("help answers fit the page and can be searched", async () => {
  const { context, page } = await newPage();
  await page.goto("/checkout/contact");
  // Checkout is a lazy route: its page (and its heading) arrives after the help panel.
  await visible(page.getByRole("heading", { name: "Checkout", level: 1 }));
  const help = panel(page);
  for (const q of ["How does billing work?", "Which payment options are there?", "When is my card charged?", "What does the receipt contain?"]) {
    await visible(help.getByRole("region", { name: "Help with checkout" }).getByText(q, { exact: true }));
  }
  await visible(help.getByText(/^(Open now until \d+(:\d\d)?(am|pm)|Closed now\. We open .+)$/));
  const search = help.getByRole("searchbox", { name: "Search our answers" });
  await search.fill("card chraged");
  const answers = help.getByRole("region", { name: "Quick answers" });
  await visible(answers.getByText("When is my card charged?"));
  assert.equal((await answers.locator("details summary").first().innerText()).trim(), "When is my card charged?");
  await search.fill("zebra crossing");
  await visible(answers.getByText(/No answer matches that yet/));
  await expectNoAxeViolations(page, "help panel with a search");
  await context.close();
});

test("/agent without sign-in goes to sign-in, and a wrong password is explained", async () => {
  const { context, page } = await newPage();
  await page.goto("/agent");
  await page.waitForURL(/\/agent\/sign-in$/);
  await visible(page.getByRole("heading", { level: 1, name: "Agent sign-in" }));
  await page.getByLabel("Agent name").fill("alex");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByText("That name and password don't match an agent account."));
  assert.equal(await page.getByLabel("Agent name").getAttribute("aria-invalid"), "true");
  await expectNoAxeViolations(page, "agent sign-in");
  await context.close();
});

test("with no agent online, a message is taken for an answer by email", async () => {
  const { context, page } = await newPage();
  await page.goto("/");
  const help = panel(page);
  await visible(help.getByText(/^No one is online to chat right now/));
  await help.getByLabel("Your message").fill("Do you deliver to Jersey?");
  await help.getByRole("button", { name: "Send message" }).click();
  await visible(help.getByText("No one is online to chat right now. Please leave your email address and we'll answer there."));
  await help.getByLabel("Your email address").fill("ann@example.com");
  await help.getByRole("button", { name: "Send message" }).click();
  await visible(help.getByText("We'll answer here and by email to ann@example.com."));
  await visible(help.getByRole("list", { name: "Conversation" }).getByText("Do you deliver to Jersey?"));
  await context.close();
});

async function signIn(page) {
  await page.goto("/agent/sign-in");
  await page.getByLabel("Agent name").fill("alex");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("heading", { level: 1, name: "Agent console" }));
}

test("a shopper and an agent chat both ways, live, and markup stays text", async () => {
  const agent = await newPage();
  await signIn(agent.page);
  const shopper = await newPage();
  const { product } = await findVariant(ctx().shop.baseURL, () => true);
  await shopper.page.goto(`/p/${product.slug}`);
  const help = panel(shopper.page);
  await visible(help.getByText("We're online: a person will answer in a minute or two."));

  // The shopper writes; the agent sees it arrive without reloading, with the page it came from.
  const xss = `<img src=x onerror="window.__xss=1">Is this true to size?`;
  await help.getByLabel("Your message").fill(xss);
  await help.getByRole("button", { name: "Send", exact: true }).click();
  const log = help.getByRole("list", { name: "Conversation" });
  await visible(log.getByText(xss, { exact: true }));
  const queue = agent.page.getByRole("region", { name: "Queue" });
  const item = queue.getByRole("button", { name: /^Chat \d+ · 1 waiting.*Is this true to size\?/ });
  await visible(item);
  await item.click();
  const selected = agent.page.getByRole("region", { name: "Selected" });
  await visible(selected.getByRole("list", { name: "Conversation" }).getByText(xss, { exact: true }));
  await visible(selected.getByText(`/p/${product.slug}`));
  // Opening it marks it read for the shopper.
  await visible(help.getByText("Read", { exact: true }));

  // Typing shows on the other side, both ways.
  await help.getByLabel("Your message").pressSequentially("Also", { delay: 50 });
  await visible(selected.getByText("The customer is typing…"));
  await selected.getByLabel("Reply").pressSequentially("It fits", { delay: 50 });
  await visible(help.getByText("Someone from our team is typing…"));
  await selected.getByLabel("Reply").fill("It's true to size. <b>Happy</b> to help!");
  await selected.getByRole("button", { name: "Send reply" }).click();
  await visible(log.getByText("It's true to size. <b>Happy</b> to help!", { exact: true }));
  await visible(log.getByText("alex (Storefront)"));
  await visible(selected.getByText("Read by the customer"));

  // The markup never became markup on either side.
  for (const page of [shopper.page, agent.page]) {
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.locator(".chat__log img, .chat__log b").count(), 0);
  }

  // A reload, and a second tab, show the same conversation.
  await shopper.page.reload();
  await visible(log.getByText(xss, { exact: true }));
  await visible(log.getByText("It's true to size. <b>Happy</b> to help!", { exact: true }));
  const tab = await shopper.context.newPage();
  await tab.goto("/cart");
  await visible(panel(tab).getByRole("list", { name: "Conversation" }).getByText(xss, { exact: true }));
  // The agent sees where the shopper is now.
  await visible(selected.getByText("/cart", { exact: true }));

  // The shopper's own cookie opens no agent function.
  const status = await shopper.page.evaluate(async () => {
    const res = await fetch("/api/agent/queue", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    return res.status;
  });
  assert.equal(status, 401);

  await expectNoAxeViolations(agent.page, "agent console with a chat");
  await expectNoAxeViolations(shopper.page, "product page with a chat");

  // Closed by the agent: the shopper is told.
  await selected.getByRole("button", { name: "Close conversation" }).click();
  await visible(help.getByText("This chat has ended. Write below to start a new one."));
  assert.deepEqual([...agent.errors, ...shopper.errors], []);
  await shopper.context.close();
  await agent.context.close();
});

test("a call-back request is checked, confirmed and appears in the agent's queue", async () => {
  const agent = await newPage();
  await signIn(agent.page);
  const shopper = await newPage();
  await shopper.page.goto("/cart");
  const help = panel(shopper.page);
  await help.getByRole("button", { name: "Ask us to call you" }).click();
  await help.getByLabel("Your name").fill("Ann Caller");
  await help.getByLabel("Number to call").fill("12345");
  await help.getByRole("button", { name: "Request a call back" }).click();
  await visible(help.getByText("Please enter a phone number in United Kingdom like 07700 900123."));
  await visible(help.getByText("Please choose when we should call."));
  await visible(help.getByText("Please choose what the call is about."));
  await help.getByLabel("Number to call").fill("07700 900123");
  const when = help.getByLabel("When should we call? (UK time)");
  const firstSlot = await when.locator("option").nth(1).getAttribute("value");
  await when.selectOption(firstSlot);
  await help.getByLabel("What is it about?").selectOption("Delivery");
  await help.getByRole("button", { name: "Request a call back" }).click();
  await visible(help.getByText(/^Thank you\. We'll call \+447700900123 on .+ about “Delivery”\.$/));
  const reference = (await help.locator(".callback__done strong").innerText()).trim();
  assert.match(reference, /^CB-[A-Z0-9]{6}$/);
  await expectNoAxeViolations(shopper.page, "call-back confirmation");

  const item = agent.page.getByRole("region", { name: "Queue" }).getByRole("button", { name: new RegExp(`^Call-back ${reference}: Ann Caller`) });
  await visible(item);
  await item.click();
  const selected = agent.page.getByRole("region", { name: "Selected" });
  await visible(selected.getByRole("link", { name: "+447700900123" }));
  await visible(selected.getByText("/cart", { exact: true }));
  await selected.getByRole("button", { name: "Mark call-back done" }).click();
  await item.waitFor({ state: "detached", timeout: 15_000 });
  await shopper.context.close();
  await agent.context.close();
});
