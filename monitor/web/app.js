/*
 * monitor/web/app.js — the page: the console in xterm.js, the pictures
 * beside it redrawn after every command, the lab handouts below.
 *
 * The machine is vmlab.wasm (createVmlab, from monitor/web/web_api.c):
 * web_new(cmdline, color) boots it, web_exec(w, line) runs one console line
 * and returns what it printed, web_picture(w, "walk"|"tlb"|"sequence") the
 * SVG of now. Capstone's JavaScript build disassembles for it
 * (Module.vmlabCs, see capstone_js.c).
 *
 * URL parameters: ?cmdline=run%3Dhello (the guest's command line),
 * color=0 (plain output, as `vmlab console --no-color`).
 * For tests: window.vmlab.exec(line), .transcript(), .ready (a promise).
 */
"use strict";

const params = new URLSearchParams(location.search);
const PROMPT = "(vmlab) ";
const state = { mod: null, w: 0, api: null, transcript: "", line: "", history: [], hist: 0 };

const term = new Terminal({ cols: 100, rows: 30, convertEol: true, fontSize: 13, scrollback: 5000 });
term.open(document.getElementById("terminal"));

function status(text) {
  document.getElementById("status").textContent = text;
}

/* Put an SVG string into a picture box (without its XML prolog). */
function showPicture(id, svg, empty) {
  const box = document.getElementById(id);
  const at = svg.indexOf("<svg");
  box.innerHTML = at >= 0 ? svg.slice(at) : '<p class="empty">' + empty + "</p>";
}

function redraw() {
  showPicture("pic-walk", state.api.picture(state.w, "walk"), "no TLB miss yet");
  showPicture("pic-tlb", state.api.picture(state.w, "tlb"), "no TLB");
  showPicture("pic-sequence", state.api.picture(state.w, "sequence"), "no events yet");
}

/* Run one console line; returns its output as batch mode prints it. */
function exec(line) {
  const t0 = performance.now(), i0 = state.api.icount(state.w);
  const out = state.api.exec(state.w, line);
  const ms = performance.now() - t0, insns = state.api.icount(state.w) - i0;
  state.transcript += out;
  document.getElementById("transcript").textContent = state.transcript;
  redraw();
  if (insns > 100000 && ms > 0)
    status((insns / ms / 1000).toFixed(1) + " guest MIPS on the last command");
  return out;
}

/* What the terminal shows of a command's output: not the echoed line (typed already). */
function typed(line) {
  const out = exec(line);
  const nl = out.indexOf("\n");
  term.write(out.startsWith(PROMPT) && nl >= 0 ? out.slice(nl + 1) : out);
  term.write(PROMPT);
}

term.onData((data) => {
  if (data.startsWith("\x1b")) {
    walkHistory(data);
    return;
  }
  for (const ch of data) {
    if (ch === "\r" || ch === "\n") {
      term.write("\r\n");
      const line = state.line;
      state.line = "";
      if (line.trim()) {
        state.history.push(line);
        state.hist = state.history.length;
      }
      typed(line);
    } else if (ch === "\x7f" || ch === "\b") {
      if (state.line.length) {
        state.line = state.line.slice(0, -1);
        term.write("\b \b");
      }
    } else if (ch >= " ") {
      state.line += ch;
      term.write(ch);
    }
  }
});
/* Up and down walk the history (escape sequences arrive whole); others are ignored. */
function walkHistory(data) {
  if (data !== "\x1b[A" && data !== "\x1b[B")
    return;
  state.hist = Math.max(0, Math.min(state.history.length, state.hist + (data === "\x1b[A" ? -1 : 1)));
  const line = state.history[state.hist] || "";
  term.write("\r\x1b[K" + PROMPT + line);
  state.line = line;
}

async function loadHandouts() {
  const select = document.getElementById("lab");
  const names = (await (await fetch("labs/index.txt")).text()).split("\n").filter((s) => s);
  for (const n of names)
    select.add(new Option(n, n));
  const show = async () => {
    document.getElementById("handout").textContent = await (await fetch("labs/" + select.value + ".md")).text();
  };
  select.onchange = show;
  if (names.length)
    await show();
}

async function boot() {
  const t0 = performance.now();
  const cmdline = params.get("cmdline") || document.getElementById("cmdline").value;
  document.getElementById("cmdline").value = cmdline;
  const color = params.get("color") === "0" ? 0 : 1;
  const cs = await MCapstone();
  const mod = await createVmlab({ vmlabCs: new cs.Capstone(cs.ARCH_X86, cs.MODE_64) });
  state.mod = mod;
  state.api = {
    create: mod.cwrap("web_new", "number", ["string", "number"]),
    exec: mod.cwrap("web_exec", "string", ["number", "string"]),
    picture: mod.cwrap("web_picture", "string", ["number", "string"]),
    icount: mod.cwrap("web_icount", "number", ["number"]),
  };
  state.w = state.api.create(cmdline, color);
  const loadMs = performance.now();
  term.writeln("vmlab in your browser: guest booted with '" + cmdline + "'. Type help.");
  term.write(PROMPT);
  term.focus();
  redraw();
  status("ready in " + Math.round(loadMs - t0) + " ms (page load " + Math.round(loadMs) + " ms)");
  window.vmlab.loadMs = loadMs;
}

document.getElementById("boot").onsubmit = (e) => {
  e.preventDefault();
  location.search = "?cmdline=" + encodeURIComponent(document.getElementById("cmdline").value);
};

window.vmlab = {
  exec: (line) => exec(line),
  transcript: () => state.transcript,
  icount: () => state.api.icount(state.w),
};
window.vmlab.ready = Promise.all([boot(), loadHandouts()]);
