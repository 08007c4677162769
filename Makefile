# The two commands of the README's quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test build verify bench handout clean

install: $(STAMP)

# Everything the tests need: nnlab itself (editable), TensorFlow/Keras, scikit-learn, nbgrader;
# and bubblewrap, the strongest sandbox, where it can be installed (root and apt-get): never an
# error when it cannot (`nnlab doctor` then names the level used instead). Chromium likewise:
# the tests open every page nnlab writes in it, and skip, saying so, without it.
$(STAMP): pyproject.toml
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { apt-get install -y -qq chromium >/dev/null 2>&1 \
		     || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }; }; } \
		|| echo "note: chromium not installed; the tests that open pages in it skip"
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { apt-get install -y -qq bubblewrap >/dev/null 2>&1 \
		     || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }; }; } \
		|| echo "note: bubblewrap not installed; learner code will run at a weaker sandbox level (see README)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Grade the example class (folders, a zip, a notebook, a hostile one) with the progress bar,
# then print the class table and where summary.html is.
demo: install
	$(BIN)/python -m nnlab grade examples/class --out out/demo --force --format junit

# The whole test suite (it also checks that exercises/ is up to date with solutions/), on
# pytest-xdist workers: one more than the cores, as about a third of the suite's time is spent
# waiting on sandboxed workers, kernels and subprocesses (measured on 2 cores: 17 min of CPU in
# 12 min with two workers). --dist loadfile keeps each test file on one worker, so a file's
# module fixtures (a class graded once, a fresh venv) are built once; the files holding a slow
# test are handed out first (tests/conftest.py).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

build: install
	$(BIN)/nnlab build

verify: install
	$(BIN)/nnlab verify

# What learners get: out/handout/<course>-handout/ and its .zip (see README, "Handing out").
handout: install
	$(BIN)/nnlab handout --out out/handout

bench: install
	$(BIN)/python benchmarks/grading_vs_nbgrader.py

clean:
	rm -rf out nnlab-results
