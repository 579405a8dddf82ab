#!/bin/bash -eu
# Builds every cargo-fuzz target of tcpdiff for ClusterFuzzLite/OSS-Fuzz and
# ships each with its seed corpus (<target>_seed_corpus.zip, from corpus/)
# and the dictionary (<target>.dict). lwIP's C is compiled by
# lwip-c/build.rs with clang and -fsanitize=fuzzer-no-link (plus the
# sanitizer cargo-fuzz selects), so libFuzzer sees its coverage.
cd "$SRC/tcpdiff"

TARGETS="tcp_input tcp_input_timed tcp_input6 tcp_input6_timed tcp_session script_parse pcap_read"

# cargo fuzz build takes the sanitizer from $SANITIZER (address by default).
cargo fuzz build -O --debug-assertions

BIN_DIR=fuzz/target/x86_64-unknown-linux-gnu/release
for t in $TARGETS; do
  cp "$BIN_DIR/$t" "$OUT/"
  if [ -d "corpus/$t" ]; then
    (cd "corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
  fi
done

# The TCP dictionary (option bytes, flag combinations, ISNs) for the
# packet targets.
for t in tcp_input tcp_input_timed tcp_input6 tcp_input6_timed tcp_session; do
  cp fuzz/tcp.dict "$OUT/$t.dict"
done
