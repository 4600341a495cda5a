#!/usr/bin/env bash
# Create .venv and install Fieldnotes with a llama-cpp-python that works on this CPU.
#
# llama-cpp-python ships only as source, so pip compiles it (~4 min on 2 cores). A default
# native x86_64 build enables llama.cpp's AMX path, which segfaults on the first decode on
# AMX CPUs (llama.cpp #20824), so on x86_64 we build with AMX off (portable AVX2 build).
# The built wheel is kept in a folder named after the flags, so pip's source-keyed wheel
# cache can never hand back a wheel built with other flags.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
LLAMA_VERSION=${LLAMA_VERSION:-0.3.36}
arch=$(uname -m)
case "$arch" in
  x86_64) flags="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"; tag=x86_64-avx2-noamx ;;
  *) flags="-DGGML_NATIVE=ON"; tag="$arch-native" ;;
esac
wheels=${FIELDNOTES_WHEEL_DIR:-$HOME/.cache/fieldnotes/wheels}/$tag-$LLAMA_VERSION
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip wheel "setuptools>=77"  # the wheel test builds without isolation
if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $LLAMA_VERSION ($tag), about 4 minutes..." >&2
  mkdir -p "$wheels"
  CMAKE_ARGS="$flags" .venv/bin/python -m pip wheel -q --no-cache-dir --no-deps \
    -w "$wheels" "llama-cpp-python==$LLAMA_VERSION"
fi
.venv/bin/python -m pip install -q "$wheels"/llama_cpp_python-*.whl
.venv/bin/python -m pip install -q -e ".[test]"
