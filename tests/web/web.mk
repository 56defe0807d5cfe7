# tests/web/web.mk — vmlab in the browser (issue 16).
#
#   make web-test   make web, then the page in headless Chromium (puppeteer-core from
#                   monitor/web/node_modules driving /usr/bin/chromium): keys typed into
#                   the terminal, the walk tree checked through the DOM, screenshots into
#                   docs/web/, native-vs-browser transcripts of three console scripts,
#                   page load time, guest MIPS and sizes printed.
#                   "skipped: X not installed" when emscripten, chromium or npm is missing.

web-test: $(BUILD)/vmlab e2e-gold-guest
	@mkdir -p $(BUILD)/tests/web
	@if command -v emcc >/dev/null && command -v chromium >/dev/null && command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory -j2 web >$(BUILD)/tests/web/build.log 2>&1 || \
	    { echo "FAIL web: make web failed:"; tail -20 $(BUILD)/tests/web/build.log; exit 1; }; fi
	@tests/web/web.sh $(BUILD)/vmlab $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(BUILD)/tests/web

TEST_STEPS += web-test
ASAN_SKIP += web-test
ASAN_SKIP_WHY_web-test := emcc builds the page and Chromium runs it; no host C is sanitized
.PHONY: web-test
