// tests/web/browser_test.mjs — vmlab's page in headless Chromium (issue 16).
//
// usage: node tests/web/browser_test.mjs URL NATIVE_DIR DOCS_DIR
//   URL         where build/web is served (http://127.0.0.1:PORT/)
//   NATIVE_DIR  transcripts of `vmlab console --no-color --script X` (X.out), one per
//               console script below, written by tests/web/web.sh
//   DOCS_DIR    where the screenshots go (docs/web)
// 1. load the page, type `until tlb-miss` and `stepi` (until the TLB install) into the
//    terminal, check the transcript and, after each stepi, that the walk tree shows the
//    guest entries the transcript shows so far (DOM, not pixels), and that the TLB grid
//    marks the install; screenshots of the page and of each picture;
// 2. each console script run in the page gives the native transcript byte for byte;
// 3. speed: page load time, guest MIPS on `continue` of run=cpubench (to its end).
// Prints "ok ..." lines and the numbers; exits 1 on the first failure.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

// puppeteer-core is a dependency of the page's package (monitor/web/package.json)
const puppeteer = createRequire(path.resolve("monitor/web/package.json"))("puppeteer-core");

const [url, nativeDir, docsDir] = process.argv.slice(2);
const scripts = ["hidden_fault", "syscall", "true_fault"];
let failed = false;
const fail = (why) => { console.log("FAIL web: " + why); failed = true; };

async function openPage(browser, query) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1700, height: 1100 });
  page.on("pageerror", (e) => fail("page error: " + e.message));
  const t0 = Date.now();
  await page.goto(url + "index.html?" + query, { waitUntil: "load" });
  await page.evaluate(() => window.vmlab.ready);
  return { page, loadMs: Date.now() - t0 };
}

async function typeLine(page, line) {
  await page.click("#terminal");
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

/* The walk tree's guest entries: [level, value] pairs, in order. */
const walkEntries = (page) => page.$$eval("#pic-walk g.pte", (gs) =>
  gs.map((g) => [g.getAttribute("data-level"), g.getAttribute("data-value")]));

const plain = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
const transcript = async (page) => plain(await page.evaluate(() => window.vmlab.transcript()));

/* The guest entries the transcript shows for the last TLB miss: [level, value] pairs. The
 * retry's miss of a shadow fill (its hardware walk refills the TLB) belongs to the fill's walk. */
function walkSinceMiss(t) {
  let at = t.lastIndexOf(" tlb_miss ");
  const before = at > 0 ? t.lastIndexOf(" tlb_miss ", at - 1) : -1;
  const page = (i) => (/TLB miss VA (0x[0-9a-f]+)/.exec(t.slice(i)) || [])[1]?.slice(0, -3);
  if (before >= 0 && /\nphase \d+ retry /.test(t.slice(before, at)) && page(before) === page(at))
    at = before;
  const since = t.slice(at);
  return [...since.matchAll(/L(\d) entry at PA 0x[0-9a-f]+ = (0x[0-9a-f]+)/g)].map((m) => [m[1], m[2]]);
}

async function interactive(browser) {
  const { page, loadMs } = await openPage(browser, "cmdline=" + encodeURIComponent("run=hello"));
  await typeLine(page, "until tlb-miss");
  let t = await transcript(page);
  if (!/\(vmlab\) until tlb-miss\nphase 1 tlb_miss +\[ *\d+\] vm0 \S+ +TLB miss VA 0x[0-9a-f]+/.test(t))
    fail("until tlb-miss: no 'phase 1 tlb_miss' line in the transcript:\n" + t.slice(-400));
  if ((await walkEntries(page)).length !== 0)
    fail("the walk tree shows entries before the walk began");
  // stepi through the miss: after each, the tree shows exactly the entries walked so far
  let grown = [], installed = false;
  for (let i = 1; i <= 16 && !installed; i++) {
    await typeLine(page, "stepi");
    t = await transcript(page);
    const want = walkSinceMiss(t), tree = await walkEntries(page);
    if (JSON.stringify(want) !== JSON.stringify(tree))
      fail("after stepi " + i + " the walk tree shows " + JSON.stringify(tree) + ", the transcript " + JSON.stringify(want));
    grown.push(tree.length);
    if (/phase \d+(?:\/\d+)? tlb_install[^\n]*\n[^]*$/.test(t.slice(t.lastIndexOf("(vmlab) stepi")))) {
      installed = true;
      const changed = await page.$$eval("#pic-tlb g.tlb-entry[data-changed='1']", (gs) => gs.length);
      if (changed !== 1)
        fail("after the install the TLB grid marks " + changed + " changed entries, not 1");
      if (!(await page.$("#pic-walk g.tlb-entry")))
        fail("after the install the walk tree shows no TLB entry");
      // the picture agrees with the transcript: the installed MA, and no fault where there was none
      const ma = (/TLB install VA 0x[0-9a-f]+ -> (MA 0x[0-9a-f]+)/.exec(t.slice(t.lastIndexOf(" tlb_install "))) || [])[1];
      const entry = await page.$eval("#pic-walk g.tlb-entry", (g) => g.textContent);
      if (!ma || !entry.includes("-> " + ma + " "))
        fail("after the install the walk tree's TLB entry reads '" + entry + "', the transcript installed " + ma);
      if (await page.$("#pic-walk g.fault"))
        fail("the walk tree shows a true fault for a TLB miss the VMM resolved");
    }
  }
  if (!installed)
    fail("no tlb_install phase within 16 stepi");
  if (Math.max(...grown) < 3)
    fail("the walk tree never showed 3 or more guest entries: " + grown.join(","));
  console.log("ok   web: until tlb-miss + stepi typed into xterm.js; walk tree entries per stepi " + grown.join(",") +
              " = the transcript's; the install marked in the TLB grid");
  try {
    await page.waitForFunction(() => document.querySelector("#terminal").textContent.includes("hw_walk"),
                               { timeout: 10000 });
  } catch (e) {
    fail("the terminal does not show the walk");
  }
  fs.mkdirSync(docsDir, { recursive: true });
  // the status line holds this run's timings: keep them out of the committed pictures
  await page.evaluate(() => { document.getElementById("status").textContent = "ready"; });
  await page.screenshot({ path: path.join(docsDir, "page.png") });
  for (const pic of ["walk", "tlb", "sequence"])
    await (await page.$("#pic-" + pic)).screenshot({ path: path.join(docsDir, pic + ".png") });
  console.log("ok   web: screenshots in " + docsDir + " (page, walk, tlb, sequence)");
  await page.close();
  return loadMs;
}

async function transcripts(browser) {
  for (const name of scripts) {
    const lines = fs.readFileSync(path.join("tests/console", name + ".cmd"), "utf8").split("\n");
    const opts = lines[0].startsWith("#!") ? lines[0].slice(2).trim() : "";
    const m = /--cmdline +(\S+)/.exec(opts);
    const { page } = await openPage(browser, "color=0&cmdline=" + encodeURIComponent(m ? m[1] : "run=hello"));
    const out = await page.evaluate((ls) => {
      let s = "";
      for (const l of ls) s += window.vmlab.exec(l);
      return s;
    }, lines);
    const native = fs.readFileSync(path.join(nativeDir, name + ".out"), "utf8");
    if (out !== native) {
      fs.writeFileSync(path.join(nativeDir, name + ".browser"), out);
      fail(name + ": the browser transcript differs from the native one (diff " +
           path.join(nativeDir, name + ".out") + " " + path.join(nativeDir, name + ".browser") + ")");
    } else {
      console.log("ok   web: " + name + ".cmd gives the native transcript byte for byte (" + out.split("\n").length + " lines)");
    }
    await page.close();
  }
}

async function speed(browser) {
  const { page } = await openPage(browser, "color=0&cmdline=" + encodeURIComponent("run=cpubench"));
  const r = await page.evaluate(() => {
    const i0 = window.vmlab.icount(), t0 = performance.now();
    window.vmlab.exec("continue");
    return { ms: performance.now() - t0, insns: window.vmlab.icount() - i0 };
  });
  await page.close();
  return r;
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const loadMs = await interactive(browser);
  await transcripts(browser);
  const s = await speed(browser);
  const wasm = fs.statSync("build/web/vmlab.wasm").size, data = fs.statSync("build/web/vmlab.data").size;
  console.log(`web numbers: page load ${loadMs} ms; guest ${(s.insns / s.ms / 1000).toFixed(1)} MIPS ` +
              `(run=cpubench, ${s.insns} instructions in ${Math.round(s.ms)} ms); vmlab.wasm ${wasm} bytes, ` +
              `guest images ${data} bytes`);
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
