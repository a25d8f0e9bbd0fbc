#!/usr/bin/env bash
# Checks the compose demo's Prometheus files with the real promtool: the config and the rule files
# it loads (check config), the rules (check rules), their behaviour on sample series
# (test rules prometheus/alerts.test.yml) and the syntax of the Grafana dashboard's queries.
# monitoring.test.ts, in npm test, checks the metric names against the code; this checks what only
# Prometheus itself can.
#
# promtool is built once with `go install` from the Go module proxy (Prometheus publishes its
# binaries only on GitHub) and cached under ~/.cache/market-sentiment/promtool-<version>/: the
# first run needs Go 1.26.7 or later (its go.mod) and takes several minutes on 2 cores; later runs
# take a second.
set -euo pipefail

# Prometheus v3.16.0, the version docker-compose.yml runs; its Go module is tagged v0.316.0.
PROMETHEUS_VERSION=3.16.0
module_version="v0.$(echo "$PROMETHEUS_VERSION" | awk -F. '{ printf "%d%02d.%d", $1, $2, $3 }')"
cache="${MARKET_SENTIMENT_CACHE:-$HOME/.cache/market-sentiment}"
home="$cache/promtool-$PROMETHEUS_VERSION"
promtool="$home/bin/promtool"

if [ ! -x "$promtool" ]; then
  command -v go >/dev/null || { echo "check-monitoring: Go is needed to build promtool once" >&2; exit 1; }
  echo "check-monitoring: building promtool $PROMETHEUS_VERSION with go install (first run only)" >&2
  tmp="$home/build.tmp-$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # Module and build caches inside the temporary folder, removed afterwards (over 2 GB); a static
  # binary, so no C toolchain is needed.
  GOBIN="$tmp/bin" CGO_ENABLED=0 GOMODCACHE="$tmp/go/mod" GOCACHE="$tmp/go/build" GOFLAGS=-modcacherw \
    go install -trimpath "github.com/prometheus/prometheus/cmd/promtool@$module_version" >&2
  mkdir -p "$home/bin"
  mv "$tmp/bin/promtool" "$promtool"
  rm -rf "$tmp"
fi

cd "$(dirname "$0")/prometheus"
"$promtool" check config prometheus.yml
"$promtool" check rules alerts.yml
"$promtool" test rules alerts.test.yml

# The dashboard's queries through the same parser: each panel target as a recording rule (JSON is
# YAML), with Grafana's interval variables replaced by a duration as Grafana would.
panel_rules="$(mktemp --suffix=.yml)"
trap 'rm -f "$panel_rules"' EXIT
node -e '
  const { readFileSync } = require("node:fs");
  const { panels } = JSON.parse(readFileSync(process.argv[1], "utf8"));
  const rules = panels.flatMap((p) => (p.targets ?? []).map((t) => ({
    record: `panel_${p.id}_${t.refId}`,
    expr: t.expr.replace(/\$__(rate_interval|interval|range)/g, "1m"),
  })));
  process.stdout.write(JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
' ../grafana/dashboards/platform.json >"$panel_rules"
echo "Checking the queries of grafana/dashboards/platform.json"
"$promtool" check rules "$panel_rules"
