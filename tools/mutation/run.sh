#!/usr/bin/env bash
# Mutation testing (Stryker.NET 5.1.0, the local tool in .config/dotnet-tools.json) of one cache/key file at a time:
# a whole-library run takes hours on 2 cores. Each target mutates one file and runs only the test classes that
# exercise it (--test-case-filter), one test process at a time (concurrency 1 in tests/Verifier.Tests/stryker-config.json).
#
#   tools/mutation/run.sh result-cache | tokenreview-cache | keystore | unknown-kid-cache
#
# --disable-bail: every test that kills a mutant is recorded (killedBy), so the report also shows what the older
# tests alone would score (tools/mutation/score.py --without). The report lands in tests/Verifier.Tests/StrykerOutput/<target>/reports (mutation-report.html/json); the clear-text
# table at the end of the output gives killed/survived/timeout/no coverage per file. See docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
case "${1:-}" in
  result-cache)
    mutate='**/Validation/VerifiedTokenCache.cs'
    filter='FullyQualifiedName~Validation.VerifiedTokenCacheTests|FullyQualifiedName~Validation.ResultCachePropertyTests|FullyQualifiedName~Validation.LocalVerificationTests' ;;
  tokenreview-cache)
    mutate='**/TokenReview/ExpiringCache.cs'
    filter='FullyQualifiedName~TokenReview.ExpiringCacheTests|FullyQualifiedName~TokenReview.TokenReviewerTests|FullyQualifiedName~Hybrid.HybridVerificationTests' ;;
  keystore)
    mutate='**/Keys/KeyStore.cs'
    filter='FullyQualifiedName~Keys.KeyStoreTests|FullyQualifiedName~Keys.KeyRefreshWorkerTests' ;;
  unknown-kid-cache)
    mutate='**/Keys/UnknownKeyIdCache.cs'
    filter='FullyQualifiedName~Keys.UnknownKeyIdCacheTests|FullyQualifiedName~Keys.KeyStoreTests' ;;
  *)
    echo "usage: tools/mutation/run.sh result-cache|tokenreview-cache|keystore|unknown-kid-cache" >&2
    exit 2 ;;
esac
dotnet tool restore >/dev/null
cd tests/Verifier.Tests
exec dotnet stryker --config-file stryker-config.json --skip-version-check \
  --mutate "$mutate" --test-case-filter "$filter" --disable-bail --output "StrykerOutput/$1" "${@:2}"
