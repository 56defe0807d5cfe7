# tests/api/api.mk — front ends use only the VMM's public API (issue 13).
# api-includes: the tree passes; the fixture (a console file including vm.h) must fail.
api-includes:
	@./tests/api/check_includes.sh .
	@if ./tests/api/check_includes.sh tests/api/fixture >/dev/null; then \
	  echo "check_includes.sh accepted tests/api/fixture (a front end including vm.h)"; exit 1; fi
	@echo "ok   no front end includes a VMM-private header"

TEST_STEPS += api-includes
.PHONY: api-includes
