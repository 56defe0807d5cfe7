# tests/draw/draw.mk — the pictures (issue 16).
#
#   make draw-golden          SVG pictures drawn from the e2e golden traces, compared byte
#                             for byte with tests/draw/golden/*.svg and validated by xmllint;
#                             the same window as JSON Lines must give the same pictures; the
#                             report page; bad input refused with nothing written
#   make draw-golden-update   regenerate tests/draw/golden (review the diff before committing!)

DRAW_VMLAB := $(BUILD)/vmlab
DRAW_OUT   := $(BUILD)/tests/draw

draw-golden: $(DRAW_VMLAB) e2e-gold-guest
	@tests/draw/draw.sh $(DRAW_VMLAB) $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(DRAW_OUT)

draw-golden-update: $(DRAW_VMLAB) e2e-gold-guest
	@tests/draw/draw.sh --update $(DRAW_VMLAB) $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(DRAW_OUT)

TEST_STEPS   += draw-golden
GOLDEN_STEPS += draw-golden-update
.PHONY: draw-golden draw-golden-update
