# StreamGen — build, test and benchmark.
#
#   make          set up, build (release), generate devapp, the ecommerce fixtures, bronze and retail
#                 (with an append) into out/, and show and validate them
#   make test     set up, then run every test (unit + pyarrow/DuckDB interop + a throwaway PostgreSQL
#                 cluster for the sink's tests, started and stopped around them)
#   make bench        writer figures against pyarrow; scaling series (rows 1M/10M/100M × threads 1…cores,
#                     median of 3) of the ecommerce events and devapp's fake_analytics, each written up
#                     as bench-out/scaling-*/report.md with scaling.svg; and bronze's seven tables
#                     (rows of its largest, marketing_events: 500k = scale 1, 5M = scale 10), and
#                     retail (sales_daily rows 1M/10M/100M, inventory as many again)
#   make bench-peers  the ratio table of ecommerce events against pyarrow, DuckDB, a numpy generator and
#                     tpchgen-cli, all in one run (bench-out/peers/peers.md)
#   make bench-postgres  ecommerce --scale 10 into a throwaway PostgreSQL: the sink end to end against
#                     ADBC's binary ingest of the same events (bench-out/postgres/postgres.md)
#   make bench-spark  the Spark job (integrations/spark) in local mode, 2 cores, against a direct run with
#                     2 threads: devapp 10M and 100M rows, ecommerce scale 20 (bench-out/spark/spark.md)
#   make bench-micro  micro-benchmarks (Benchmarks/, ordo-one/benchmark), then the malloc-count gate
#                     against the committed Benchmarks/Thresholds/
#
# Set-up is part of each target: Debian's libzstd-dev, libsnappy-dev and pkg-config are installed
# with apt-get when missing (as root; otherwise the command to run is printed), and .venv is
# created with the pinned Python packages the interop tests and peers use.

SWIFT       ?= swift
PYTHON3     ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
PY_PACKAGES := duckdb==2.0.0 pyarrow==26.0.1 dbt-core==1.10.23 dbt-duckdb==1.10.1 psycopg==3.3.9 deltalake==1.6.6 polars==2.1.0 pyspark==4.3.0
BENCH_PY_PACKAGES := numpy==2.4.6 tpchgen-cli==4.0.0 adbc-driver-postgresql==1.13.0
SYS_PACKAGES := libzstd-dev libsnappy-dev libssl-dev libpq-dev pkg-config
# The tests' throwaway PostgreSQL cluster (tools/postgres/cluster.sh), and Java for Spark local mode.
TEST_SYS_PACKAGES := postgresql-15 openjdk-17-jre-headless
PG_TEST_DIR ?= /tmp/streamgen-test-postgres-$(shell id -u)
BENCH_ROWS  ?= 1000000
SCALING_ROWS ?= 1M,10M,100M
JAFFLE_SCALE ?= 1000
FIXTURE_SCALE ?= 10
SCALING_REPEAT ?= 3
BRONZE_ROWS ?= 500k,5M
RETAIL_ROWS ?= 1M,10M,100M
PEERS_SCALE ?= 20
PEERS_MEMORY_SCALE ?= 200
PEERS_REPEAT ?= 3
PG_BENCH_SCALE ?= 10
SPARK_REPEAT ?= 3
PG_BENCH_DIR ?= /tmp/streamgen-bench-postgres-$(shell id -u)

.PHONY: all build run test bench bench-peers bench-postgres bench-spark bench-micro sysdeps venv venv-bench clean

all: run

sysdeps:
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(SYS_PACKAGES) $(EXTRA_SYS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
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

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check $(BENCH_PY_PACKAGES)
	touch $@

venv-bench: $(VENV)/.bench-installed

build: sysdeps
	$(SWIFT) build -c release

run: build
	rm -rf out/devapp
	.build/release/streamgen generate devapp --out out/devapp
	.build/release/streamgen status out/devapp
	rm -rf out/fixtures
	.build/release/streamgen generate ecommerce --scenario all --out out/fixtures
	.build/release/streamgen validate out/fixtures
	rm -rf out/bronze
	.build/release/streamgen generate bronze --out out/bronze
	.build/release/streamgen validate out/bronze
	rm -rf out/retail
	.build/release/streamgen generate retail --out out/retail
	.build/release/streamgen append out/retail --start-date 2025-01-01 --end-date 2025-03-31 --seed 43
	rm -rf out/jaffle
	.build/release/streamgen generate jaffle --days-back 30 --out out/jaffle
	.build/release/streamgen validate out/jaffle

test: venv
	$(MAKE) sysdeps EXTRA_SYS_PACKAGES="$(TEST_SYS_PACKAGES)"
	$(SWIFT) build --build-tests
	tools/postgres/cluster.sh stop $(PG_TEST_DIR)
	url=$$(tools/postgres/cluster.sh start $(PG_TEST_DIR)) && \
	  STREAMGEN_PYTHON=$(CURDIR)/$(PY) STREAMGEN_TEST_POSTGRES_URL=$$url $(SWIFT) test --skip-build; \
	  status=$$?; tools/postgres/cluster.sh stop $(PG_TEST_DIR); exit $$status

bench: build venv
	.build/release/streamgen-bench writer --rows $(BENCH_ROWS) --repeat 3 --out bench-out
	.build/release/streamgen-bench scaling ecommerce --rows $(SCALING_ROWS) --repeat $(SCALING_REPEAT) --out bench-out/scaling-ecommerce
	.build/release/streamgen-bench scaling devapp --table fake_analytics --rows $(SCALING_ROWS) --repeat $(SCALING_REPEAT) --out bench-out/scaling-devapp
	.build/release/streamgen-bench scaling bronze --rows $(BRONZE_ROWS) --repeat $(SCALING_REPEAT) --out bench-out/scaling-bronze
	.build/release/streamgen-bench scaling retail --rows $(RETAIL_ROWS) --repeat $(SCALING_REPEAT) --out bench-out/scaling-retail
	.build/release/streamgen-bench generate jaffle --threads 1 --out bench-out/jaffle-1
	.build/release/streamgen-bench generate jaffle --threads 2 --out bench-out/jaffle-2
	.build/release/streamgen-bench generate jaffle --scale $(JAFFLE_SCALE) --format parquet --threads 1 --out bench-out/jaffle-big-1
	.build/release/streamgen-bench generate jaffle --scale $(JAFFLE_SCALE) --format parquet --threads 2 --out bench-out/jaffle-big-2
	for s in baseline null_spike volume_drop duplicates late_arriving orphaned_records; do \
	  .build/release/streamgen-bench generate ecommerce --scale $(FIXTURE_SCALE) --scenario $$s --threads 2 --out bench-out/fixture-$$s || exit 1; done
	.build/release/streamgen-bench generate ecommerce --scale $(FIXTURE_SCALE) --format csv --threads 2 --out bench-out/fixture-csv

bench-peers: build venv-bench
	.build/release/streamgen-bench peers --scale $(PEERS_SCALE) --memory-scale $(PEERS_MEMORY_SCALE) --repeat $(PEERS_REPEAT) --out bench-out/peers

bench-postgres: build venv-bench
	$(MAKE) sysdeps EXTRA_SYS_PACKAGES="$(TEST_SYS_PACKAGES)"
	tools/postgres/cluster.sh stop $(PG_BENCH_DIR)
	url=$$(tools/postgres/cluster.sh start $(PG_BENCH_DIR)) && \
	  $(PY) Benchmarks/peers/postgres_load.py .build/release/streamgen $$url $(PG_BENCH_SCALE) 3 bench-out/postgres; \
	  status=$$?; tools/postgres/cluster.sh stop $(PG_BENCH_DIR); exit $$status

bench-spark: build venv
	$(MAKE) sysdeps EXTRA_SYS_PACKAGES="$(TEST_SYS_PACKAGES)"
	$(PY) Benchmarks/peers/spark_overhead.py .build/release/streamgen bench-out/spark $(SPARK_REPEAT) 2 \
	  "devapp-10M=devapp --rows 10000000" "devapp-100M=devapp --rows 100000000" "ecommerce-20=ecommerce --scale 20"

clean:
	rm -rf .build out bench-out

bench-micro: sysdeps
	cd Benchmarks && $(SWIFT) package benchmark
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --metric mallocCountTotal
