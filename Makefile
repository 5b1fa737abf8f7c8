# Thước Đo — two commands: `make demo` runs the system, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Three weeks of national activity at 2% of the country's volume (~3,600 dossiers a working day).
DEMO_DAYS  ?= 21
DEMO_SCALE ?= 0.02

.PHONY: demo test test-browser lint install serve clean-db system-deps frontend

$(BIN)/thuocdo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/thuocdo

install: $(BIN)/thuocdo

# A local secret key, made once and kept in var/ (never committed).
var/secret_key:
	mkdir -p var
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key

demo: install var/secret_key
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo migrate --no-input -v 0
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo load_units
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo frameworks load
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo procedures simulate --if-empty --seed 1
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo create_demo_accounts
	@echo "Mô phỏng $(DEMO_DAYS) ngày hoạt động toàn quốc (quy mô $(DEMO_SCALE)); lần đầu mất vài phút…"
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo simulate --ingest --if-empty --seed 1 \
		--start $$(date -d "$(DEMO_DAYS) days ago" +%F) --days $(DEMO_DAYS) --scale $(DEMO_SCALE)
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo collectstatic --no-input -v 0
	SECRET_KEY=$$(cat var/secret_key) $(BIN)/thuocdo serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/thuocdo makemigrations --check --dry-run

# pytest exits 5 when it collects no test; that is not a failure of the code.
# The browser tests are slow (a real server, a real Chromium): `make test-browser` runs them.
test: lint system-deps
	DEBUG=1 $(BIN)/pytest -n auto -p no:cacheprovider -m "not browser" $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && exit 0; exit $$rc

# End-to-end tests in headless Chromium against `thuocdo serve` (screenshots in test-artifacts/).
test-browser: install system-deps
	DEBUG=1 $(BIN)/pytest -p no:cacheprovider -m browser thuocdo/web/tests/browser $(PYTEST_ARGS)

# What the weekly report PDF (WeasyPrint: pango, fonts) and the browser tests (Debian's Chromium)
# need from the system; installs only what is missing, so a second run asks no package server.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-liberation
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "apt-get install $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Front-end libraries from npm (package-lock.json) into thuocdo/web/static/vendor/; the copies are
# committed (docs/adr/0005-frontend-from-npm.md), so only a version bump needs this.
frontend:
	npm ci --no-audit --no-fund
	npm run build
