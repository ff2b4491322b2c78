// Mail the shop could not deliver, in a real browser: a mail server refuses an address for
// good, the message is parked, staff see it in the agent console with what the server
// said, and "Send again" delivers it once the address works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { execFileSync } from "node:child_process";
import { useShop, visible, expectNoAxeViolations, serverBinary } from "./harness.mjs";

/**
 * An SMTP server on loopback, just enough for the shop's mail library: recipients in
 * `refused` get a permanent 550, every accepted message is kept in `received`.
 */
async function smtpServer() {
  const refused = new Set();
  const received = [];
  const server = createServer((socket) => {
    let buffer = "";
    let message = null;
    socket.on("error", () => {});
    socket.write("220 e2e mail server\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      for (let end = buffer.indexOf("\r\n"); end >= 0; end = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (message !== null) {
          if (line === ".") {
            received.push(message);
            message = null;
            socket.write("250 2.0.0 queued\r\n");
          } else {
            message += `${line}\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 e2e\r\n");
        else if (verb === "RCPT") {
          const to = /<([^>]*)>/.exec(line)?.[1] ?? "";
          socket.write(refused.has(to) ? "550 5.1.1 no such mailbox\r\n" : "250 2.1.5 ok\r\n");
        } else if (verb === "DATA") {
          message = "";
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") {
          socket.write("221 bye\r\n");
          socket.end();
        } else socket.write("250 ok\r\n");
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, refused, received, close: () => server.close() };
}

const smtp = await smtpServer();
const PASSWORD = "a long e2e agent password";
const hash = execFileSync(serverBinary(), ["hash-password"], { input: `${PASSWORD}\n` }).toString().trim();
const ctx = useShop(
  { before, after: (fn) => after(async () => { await fn(); smtp.close(); }) },
  { STOREFRONT_AGENTS: `alex:${hash}`, STOREFRONT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
);

test("mail refused for good is shown to staff and sent again once the address works", async () => {
  smtp.refused.add("gone@example.com");
  // A message left while no agent is online: the shop acknowledges it by mail.
  const res = await fetch(`${ctx().shop.baseURL}/api/help/send`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "Do you ship to Jersey?", context: { page: "/" }, email: "gone@example.com" }),
  });
  assert.equal(res.status, 200, await res.text());

  const context = await ctx().browser.newContext({ baseURL: ctx().shop.baseURL });
  const page = await context.newPage();
  await page.goto("/agent/sign-in");
  await page.getByLabel("Agent name").fill("alex");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("heading", { level: 1, name: "Agent console" }));

  // Parked at the first refusal, with what the server said.
  await visible(page.getByRole("heading", { name: "Undelivered mail (1)" }));
  await visible(page.getByText("To gone@example.com: We've got your message"));
  await visible(page.getByText(/no such mailbox/));
  await expectNoAxeViolations(page, "agent console with undelivered mail");
  assert.equal(smtp.received.length, 0);

  // The customer fixed their mailbox (say, by phone): staff send it again.
  smtp.refused.delete("gone@example.com");
  await page.getByRole("button", { name: "Send again to gone@example.com: We've got your message" }).click();
  for (let i = 0; i < 100 && smtp.received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(smtp.received.length, 1, "delivered once");
  assert.match(smtp.received[0], /To: gone@example\.com/);
  await page.getByRole("heading", { name: /^Undelivered mail/ }).waitFor({ state: "detached", timeout: 15_000 });
  await context.close();
});
