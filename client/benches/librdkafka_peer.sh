#!/usr/bin/env bash
# Builds the librdkafka peer of the benchmarks: librdkafka's own
# rdkafka_performance (and client/benches/rdkafka_perf.c) linked against the
# librdkafka that confluent-kafka's wheel ships (2.16.x in confluent-kafka
# 2.16.1), the library a Python user of Kafka runs today, rather than
# Debian's older librdkafka-dev (2.0.2 on bookworm).
#
#   bash client/benches/librdkafka_peer.sh      # prints the directory of the binaries
#
# - The library: `pip download confluent-kafka==2.16.1 --no-deps`, and the
#   .so under `confluent_kafka.libs/` in the wheel.
# - The program and headers: rdkafka_performance.c is in librdkafka's source
#   under examples/ (the npm package that carries librdkafka's source leaves
#   examples/ out), so the source comes from Debian sid's `librdkafka` source
#   package (2.14.x), fetched with `apt-get source` through a private
#   sources list and state directory: the system's apt is not changed.
#   rdkafka_performance includes librdkafka's internal rd.h, which needs the
#   config.h that `./configure` writes. The public API (rdkafka.h) is
#   compatible from 2.14 to 2.16; the binaries check at start that they run
#   2.16 (below).
#
# Everything is cached under target/librdkafka-peer/; a second run only
# checks the version. Needs python3 with pip, apt-get, cc.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
peer="$root/target/librdkafka-peer"
wheel_version=2.16.1
want_major_minor=2.16
mkdir -p "$peer"

check_version() {
  local got
  got=$("$peer/bin/librdkafka_version")
  [[ $got == "$want_major_minor".* ]] || {
    echo "the peer links librdkafka $got, not $want_major_minor.x" >&2
    exit 1
  }
  echo "librdkafka $got: $peer/bin" >&2
}

if [[ -x $peer/bin/rdkafka_performance && -x $peer/bin/rdkafka_perf && -x $peer/bin/librdkafka_version ]]; then
  check_version
  echo "$peer/bin"
  exit 0
fi

# The library, from the wheel.
if ! compgen -G "$peer/lib/librdkafka*.so*" >/dev/null; then
  python=python3
  [[ -x $root/.venv/bin/python ]] && python="$root/.venv/bin/python"
  rm -rf "$peer/wheel" && mkdir -p "$peer/wheel" "$peer/lib"
  "$python" -m pip download -q "confluent-kafka==$wheel_version" --no-deps \
    --only-binary :all: -d "$peer/wheel" >&2
  "$python" - "$peer" <<'PY'
import glob, os, shutil, sys, zipfile
peer = sys.argv[1]
(wheel,) = glob.glob(os.path.join(peer, "wheel", "confluent_kafka-*.whl"))
with zipfile.ZipFile(wheel) as z:
    libs = [n for n in z.namelist() if n.startswith("confluent_kafka.libs/librdkafka")]
    if len(libs) != 1:
        sys.exit(f"expected one librdkafka in {wheel}, found {libs}")
    with z.open(libs[0]) as src, open(os.path.join(peer, "lib", os.path.basename(libs[0])), "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
fi
so=$(compgen -G "$peer/lib/librdkafka*.so*" | head -1)

# The source, from Debian sid's source package.
if [[ ! -f $peer/src/examples/rdkafka_performance.c ]]; then
  apt_dir="$peer/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$peer/download"
  echo "deb-src http://deb.debian.org/debian sid main" >"$apt_dir/sources.list"
  apt_private=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives"
    -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1)
  apt-get -q "${apt_private[@]}" update >&2
  (cd "$peer/download" && apt-get -q "${apt_private[@]}" source --download-only librdkafka >&2)
  rm -rf "$peer/src" && mkdir -p "$peer/src"
  tar -xzf "$(compgen -G "$peer/download/librdkafka_*.orig.tar.gz" | head -1)" -C "$peer/src" --strip-components=1
fi
if [[ ! -f $peer/src/config.h ]]; then
  (cd "$peer/src" && ./configure --disable-ssl --disable-gssapi --disable-zstd --disable-lz4-ext --disable-curl >"$peer/configure.log" 2>&1) ||
    { tail -20 "$peer/configure.log" >&2; exit 1; }
fi

# The headers as <librdkafka/rdkafka.h> too, for rdkafka_perf.c.
mkdir -p "$peer/include/librdkafka" "$peer/bin"
cp "$peer/src/src/rdkafka.h" "$peer/include/librdkafka/"
link=("$so" -lpthread -lm "-Wl,-rpath,$(dirname "$so")")
cc -O2 -I "$peer/src/src" -I "$peer/src" -o "$peer/bin/rdkafka_performance" \
  "$peer/src/examples/rdkafka_performance.c" "${link[@]}"
cc -O2 -I "$peer/include" -o "$peer/bin/rdkafka_perf" "$root/client/benches/rdkafka_perf.c" "${link[@]}"
cat >"$peer/librdkafka_version.c" <<'C'
#include <stdio.h>
#include <librdkafka/rdkafka.h>
int main(void) { puts(rd_kafka_version_str()); return 0; }
C
cc -I "$peer/include" -o "$peer/bin/librdkafka_version" "$peer/librdkafka_version.c" "${link[@]}"
check_version
echo "$peer/bin"
