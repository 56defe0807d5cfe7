# monitor/web/web.mk — `make web`: vmlab in the browser (issue 16), in build/web/.
#
#   make web        the whole machine (cpu, tlb, shadow, VMM, devices, console engine,
#                   pictures) compiled to WebAssembly by Debian's emscripten, the guest
#                   images bundled (emscripten's --preload-file, at the native default
#                   paths), the page (monitor/web/index.html, app.js, style.css), xterm.js
#                   and capstone's JavaScript build vendored from monitor/web/node_modules
#                   (npm ci, versions locked by package-lock.json), the lab handouts.
#                   Serve it with: cd build/web && python3 -m http.server
#   make web-test   the page in headless Chromium (tests/web/): see tests/web/web.mk
#
# Debian's emcc 3.1.6 runs its JS optimizer with node; the machine's node is not
# Debian's, so NODE_PATH points it at Debian's node modules.

WEB_OUT   := build/web
WEB_OBJ   := $(WEB_OUT)/obj
EMCC      := NODE_PATH=/usr/share/nodejs emcc
# wasm32 has a 32-bit size_t: "size > 4 GiB" checks are always false there, and that is fine.
WEB_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wno-tautological-constant-out-of-range-compare -D_GNU_SOURCE \
  -I. -I$(WEB_OUT)/inc -I$(WEB_OUT)/inc/capstone -O2
# Everything the console needs (gdb/: the reverse engine repeats gdb's stepi and
# continue; gdb-listen answers that it cannot listen in a browser), but no readline (console_repl.c, console_main.c:
# the page is the front end) and no native capstone (capstone_js.c answers).
WEB_SRC := $(wildcard cpu/*.c tlb/*.c shadow/*.c monitor/vmm/*.c monitor/dev/*.c monitor/draw/*.c monitor/web/*.c monitor/reverse/*.c monitor/gdb/*.c) \
  $(filter-out monitor/console/console_repl.c monitor/console/console_main.c,$(wildcard monitor/console/*.c)) \
  monitor/tools/traceparse.c monitor/tools/tracemeta.c monitor/tools/cli.c monitor/tools/images.c monitor/tools/image_paths.c \
  monitor/tools/vmspec.c monitor/tools/multihost.c
WEB_OBJS := $(patsubst %.c,$(WEB_OBJ)/%.o,$(WEB_SRC))
WEB_GUEST := build/guestos/kernel.elf build/guestos/initrd.pack
# the user programs, for the console's symbols (names from guestos/user/user.mk, read before this file)
WEB_USER  := $(patsubst %,build/guestos/user/%,$(GUEST_USER_NAMES))
WEB_EXPORTS := _web_new,_web_exec,_web_picture,_web_icount
WEB_NODE  := monitor/web/node_modules
WEB_PAGE  := $(WEB_OUT)/index.html $(WEB_OUT)/app.js $(WEB_OUT)/style.css
WEB_VENDOR := $(WEB_OUT)/xterm.js $(WEB_OUT)/xterm.css $(WEB_OUT)/capstone.js $(WEB_OUT)/capstone.wasm

web: $(WEB_OUT)/vmlab.js $(WEB_PAGE) $(WEB_VENDOR) $(WEB_OUT)/labs/index.txt
	@echo "web: $(WEB_OUT) ready (vmlab.wasm $$(stat -c %s $(WEB_OUT)/vmlab.wasm) bytes, guest images $$(stat -c %s $(WEB_OUT)/vmlab.data) bytes); serve it: cd $(WEB_OUT) && python3 -m http.server"

$(WEB_OUT)/inc/capstone:
	@mkdir -p $(WEB_OUT)/inc
	ln -sfn /usr/include/capstone $@

$(WEB_OBJ)/%.o: %.c | $(WEB_OUT)/inc/capstone
	@mkdir -p $(dir $@)
	$(EMCC) $(WEB_CFLAGS) -MMD -MP -c $< -o $@

$(WEB_OBJ)/monitor/vmm/version.o: VERSION
$(WEB_OBJ)/monitor/vmm/version.o: WEB_CFLAGS += $(VERSION_CFLAGS)

$(WEB_OUT)/vmlab.js: $(WEB_OBJS) $(WEB_GUEST) $(WEB_USER)
	$(EMCC) -O2 -o $@ $(WEB_OBJS) -sENVIRONMENT=web,worker -sMODULARIZE=1 -sEXPORT_NAME=createVmlab \
	  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=256MB -sEXPORTED_FUNCTIONS=$(WEB_EXPORTS) \
	  -sEXPORTED_RUNTIME_METHODS=cwrap \
	  $(foreach f,$(WEB_GUEST) $(WEB_USER),--preload-file $(f)@/$(f))

$(WEB_OUT)/%: monitor/web/%
	@mkdir -p $(dir $@)
	cp $< $@

$(WEB_NODE)/.installed: monitor/web/package.json monitor/web/package-lock.json
	cd monitor/web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_OUT)/xterm.js: $(WEB_NODE)/.installed
	cp $(WEB_NODE)/@xterm/xterm/lib/xterm.js $@
$(WEB_OUT)/xterm.css: $(WEB_NODE)/.installed
	cp $(WEB_NODE)/@xterm/xterm/css/xterm.css $@
$(WEB_OUT)/capstone.js: $(WEB_NODE)/.installed
	cp $(WEB_NODE)/@alexaltea/capstone-js/dist/capstone.js $@
$(WEB_OUT)/capstone.wasm: $(WEB_NODE)/.installed
	cp $(WEB_NODE)/@alexaltea/capstone-js/dist/capstone.wasm $@

# The handouts, as text, and their list for the page.
$(WEB_OUT)/labs/index.txt: $(wildcard labs/*/HANDOUT.md)
	@mkdir -p $(WEB_OUT)/labs
	@set -e; : >$@; for h in labs/*/HANDOUT.md; do d=$$(basename $$(dirname $$h)); \
	  cp $$h $(WEB_OUT)/labs/$$d.md; echo $$d >>$@; done

.PHONY: web
-include $(shell find $(WEB_OBJ) -name '*.d' 2>/dev/null)
