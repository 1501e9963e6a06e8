# StreamGen — build, test and benchmark.
#
#   make          set up, build (release), generate the devapp pack into out/devapp and show its status
#   make test     set up, then run every test (unit + pyarrow/DuckDB interop)
#   make bench    writer figures against pyarrow; devapp's fake_analytics at 10M and 100M rows, 1 and 2 threads;
#                 the ecommerce pack at scale 20 and 100, 1 and 2 threads, snappy and zstd
#
# Set-up is part of each target: Debian's libzstd-dev, libsnappy-dev and pkg-config are installed
# with apt-get when missing (as root; otherwise the command to run is printed), and .venv is
# created with the pinned Python packages the interop tests and peers use.

SWIFT       ?= swift
PYTHON3     ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
PY_PACKAGES := duckdb==2.0.0 pyarrow==26.0.1
SYS_PACKAGES := libzstd-dev libsnappy-dev libssl-dev pkg-config
BENCH_ROWS  ?= 1000000
ENGINE_ROWS ?= 10M,100M
ECOMMERCE_SCALES ?= 20,100

.PHONY: all build run test bench bench-micro sysdeps venv clean

all: run

sysdeps:
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(SYS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	      echo "installing$$missing"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else \
	      echo "missing system packages:$$missing"; \
	      echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	    fi; \
	  fi; \
	fi

$(VENV)/.installed: Makefile
	$(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(PY_PACKAGES)
	touch $@

venv: $(VENV)/.installed

build: sysdeps
	$(SWIFT) build -c release

run: build
	rm -rf out/devapp
	.build/release/streamgen generate devapp --out out/devapp
	.build/release/streamgen status out/devapp
	rm -rf out/fixtures
	.build/release/streamgen generate ecommerce --scenario all --out out/fixtures
	.build/release/streamgen validate out/fixtures/*

test: sysdeps venv
	$(SWIFT) build --build-tests
	STREAMGEN_PYTHON=$(CURDIR)/$(PY) $(SWIFT) test --skip-build

bench: build venv
	.build/release/streamgen-bench writer --rows $(BENCH_ROWS) --repeat 3 --out bench-out
	.build/release/streamgen-bench engine --rows $(ENGINE_ROWS) --threads 1,2 --memory-limit 256MiB --out bench-out/engine
	.build/release/streamgen-bench ecommerce --scales $(ECOMMERCE_SCALES) --threads 1,2 --compression snappy,zstd --out bench-out/ecommerce

clean:
	rm -rf .build out bench-out

bench-micro: sysdeps
	$(SWIFT) package --package-path Benchmarks benchmark
