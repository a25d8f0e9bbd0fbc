#!/usr/bin/env bash
# The project's Spark toolchain: a Python venv with pyspark (its spark-submit and jars), pyarrow
# and pandas, cached under ~/.cache/market-sentiment/spark-<version>/venv. `batch run --engine
# spark` runs spark/driver.py with it (SPARK_SUBMIT's default is this venv's spark-submit), the
# engine-agreement and pyarrow tests use it, and bench/spark/setup.sh builds on it. Needs python3
# with venv and a Java 17 or 21 runtime (pyspark 4.2 runs on the OS's OpenJDK 17). Idempotent: a
# complete venv is reused as it is. Prints the venv folder on its last line.
set -euo pipefail

SPARK_VERSION="${SPARK_VERSION:-4.2.0}"
cache="${MARKET_SENTIMENT_CACHE:-$HOME/.cache/market-sentiment}"
venv="$cache/spark-$SPARK_VERSION/venv"

command -v java >/dev/null || { echo "spark setup: a Java runtime (java) is required for Spark" >&2; exit 1; }

# Pinned, so every machine runs the engine with the same libraries. vaderSentiment is the speed
# bench's Spark anchor's scorer; one venv serves both.
packages=("pyspark==$SPARK_VERSION" "pyarrow==26.0.1" "pandas==3.1.1" "vadersentiment==3.3.2")

if [ ! -f "$venv/.complete" ]; then
  echo "spark setup: creating $venv (${packages[*]})" >&2
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "${packages[@]}" >&2
  touch "$venv/.complete"
fi

echo "$venv"
