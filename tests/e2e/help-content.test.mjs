// The owner's help file, edited after the release was built (STOREFRONT_HELP, read at
// start), is what shoppers are told: the help bar's "Call us" dials its number, and the
// pages that show the help content say its words, not the copy built into the app. The
// first load carries only the bar's number (README "Lazy parts of a page"), so both paths
// are checked: the bar's own request and the content the parts ask for.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { useShop, visible } from "./harness.mjs";

const file = path.join(mkdtempSync(path.join(tmpdir(), "storefront-help-")), "help.json");
const builtIn = readFileSync(new URL("../../content/help.json", import.meta.url), "utf8");
const edited = builtIn
  .replaceAll("0113 496 0000", "0113 496 0999")
  .replaceAll("+441134960000", "+441134960999")
  .replace("Changed your mind? Send it back", "Not right? Send it back");
assert.notEqual(edited, builtIn);
writeFileSync(file, edited);
const ctx = useShop({ before, after }, { STOREFRONT_HELP: file });

test("the owner's help file, not the built-in copy, is what the bar dials and the pages say", async () => {
  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto("/");
  const call = page.getByRole("complementary", { name: "Help" }).getByRole("link", { name: "Call us" });
  await visible(call);
  for (let i = 0; i < 100 && (await call.getAttribute("href")) !== "tel:+441134960999"; i++) {
    await page.waitForTimeout(100);
  }
  assert.equal(await call.getAttribute("href"), "tel:+441134960999", "the bar dials the owner's number");

  await page.goto("/help/returns");
  await visible(page.getByText(/^Not right\? Send it back/));
  const phone = page.getByRole("main").getByRole("link", { name: "0113 496 0999" });
  await visible(phone);
  assert.equal(await phone.getAttribute("href"), "tel:+441134960999");
  assert.equal(await page.getByText(/^Changed your mind\?/).count(), 0, "the built-in policy is gone");
  await context.close();
});
