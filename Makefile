# log-capturer: the commands of CONTRACT §1. Each installs what is missing (scripts/install-deps.sh).
BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
TSAN_DIR    ?= build-tsan
BENCH_DIR   ?= build-bench
JOBS        ?= $(shell nproc)
E2E_JOBS    ?= 3
CONFIG      ?= examples/quickstart.yaml

.PHONY: all deps build run test test-release test-asan test-tsan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# Runs the agent with the quickstart configuration: no Loki or Kafka needed.
run: build
	@mkdir -p /tmp/log-capturer/demo
	@echo "$$(date -u +%FT%TZ) hello from make run: append lines to /tmp/log-capturer/demo/app.log" >> /tmp/log-capturer/demo/app.log
	./$(BUILD_DIR)/log-capturer --config $(CONFIG)

# Every test: unit and end-to-end on the Release build, then the unit and end-to-end suites again
# under ASan+UBSan. Every test has its own temp dir and ports, and most wait on clocks (outages,
# timeouts), not the CPU: unit tests run $(JOBS) at a time, end-to-end suites $(E2E_JOBS) (the
# three long ones, delivery, kafka and loki, then overlap).
test: test-release test-asan

test-release: build
	@cd $(BUILD_DIR) && ctest -L unit -j$(JOBS) --output-on-failure --timeout 600
	@cd $(BUILD_DIR) && ctest -L e2e -j$(E2E_JOBS) --output-on-failure --timeout 600

test-asan: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DLOGCAP_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j$(JOBS)
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -L unit -j$(JOBS) --output-on-failure --timeout 900
	@cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LOGCAP_E2E_SCALE=0.2 ctest -L e2e -j$(E2E_JOBS) --output-on-failure --timeout 900

# ThreadSanitizer over the concurrent parts: queues, dispatcher, sink runners, acks, disk buffer,
# dead-letter queue, processing steps with shared state, file source, HTTP server. Not the tests
# that run librdkafka: its threads are started where TSan cannot see them (TSan crashes inside
# librdkafka's first allocation); the Kafka source's concurrency is covered by ASan and by its own
# design (acks only touch a mutex-guarded tracker and an atomic flag).
TSAN_TESTS = unit_core unit_buffer unit_dlq unit_pipeline unit_processing unit_sources unit_server
TSAN_FILTER = -KafkaSourceTest.*
test-tsan: deps
	@cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DLOGCAP_TSAN=ON >/dev/null
	@cmake --build $(TSAN_DIR) -j$(JOBS) --target $(TSAN_TESTS)
	@cd $(TSAN_DIR) && for t in $(TSAN_TESTS); do \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ./$$t --gtest_filter='$(TSAN_FILTER)' || exit 1; done

bench: deps
	@cmake -S . -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release -DLOGCAP_BUILD_BENCH=ON >/dev/null
	@cmake --build $(BENCH_DIR) -j$(JOBS)
	@for b in $(BENCH_DIR)/*_bench; do echo "== $$b"; $$b --benchmark_min_time=0.5; done
	python3 bench/run_pipeline.py --binary $(BENCH_DIR)/log-capturer --loggen $(BENCH_DIR)/loggen \
		--receiver $(BENCH_DIR)/http-receiver --runs 5
	python3 bench/idle_files.py --binary $(BENCH_DIR)/log-capturer

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(BENCH_DIR)
