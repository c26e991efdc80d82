// Checks a built site with real tools, as a reader's browser and a validator see it:
//
//   1. the Nu HTML Checker (vnu-jar, run with the machine's Java) on every HTML file;
//   2. axe-core in headless Chromium on every page, in light and in dark mode;
//   3. a walk by clicking: home → an actor → one of its talks → a cited source paragraph,
//      at 390 px and 1280 px wide, light and dark, with screenshots and no console errors;
//   4. no request leaves the local server, on any page;
//   5. search: queries typed into the real box find what a reader expects, the kind filter
//      narrows them, "/" reaches the box, a query typed while the index loads is not lost,
//      and without JavaScript the box is hidden.
//
// Usage: node check.mjs <site-dir> <screenshot-dir> [base-path] [search]
// The site must have been built with a base URL whose path is base-path (default "/"); it is
// served on an ephemeral localhost port under that path. With `search` last, only the search
// checks (5) run: for the same dossier with its index built in parts. Run by
// tests/it/theme.rs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const [siteArg, shotsArg, baseArg = "/", onlyArg = ""] = process.argv.slice(2);
if (!siteArg || !shotsArg || !["", "search"].includes(onlyArg)) {
  console.error("usage: node check.mjs <site-dir> <screenshot-dir> [base-path] [search]");
  process.exit(2);
}
const searchOnly = onlyArg === "search";
const site = resolve(siteArg);
const shots = resolve(shotsArg);
const base = baseArg.endsWith("/") ? baseArg : `${baseArg}/`;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(shots, { recursive: true });

const failures = [];
const fail = (msg) => {
  failures.push(msg);
  console.error(`FAIL ${msg}`);
};

function htmlFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...htmlFiles(p));
    else if (name.endsWith(".html")) out.push(p);
  }
  return out;
}
const pages = htmlFiles(site);

// ---- 1. Nu HTML Checker ----
if (!searchOnly) {
  const jar = join(here, "node_modules/vnu-jar/build/dist/vnu.jar");
  const started = Date.now();
  const r = spawnSync("java", ["-Xss4m", "-jar", jar, "--errors-only", "--format", "gnu", ...pages], {
    encoding: "utf8",
  });
  if (r.error) {
    fail(`could not run java for the Nu HTML Checker: ${r.error.message}`);
  } else {
    const errors = (r.stderr + r.stdout).split("\n").filter((l) => l.trim());
    for (const e of errors) fail(`vnu: ${e.replace(site + sep, "")}`);
    if (r.status !== 0 && errors.length === 0) fail(`vnu exited with ${r.status}`);
    console.log(`vnu: ${pages.length} files, ${errors.length} errors (${Date.now() - started} ms)`);
  }
}

// ---- a static server for the site, under the base path, with the site's 404 page ----
const types = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
};
const server = createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  // Chromium asks the host's root for an icon once per browser; the site, under its base
  // path, has none to give, and that is no fault of the page that happened to be first.
  if (url.pathname === "/favicon.ico" && base !== "/") {
    res.writeHead(204);
    res.end();
    return;
  }
  let path = decodeURIComponent(url.pathname);
  let file = null;
  if (path.startsWith(base)) {
    const rel = path.slice(base.length);
    const candidate = resolve(site, rel);
    if (candidate === site || candidate.startsWith(site + sep)) {
      file = existsSync(candidate) && statSync(candidate).isDirectory() ? join(candidate, "index.html") : candidate;
    }
  }
  if (file && existsSync(file)) {
    res.writeHead(200, { "content-type": types[extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  } else {
    const notFound = join(site, "404.html");
    res.writeHead(404, { "content-type": types[".html"] });
    res.end(existsSync(notFound) ? readFileSync(notFound) : "not found");
  }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;
const urlOf = (file) => {
  const rel = relative(site, file).split(sep).join("/");
  return origin + base + rel.replace(/(^|\/)index\.html$/, "$1");
};

// ---- 2–4. Chromium ----
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});

async function newPage(scheme, width, height = 900) {
  const context = await browser.newContext({
    viewport: { width, height },
    colorScheme: scheme,
    javaScriptEnabled: true,
    // The pages have no script: axe is injected by us, and with JS off nothing would change.
  });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    // The 404 page is fetched on purpose with a 404 status, which Chromium logs.
    if (m.type() === "error" && page.url().includes("/no-such-page") && m.text().includes("404")) return;
    if (m.type() === "error" || m.type() === "warning") {
      const at = m.location()?.url;
      problems.push(`console ${m.type()}: ${m.text()}${at ? ` (${at})` : ""}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) problems.push(`request to ${r.url()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().includes("/no-such-page")) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { context, page, problems };
}

function report(where, problems) {
  for (const p of problems.splice(0)) fail(`${where}: ${p}`);
}

// axe on every page, both colour schemes (in parallel: the machine has two cores).
async function axeAll(scheme) {
  const started = Date.now();
  const { context, page, problems } = await newPage(scheme, 1280);
  let violations = 0;
  for (const file of pages) {
    const url = file.endsWith(`${sep}404.html`) && relative(site, file) === "404.html" ? `${origin}${base}no-such-page/` : urlOf(file);
    await page.goto(url, { waitUntil: "load" });
    await page.addScriptTag({ content: axeSource });
    // Only colours change with the scheme: in dark mode, run the contrast rules alone.
    const options = scheme === "light"
      ? { resultTypes: ["violations"] }
      : { resultTypes: ["violations"], runOnly: { type: "rule", values: ["color-contrast", "link-in-text-block"] } };
    const result = await page.evaluate(async (options) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, options);
      return r.violations.map((v) => ({
        id: v.id,
        help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
        count: v.nodes.length,
      }));
    }, options);
    for (const v of result) {
      violations += 1;
      fail(`axe (${scheme}) ${relative(site, file)}: ${v.id} (${v.help}), ${v.count} nodes; ${v.nodes.join(" | ")}`);
    }
    report(`${relative(site, file)} (${scheme})`, problems);
  }
  await context.close();
  console.log(`axe ${scheme}: ${pages.length} pages, ${violations} violations (${Date.now() - started} ms)`);
}
if (!searchOnly) await Promise.all(["light", "dark"].map(axeAll));

// The walk, by clicking, in each width and scheme.
async function walk(scheme, width) {
  const tag = `${width}-${scheme}`;
  const { context, page, problems } = await newPage(scheme, width);
  const shot = async (name) => page.screenshot({ path: join(shots, `${name}-${tag}.png`), fullPage: true });
  const step = async (what, fn) => {
    try {
      await fn();
    } catch (e) {
      fail(`walk ${tag}: ${what}: ${e.message.split("\n")[0]}`);
      throw e;
    }
  };
  try {
    await step("open home", async () => {
      await page.goto(origin + base, { waitUntil: "load" });
      await shot("1-home");
    });
    // An actor linked from the explainer that takes part in talks.
    await step("home → actor with talks", async () => {
      // Links may be relative ("actors/x/index.html") or rooted ("/aleppo/actors/x/"): compare
      // what they resolve to.
      const actorUrl = new RegExp(`^${origin}${base}actors/[^/]+/(index\\.html)?$`);
      const hrefs = await page.$$eval("main a[href]", (as, pattern) => {
        const re = new RegExp(pattern);
        return [...new Set(as.filter((a) => re.test(a.href)).map((a) => a.getAttribute("href")))];
      }, actorUrl.source);
      for (const href of hrefs) {
        await page.click(`main a[href="${href}"] >> nth=0`);
        await page.waitForLoadState("load");
        if ((await page.$("#talks-title")) !== null) return;
        await page.goBack({ waitUntil: "load" });
      }
      throw new Error("no actor linked from the home page has talks");
    });
    await shot("2-actor");
    let talkUrl = "";
    await step("actor → talk", async () => {
      const link = page.locator('section[aria-labelledby="talks-title"] a').first();
      talkUrl = new URL(await link.getAttribute("href"), page.url()).pathname.replace(/index\.html$/, "");
      await link.click();
      await page.waitForLoadState("load");
      const at = new URL(page.url()).pathname.replace(/index\.html$/, "");
      if (at !== talkUrl) throw new Error(`expected ${talkUrl}, at ${page.url()}`);
      if ((await page.$(".infobox")) === null) throw new Error("the talk page has no infobox");
    });
    await shot("3-talk");
    await step("talk → cited paragraph", async () => {
      const cite = page.locator("sup.cite a").first();
      const href = await cite.getAttribute("href");
      // Keyboard focus shows the cited sentence.
      await cite.focus();
      const bubble = await cite.evaluate((a) => {
        const s = getComputedStyle(a, "::after");
        return { display: s.display, content: s.content };
      });
      const sentence = await cite.getAttribute("title");
      if (bubble.display === "none" || !bubble.content.replace(/\\/g, "").includes(sentence)) {
        throw new Error(`focusing a citation does not show its sentence (${JSON.stringify(bubble)})`);
      }
      await page.screenshot({ path: join(shots, `3b-talk-citation-focus-${tag}.png`) });
      await cite.click();
      await page.waitForLoadState("load");
      const hash = new URL(href, page.url()).hash;
      const target = await page.evaluate(() => {
        const t = document.querySelector(":target");
        return t ? { id: t.id, text: t.textContent, cited: !!t.querySelector(".cited-by a") } : null;
      });
      if (!target || `#${target.id}` !== hash) throw new Error(`no paragraph ${hash} targeted at ${page.url()}`);
      if (!target.cited) throw new Error(`paragraph ${hash} does not list the pages citing it`);
    });
    await shot("4-source");
  } catch {
    // Already reported; the screenshots taken so far are kept.
  }
  report(`walk ${tag}`, problems);
  await context.close();
}

if (!searchOnly) {
  for (const width of [390, 1280]) {
    for (const scheme of ["light", "dark"]) await walk(scheme, width);
  }
}

// ---- 5. search, as a reader types it ----
{
  const { context, page, problems } = await newPage("light", 1280);
  // Results are resolved URLs; compare their paths under the base path.
  const results = async (query, kind = "") => {
    await page.selectOption("#search-kind", kind);
    await page.fill("#search-input", "");
    await page.type("#search-input", query, { delay: 20 });
    await page.waitForFunction(
      (q) => (document.querySelector("#search-status")?.textContent || "").includes(`“${q}”`),
      query,
      { timeout: 15000 },
    );
    const status = await page.textContent("#search-status");
    const items = await page.$$eval("#search-results li", (lis) =>
      lis.map((li) => ({
        path: new URL(li.querySelector("a").href).pathname + new URL(li.querySelector("a").href).hash,
        kind: li.querySelector(".result-kind").textContent,
        marked: li.querySelectorAll(".result-excerpt mark").length,
      })),
    );
    return { status, items };
  };
  const expect = (what, cond) => {
    if (!cond) problems.push(`search: ${what}`);
  };
  try {
    await page.goto(origin + base, { waitUntil: "load" });
    // "/" from anywhere on the page reaches the box.
    await page.keyboard.press("/");
    expect("\"/\" does not focus the search box", await page.evaluate(() => document.activeElement?.id === "search-input"));

    let r = await results("Lavrov");
    expect("“Lavrov” does not find his actor page", r.items.some((i) => i.path === `${base}actors/sergei-lavrov/` && i.kind === "Actor"));
    expect("“Lavrov” does not find the Hangzhou talks", r.items.some((i) => i.path === `${base}talks/kerry-lavrov-hangzhou/` && i.kind === "Talk"));
    expect("“Lavrov” results have no highlighted excerpt", r.items.every((i) => i.marked > 0));
    r = await results("Lavrov", "actor");
    expect("the kind filter lets other kinds through", r.items.length > 0 && r.items.every((i) => i.kind === "Actor"));
    r = await results("Ramoussa");
    expect("“Ramoussa” does not find the district", r.items.some((i) => i.path === `${base}locations/ramouseh/`));
    r = await results("perdu tout contact avec le monde extérieur");
    expect("a French phrase of the dispatch does not find its paragraph", r.items.some((i) => i.path === `${base}source/#p2` && i.kind === "Source paragraph"));
    r = await results("lost all contact with the outside world");
    expect("the English translation does not find the paragraph", r.items.some((i) => i.path === `${base}source/#p2`));
    // Its only “Turkish” is in “Syrian–Turkish border”, the text of a link: a word Pagefind
    // splits only if the en dash reaches it as a hyphen (search.rs, `pagefind_content`).
    r = await results("Turkish", "location");
    expect("“Turkish” does not find Syria, which says “Syrian–Turkish”", r.items.some((i) => i.path === `${base}locations/syria/`));
    r = await results("Alep");
    expect("“Alep” does not find Aleppo", r.items.some((i) => i.path === `${base}locations/aleppo/`));
    for (const q of ["Raï", "Rai"]) {
      r = await results(q);
      expect(`“${q}” does not find Al-Rai`, r.items.some((i) => i.path === `${base}locations/al-rai/`));
    }
    r = await results("Peskov");
    expect("“Peskov” does not find his page", r.items.some((i) => i.path === `${base}actors/dmitry-peskov/`));
    // Past the first 12, "Show more" adds the next ones, up to every result.
    r = await results("Syria");
    const total = Number((r.status.match(/^(\d+) results/) || [])[1]);
    expect(`“Syria” has not more than 24 results to page through (${r.status})`, total > 24);
    expect(`the first 12 of “Syria” are not said to be shown (${r.status})`, r.items.length === 12 && r.status.includes("the first 12 shown"));
    for (let shownNow = 12; shownNow < total; ) {
      const label = await page.textContent("[data-search-more]");
      const next = Math.min(12, total - shownNow);
      expect(`the more button says “${label}”, not “Show ${next} more”`, label === `Show ${next} more`);
      await page.click("[data-search-more]");
      shownNow += next;
      await page.waitForFunction((n) => document.querySelectorAll("#search-results li").length === n, shownNow, { timeout: 15000 });
      const focused = await page.evaluate(() => [...document.querySelectorAll("#search-results a")].indexOf(document.activeElement));
      expect(`after “Show more”, the focus is on result ${focused + 1}, not on the first new one (${shownNow - next + 1})`, focused === shownNow - next);
    }
    const paths = await page.$$eval("#search-results li a", (as) => as.map((a) => a.href));
    expect("“Show more” repeats a result", new Set(paths).size === total);
    expect("the more button stays once every result is shown", await page.$eval("[data-search-more]", (b) => b.hidden));
    const statusAll = await page.textContent("#search-status");
    expect(`once every result is shown the status says “${statusAll}”`, statusAll === `${total} results for “Syria”.`);
    r = await results("zzqqxxjj");
    expect("a query with no match does not say so", r.items.length === 0 && r.status.startsWith("No result for"));
    expect("a query with no match shows the more button", await page.$eval("[data-search-more]", (b) => b.hidden));
    // A result is a working link.
    await results("Ramoussa");
    await page.click("#search-results a >> nth=0");
    await page.waitForLoadState("load");
    expect("following a result does not land on its page", new URL(page.url()).pathname === `${base}locations/ramouseh/`);
    await page.screenshot({ path: join(shots, searchOnly ? "6-search-result-parts.png" : "6-search-result.png") });
  } catch (e) {
    problems.push(`search: ${e.message}`);
  }
  report("search", problems);
  await context.close();
}

// The first query typed at full speed into a freshly loaded page, while Pagefind is still
// loading, shows its results: keystrokes racing the index load once lost the last search.
{
  const problems = [];
  for (let i = 0; i < 3; i++) {
    const fresh = await newPage("light", 1280);
    try {
      await fresh.page.goto(origin + base, { waitUntil: "load" });
      await fresh.page.type("#search-input", "Lavrov", { delay: 0 });
      await fresh.page.waitForFunction(
        () => (document.querySelector("#search-status")?.textContent || "").includes("“Lavrov”"),
        null,
        { timeout: 15000 },
      );
    } catch (e) {
      problems.push(`first query on a fresh page (try ${i + 1}): ${e.message}`);
    }
    problems.push(...fresh.problems);
    await fresh.context.close();
  }
  report("search while loading", problems);
}

// With JavaScript off every page still reads: spot-check that the home page has its content.
if (!searchOnly) {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
  const page = await context.newPage();
  await page.goto(origin + base, { waitUntil: "load" });
  const ok = await page.$eval("main h1", (h) => h.textContent.length > 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (!ok) fail("home page without JavaScript has no heading");
  const searchShown = await page.$eval("[data-search]", (el) => !el.hidden && getComputedStyle(el).display !== "none");
  if (searchShown) fail("the search box shows without JavaScript, where it cannot work");
  if (overflow > 0) fail(`home page at 320 px scrolls sideways by ${overflow} px`);
  await page.screenshot({ path: join(shots, "5-home-320-nojs.png") });
  await context.close();
}

await browser.close();
server.close();
console.log(`screenshots in ${shots}`);
if (failures.length) {
  console.error(`${failures.length} problems`);
  process.exit(1);
}
console.log("browser checks: all passed");
