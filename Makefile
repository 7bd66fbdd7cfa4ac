# 信访工作台 Petition Desk — `make run` opens the program, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench lint clean sysdeps-run sysdeps-test demo docs installer deb-check nsis-check

$(STAMP): pyproject.toml
	@# Debian's own python3 needs python3-venv for this; install it when the first try fails.
	$(PYTHON) -m venv $(VENV) || (rm -rf $(VENV) && bash installer/debian-deps.sh venv && $(PYTHON) -m venv $(VENV))
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	touch $(STAMP)

sysdeps-run:
	@bash installer/debian-deps.sh run

sysdeps-test:
	@bash installer/debian-deps.sh test

run: $(STAMP) sysdeps-run
	$(PY) main.py

test: $(STAMP) sysdeps-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

bench: $(STAMP) sysdeps-test
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py

# The manual's pictures (resources/manual/images, shown by F1), the manual as a PDF and the README's screenshots at
# 1366×768 and 150 %, all made by the program itself from a 2,000-case demo station.
docs: $(STAMP) sysdeps-test
	QT_QPA_PLATFORM=offscreen $(PY) -m app.views.manual_pictures --pdf docs/manual.pdf --readme docs

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests bench main.py
	$(VENV)/bin/mypy app

# The Linux one-folder build, the .deb, and a compile of the Windows installer script (installer/build.sh).
installer: $(STAMP)
	@bash installer/debian-deps.sh installer
	bash installer/build.sh

# The .deb installed on a clean Debian 12 root, started there with no network, removed (installer/deb-check.sh).
# Not part of `make test`: it needs root and the Debian archive, and takes minutes.
deb-check: installer
	@bash installer/debian-deps.sh deb-check
	bash installer/deb-check.sh

# The Windows installer's logic (per-user install, shortcuts, uninstall keeps the data) under Wine, with a stand-in
# program: the real Windows build is made on a Windows runner (.github/workflows/windows.yml).
nsis-check:
	@bash installer/debian-deps.sh nsis-check
	bash installer/windows/wine-check.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
