# mmdefect: the two entry points of README.md, and their pieces.
PY := .venv/bin/python
QUICK_DATA := data/synlcd_quick
QUICK_CFG := configs/cadnet/cadnet_synlcd-quickstart.py
QUICK_WORK := work_dirs/quickstart

.PHONY: env quickstart test lint format data-quick clean-quickstart

env:
	bash tools/setup_env.sh

$(QUICK_DATA)/meta.json: | env
	$(PY) tools/dataset_converters/synlcd.py $(QUICK_DATA) --size 256 \
		--per-pattern 40 --seed 0 --workers 2

data-quick: $(QUICK_DATA)/meta.json

# Generate a small SynLCD, train the quickstart config, choose its operating
# point on the validation split (best F1), evaluate it at that point (per-class
# IoU, mIoU, mFscore, defect and image metrics beside 0.5) and write
# prediction panels to $(QUICK_WORK)/panels.
quickstart: env data-quick
	$(PY) tools/train.py $(QUICK_CFG) --work-dir $(QUICK_WORK)
	$(PY) tools/calibrate.py $(QUICK_CFG) "$$(cat $(QUICK_WORK)/last_checkpoint)"
	$(PY) tools/test.py $(QUICK_CFG) "$$(cat $(QUICK_WORK)/last_checkpoint)" \
		--work-dir $(QUICK_WORK)/test --show-dir $(QUICK_WORK)/panels

# OpenMMLab code style (settings in setup.cfg): flake8, isort, yapf.
STYLED := mmdefect tools tests configs
lint: env
	$(PY) -m flake8 $(STYLED)
	$(PY) -m isort --check-only --diff $(STYLED)
	$(PY) -m yapf --diff --recursive $(STYLED)

format: env
	$(PY) -m isort $(STYLED)
	$(PY) -m yapf --in-place --recursive $(STYLED)

test: env lint
	$(PY) -m pytest tests -q -p no:cacheprovider --durations=20

clean-quickstart:
	rm -rf $(QUICK_DATA) $(QUICK_WORK)
