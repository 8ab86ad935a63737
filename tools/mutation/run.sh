#!/usr/bin/env bash
# Mutation testing (Stryker.NET 5.1.0, the local tool in .config/dotnet-tools.json) of the cache/key files, one or
# several per run: a whole-library run takes hours on 2 cores. Each target mutates one file and runs only the test
# classes that exercise it (--test-case-filter; several targets: the union), one test process at a time
# (concurrency 1 and coverage-analysis perTest in tests/Verifier.Tests/stryker-config.json), so a mutant runs only the
# tests that cover it. Several targets in one run share its build and initial test run; the scores stay per file.
#
#   tools/mutation/run.sh TARGET... [-- extra stryker options]
#   TARGET: result-cache | tokenreview-cache | keystore | unknown-kid-cache | all
#
# --disable-bail: every test that kills a mutant is recorded (killedBy), so tools/mutation/score.py can also say what
# the tests without some of them would score. The report lands in tests/Verifier.Tests/StrykerOutput/<targets>/reports
# (mutation-report.html/json); the clear-text table at the end of the output gives killed/survived/timeout/no coverage
# per file. See docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
mutate=()
filters=()
targets=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    all) set -- result-cache tokenreview-cache keystore unknown-kid-cache "${@:2}"; continue ;;
    result-cache)
      mutate+=(--mutate '**/Validation/VerifiedTokenCache.cs')
      filters+=('FullyQualifiedName~Validation.VerifiedTokenCacheTests' 'FullyQualifiedName~Validation.ResultCachePropertyTests' 'FullyQualifiedName~Validation.LocalVerificationTests') ;;
    tokenreview-cache)
      mutate+=(--mutate '**/TokenReview/ExpiringCache.cs')
      filters+=('FullyQualifiedName~TokenReview.ExpiringCacheTests' 'FullyQualifiedName~TokenReview.TokenReviewerTests' 'FullyQualifiedName~Hybrid.HybridVerificationTests') ;;
    keystore)
      mutate+=(--mutate '**/Keys/KeyStore.cs')
      filters+=('FullyQualifiedName~Keys.KeyStoreTests' 'FullyQualifiedName~Keys.KeyRefreshWorkerTests' 'FullyQualifiedName~Keys.StaticFileKeySourceTests' 'FullyQualifiedName~Keys.ExternalSignerTests') ;;
    unknown-kid-cache)
      mutate+=(--mutate '**/Keys/UnknownKeyIdCache.cs')
      filters+=('FullyQualifiedName~Keys.UnknownKeyIdCacheTests' 'FullyQualifiedName~Keys.KeyStoreTests') ;;
    *)
      echo "usage: tools/mutation/run.sh result-cache|tokenreview-cache|keystore|unknown-kid-cache|all ... [-- stryker options]" >&2
      exit 2 ;;
  esac
  targets+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
if [ ${#targets[@]} -eq 0 ]; then
  echo "usage: tools/mutation/run.sh result-cache|tokenreview-cache|keystore|unknown-kid-cache|all ... [-- stryker options]" >&2
  exit 2
fi
filter=$(printf '%s\n' "${filters[@]}" | sort -u | paste -sd'|')
# STRYKER_TEST_FILTER replaces the filter (e.g. fewer classes when one of them keeps the test host from exiting).
filter="${STRYKER_TEST_FILTER:-$filter}"
output=$(IFS=+; echo "${targets[*]}")
# A loaded 2-core machine can take minutes to start a test host: without this, vstest.console waited forever for one
# that had given up (the first run here hung in its initial test run with no test host left).
export VSTEST_CONNECTION_TIMEOUT="${VSTEST_CONNECTION_TIMEOUT:-900}"
# After the last test vstest.console gives the test host 100 ms to exit, then kills it, and Stryker 5.1 ends its initial
# test run with "Initial test run could not be completed". No test class here keeps the host alive: run alone with
# `dotnet test --diag`, each target's host exits on its own 16-51 ms after "Testhost process exiting" (load 0-10), the
# keystore and result-cache filters being the slowest; at the load averages of 20-65 the earlier runs met, that
# passes 100 ms. 60 s is a bound, not a wait: vstest.console goes on as soon as the host has exited.
export VSTEST_TESTHOST_SHUTDOWN_TIMEOUT="${VSTEST_TESTHOST_SHUTDOWN_TIMEOUT:-60000}"
dotnet tool restore >/dev/null
cd tests/Verifier.Tests
exec dotnet stryker --config-file stryker-config.json --skip-version-check "${mutate[@]}" \
  --test-case-filter "$filter" --disable-bail --output "StrykerOutput/$output" "$@"
