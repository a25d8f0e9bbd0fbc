#!/usr/bin/env bash
# The Spark anchor's toolchain for `npm run bench -- speed-real`: a venv with pyspark and
# vaderSentiment, and the Kafka connector jars from Maven Central, cached under
# ~/.cache/market-sentiment/spark-<version>/. Idempotent: a complete cache is reused as it is.
# Prints the cache folder on its last line (the bench reads it). Not part of .ci/run.
set -euo pipefail

SPARK_VERSION="${SPARK_VERSION:-4.2.0}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${MARKET_SENTIMENT_CACHE:-$HOME/.cache/market-sentiment}"
home="$cache/spark-$SPARK_VERSION"
mkdir -p "$home"

# pyspark 4.3.0 (pip's newest) has no spark-sql-kafka of its own version on Maven Central; the
# connector must match pyspark exactly, so both are pinned to SPARK_VERSION. The venv (pyspark,
# vaderSentiment, pyarrow) is the batch engine's, made by its setup.
SPARK_VERSION="$SPARK_VERSION" bash "$here/../../batch-layer/spark/setup.sh" >/dev/null

if [ ! -f "$home/jars/.complete" ]; then
  command -v mvn >/dev/null || { echo "spark setup: Maven (mvn) is required for the Kafka connector jars" >&2; exit 1; }
  echo "spark setup: fetching spark-sql-kafka-0-10_2.13 $SPARK_VERSION jars with Maven" >&2
  rm -rf "$home/jars.tmp"
  mvn -B -q -f "$here/kafka-connector.pom.xml" \
    "-Dmaven.repo.local=$cache/m2" \
    "-Dspark.version=$SPARK_VERSION" \
    dependency:copy-dependencies \
    -DincludeScope=runtime \
    -DincludeArtifactIds=spark-sql-kafka-0-10_2.13,spark-token-provider-kafka-0-10_2.13,kafka-clients,commons-pool2 \
    "-DoutputDirectory=$home/jars.tmp" >&2
  rm -rf "$home/jars"
  mv "$home/jars.tmp" "$home/jars"
  touch "$home/jars/.complete"
fi

echo "$home"
