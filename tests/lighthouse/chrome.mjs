// What both recipes here start: the shop (release build, demo catalog) and the setup's
// Chromium, headless, with puppeteer connected to it. `stop()` ends all three.
import * as chromeLauncher from "chrome-launcher";
import puppeteer from "puppeteer-core";
import { startShop, chromiumPath } from "../e2e/harness.mjs";

export async function startShopAndChrome() {
  const shop = await startShop();
  const chrome = await chromeLauncher.launch({
    chromePath: chromiumPath(),
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic"],
  });
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const stop = async () => {
    await browser.disconnect();
    chrome.kill();
    await shop.stop();
  };
  return { shop, port: chrome.port, browser, stop };
}
