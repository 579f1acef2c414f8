#!/usr/bin/env bash
# Runs a TypeScript bench (or any .ts script) without a build: bash bench/run.sh bench/eventstore.ts [args]
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --enable-source-maps --require ./bench/swc-register.js "$@"
