#!/usr/bin/env bash
# Tests the TextMate grammar on test/*.infra with vscode-tmgrammar-test
# (npm); not part of the Rust suite, which needs no npm.
set -euo pipefail
cd "$(dirname "$0")"
# Bounded: a registry that does not answer fails the run instead of hanging it.
timeout 300 npm install --no-audit --no-fund --silent vscode-tmgrammar-test@0.1.3 >/dev/null
timeout 120 npx vscode-tmgrammar-test 'test/*.infra'
