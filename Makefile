# 驻村助手 — two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: compile run test console web migrate lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Byte-code of our own modules, written once: a start then reads it instead of compiling
# every module again (it matters where PYTHONDONTWRITEBYTECODE is set, as on CI machines).
SOURCES := bot.py cli core channels conversations services reminders knowledge storage web
compile: $(STAMP)
	@$(PY) -m compileall -q $(SOURCES)

run: compile             ## migrate and start the bot and the web workspace (console demo when nothing is configured)
	$(PY) bot.py migrate
	$(PY) bot.py run

console: $(STAMP)        ## console channel with the demo team, transcripts with --echo
	$(PY) bot.py console --demo

web: $(STAMP)            ## the county workspace alone (bot.py web --port PORT)
	$(PY) bot.py migrate
	$(PY) bot.py web

migrate: $(STAMP)
	$(PY) bot.py migrate

test: $(STAMP)           ## install, make sure PostgreSQL and Chromium are there, run the whole suite
	@bash scripts/ensure_postgres.sh || true
	@bash scripts/ensure_browser.sh
	$(PY) -m ruff check .
	$(PY) -m pytest -n 4 --dist worksteal

lint: $(STAMP)
	$(PY) -m ruff check .

bench: compile           ## the long soaks and every benchmark (about half an hour)
	@bash scripts/ensure_postgres.sh || true
	$(PY) -m pytest -m slow -n 4 --dist worksteal   # the soaks left out of make test
	$(PY) bench/fault_bench.py
	$(PY) bench/channel_bench.py
	$(PY) bench/ptb_http_bench.py
	$(PY) bench/kb_bench.py
	$(PY) bench/recurrence_bench.py
	$(PY) bench/digest_bench.py --deliver
	$(PY) bench/council_bench.py
	$(PY) bench/web_bench.py
	$(PY) bench/households_bench.py

clean:
	rm -rf $(VENV) .pytest_cache out
