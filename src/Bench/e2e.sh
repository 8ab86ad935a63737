#!/usr/bin/env bash
# Issue 16: authenticated requests per second of one minimal ASP.NET Core app (GET /factors/360, Kestrel on
# 127.0.0.1, HTTP/1.1 keep-alive) in six authentication builds, side by side, under wrk:
#   (a) none  (b) local  (c) hybrid  (d) jwtbearer  (e) handwritten-tokenreview  (e') tokenreview
# It builds src/Bench in Release once, starts LocalApiServer (`Bench e2e-apiserver`, which mints the token corpora
# through TokenRequest) and the six servers (`Bench e2e-server --auth ...`), pins the servers to one core and wrk and
# the API server to another, warms every build up, then runs E2E_ROUNDS interleaved rounds (each round in a rotated
# order) of two corpora per build: "many" (E2E_TOKENS distinct tokens, cycled) and "one" (a single token). It prints a
# markdown table (medians over the rounds; ratios to (a) and (d) of the same run) and the issue's targets.
#
# Usage: src/Bench/e2e.sh            (10 s per run, 3 rounds: about 8 minutes)
# Settings (environment): E2E_DURATION=10 (s per measured run), E2E_WARMUP=5 (s per build and corpus, 0 = none),
#   E2E_ROUNDS=3, E2E_CONNECTIONS=32 (wrk -c), E2E_TOKENS=1000 (the many-token corpus), E2E_PODS=100,
#   E2E_API_LATENCY_MS=0 (added to every TokenReview answer: a remote API server's round trip),
#   E2E_SERVER_CPU=0, E2E_LOAD_CPU=1 (taskset cores), E2E_BUILDS="none local ..." (a subset, in this order),
#   E2E_BENCH_DLL=path/Bench.dll (use that build instead of building Release), E2E_OUT=file.md (also write the table).
# Exit codes: 0 every row measured without a failed request (speed never decides), 1 a run had errors or non-2xx
#   answers or a row is missing, 2 a bad setting, 3 wrk missing and not installable, 4 a process did not start.
# Every process it starts is stopped by its PID on exit; everything listens on 127.0.0.1 only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
lua="$here/E2e/e2e.lua"

duration=${E2E_DURATION:-10}
warmup=${E2E_WARMUP:-5}
rounds=${E2E_ROUNDS:-3}
connections=${E2E_CONNECTIONS:-32}
tokens=${E2E_TOKENS:-1000}
pods=${E2E_PODS:-100}
api_latency=${E2E_API_LATENCY_MS:-0}
server_cpu=${E2E_SERVER_CPU:-0}
load_cpu=${E2E_LOAD_CPU:-1}
read -r -a builds <<<"${E2E_BUILDS:-none local hybrid jwtbearer handwritten-tokenreview tokenreview}"

fail() { echo "e2e.sh: $2" >&2; exit "$1"; }
for setting in DURATION:"$duration" ROUNDS:"$rounds" CONNECTIONS:"$connections" TOKENS:"$tokens" PODS:"$pods"; do
  [[ ${setting#*:} =~ ^[1-9][0-9]*$ ]] || fail 2 "E2E_${setting%%:*}=${setting#*:}: a positive integer is needed"
done
[[ $warmup =~ ^[0-9]+$ ]] || fail 2 "E2E_WARMUP=$warmup: a number of seconds is needed (0 = no warm-up)"
[[ $api_latency =~ ^[0-9]+$ ]] || fail 2 "E2E_API_LATENCY_MS=$api_latency: a number of milliseconds is needed (0 = none)"
for b in "${builds[@]}"; do
  case "$b" in none|local|hybrid|jwtbearer|handwritten-tokenreview|tokenreview) ;; *) fail 2 "E2E_BUILDS: unknown build '$b'";; esac
done

# wrk: Debian's package, installed here when missing (as .ci/run does for kubectl).
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "wrk not found: installing Debian's wrk" >&2
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }; } >/dev/null 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 || fail 3 "wrk is missing and cannot be installed here (needs root and apt-get); install it: apt-get install -y wrk"
fi

# Pinning: servers on one core, wrk and the API server on another. Without taskset or a second core, unpinned (said).
pin_server=(); pin_load=()
cores=$(nproc 2>/dev/null || echo 1)
if command -v taskset >/dev/null 2>&1 && [ "$cores" -ge 2 ]; then
  pin_server=(taskset -c "$server_cpu"); pin_load=(taskset -c "$load_cpu")
  pinning="servers on CPU $server_cpu; wrk and LocalApiServer on CPU $load_cpu"
else
  pinning="not pinned (taskset missing or fewer than 2 cores)"
  echo "e2e.sh: $pinning" >&2
fi

dll=${E2E_BENCH_DLL:-}
if [ -z "$dll" ]; then
  echo "building src/Bench (Release)" >&2
  dotnet build "$root/src/Bench" -c Release -nologo -v quiet >&2 || fail 4 "dotnet build src/Bench -c Release failed"
  dll="$root/src/Bench/bin/Release/net10.0/Bench.dll"
fi
[ -f "$dll" ] || fail 2 "E2E_BENCH_DLL=$dll: no such file"

work=$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (bounded) for a file a started process writes when it is ready.
await_file() {
  local file=$1 pid=$2 name=$3 log=$4 i
  for ((i = 0; i < 1200; i++)); do
    [ -e "$file" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail 4 "$name exited before it was ready"; }
    sleep 0.1
  done
  cat "$log" >&2
  fail 4 "$name was not ready within 120 s"
}

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
"${pin_load[@]}" dotnet "$dll" e2e-apiserver --dir "$work/api" --tokens "$tokens" --pods "$pods" --tokenreview-latency-ms "$api_latency" >"$work/apiserver.log" 2>&1 &
pids+=($!)
await_file "$work/api/ready" "$!" "e2e-apiserver" "$work/apiserver.log"

# Server GC, as the Web SDK sets it for an ASP.NET Core app (Bench itself is a console project).
declare -A url
for b in "${builds[@]}"; do
  DOTNET_gcServer=1 "${pin_server[@]}" dotnet "$dll" e2e-server --auth "$b" --api-dir "$work/api" --ready-file "$work/$b.url" >"$work/$b.log" 2>&1 &
  pids+=($!)
  await_file "$work/$b.url" "$!" "e2e-server --auth $b" "$work/$b.log"
  url[$b]=$(cat "$work/$b.url")
done

# GET /e2e/stats without curl: bash's /dev/tcp, one request per connection.
stats() {
  local hostport=${1#http://} reply
  exec 3<>"/dev/tcp/${hostport%%:*}/${hostport##*:}"
  printf 'GET /e2e/stats HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$hostport" >&3
  reply=$(cat <&3)
  exec 3>&-
  grep -o 'served=.*' <<<"$reply" | tr -d '\r'
}

# One authenticated request per build, answered 200, before anything is timed: JwtBearer's metadata fetch, the first
# JIT of the authentication path and the first connection to the API server happen here, not in a measured second.
prime() {
  local hostport=${1#http://} reply
  exec 3<>"/dev/tcp/${hostport%%:*}/${hostport##*:}"
  printf 'GET /factors/360 HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$hostport" "$(head -n 1 "$work/api/tokens-one.txt")" >&3
  reply=$(timeout 60 cat <&3 || true)
  exec 3>&-
  [[ ${reply%%$'\r'*} == "HTTP/1.1 200 "* ]]
}

corpus_file() { if [ "$1" = many ]; then echo "$work/api/tokens-many.txt"; else echo "$work/api/tokens-one.txt"; fi; }

run_wrk() { # build corpus seconds -> wrk's E2E line (its whole output goes to the log)
  "${pin_load[@]}" wrk -t1 -c"$connections" -d"$3s" --timeout 10s --latency -s "$lua" "${url[$1]}/factors/360" -- "$(corpus_file "$2")" \
    >"$work/wrk.out" 2>&1 || true
  cat "$work/wrk.out" >>"$work/wrk.log"
  grep '^E2E ' "$work/wrk.out" || echo "E2E requests=0 duration_us=1 p50_us=0 p99_us=0 errors=1 non2xx=0"
}

for b in "${builds[@]}"; do
  prime "${url[$b]}" || { tail -n 30 "$work/$b.log" >&2; fail 4 "e2e-server --auth $b did not answer an authenticated request with 200"; }
done

if [ "$warmup" -gt 0 ]; then
  for b in "${builds[@]}"; do
    for c in many one; do
      echo "warm-up: $b, $c token(s), ${warmup} s" >&2
      run_wrk "$b" "$c" "$warmup" >/dev/null
    done
  done
fi

results="$work/results.tsv"
: >"$results"
count=${#builds[@]}
for ((r = 1; r <= rounds; r++)); do
  for ((k = 0; k < count; k++)); do
    b=${builds[$(((k + r - 1) % count))]}
    for c in many one; do
      echo "round $r/$rounds: $b, $c token(s), ${duration} s" >&2
      before=$(stats "${url[$b]}") || { tail -n 30 "$work/$b.log" >&2; fail 1 "GET /e2e/stats of $b failed"; }
      line=$(run_wrk "$b" "$c" "$duration")
      after=$(stats "${url[$b]}") || { tail -n 30 "$work/$b.log" >&2; fail 1 "GET /e2e/stats of $b failed"; }
      echo "$b $c $r $line BEFORE $before AFTER $after" >>"$results"
    done
  done
done

load=$(uptime | sed 's/.*load average: //')
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)
{
  echo "### e2e.sh, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "\`E2E_DURATION=$duration E2E_WARMUP=$warmup E2E_ROUNDS=$rounds E2E_CONNECTIONS=$connections E2E_TOKENS=$tokens E2E_PODS=$pods E2E_API_LATENCY_MS=$api_latency${E2E_BUILDS:+ E2E_BUILDS=\"${builds[*]}\"} src/Bench/e2e.sh\`;"
  echo "$cores cores ($cpu), $pinning; wrk -t1 -c$connections; load average at the end: $load."
  echo "Medians over $rounds round(s) (req/s: min-max in brackets); ratios to (a) and (d) of the same corpus in this run;"
  echo "alloc = bytes allocated by the server process per request; cache hits = the verifier's result cache (TokenReview"
  echo "cache in (e')) as the server counted it; API req/s = the server's outgoing HTTP requests (to the API server) per second."
  echo
  echo "| build | tokens | req/s | x (a) | x (d) | p50 ms | p99 ms | p99 x (d) | alloc B/req | cache hits | API req/s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$work/table.md"

awk -v builds="${builds[*]}" -v rounds="$rounds" '
function val(s, key) { s = " " s; return match(s, " " key "=[0-9.]+") ? substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2) + 0 : 0 }
function median(list,   n, a, i, j, t) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  if (n == 0) return 0
  return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function lo(list,   n, a, i, m) { n = split(list, a, " "); m = a[1] + 0; for (i = 2; i <= n; i++) if (a[i] + 0 < m) m = a[i] + 0; return m }
function hi(list,   n, a, i, m) { n = split(list, a, " "); m = a[1] + 0; for (i = 2; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0; return m }
function label(b) {
  return b == "none" ? "(a) none" : b == "local" ? "(b) local" : b == "hybrid" ? "(c) hybrid" : b == "jwtbearer" ? "(d) jwtbearer" : \
    b == "handwritten-tokenreview" ? "(e) handwritten TokenReview" : "(e'"'"') tokenreview"
}
function ratio(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
{
  b = $1; c = $2; key = b SUBSEP c
  split($0, parts, / BEFORE | AFTER /); w = parts[1]; s0 = parts[2]; s1 = parts[3]
  secs = val(w, "duration_us") / 1e6; n = val(w, "requests")
  rps[key] = rps[key] " " (secs > 0 ? n / secs : 0)
  p50[key] = p50[key] " " val(w, "p50_us") / 1000; p99[key] = p99[key] " " val(w, "p99_us") / 1000
  bad[key] += val(w, "errors") + val(w, "non2xx")
  served = val(s1, "served") - val(s0, "served")
  alloc[key] = alloc[key] " " (served > 0 ? (val(s1, "allocated") - val(s0, "allocated")) / served : 0)
  if (served == 0) bad[key] += 1
  hit = val(s1, "result_hit") - val(s0, "result_hit") + val(s1, "tokenreview_hit") - val(s0, "tokenreview_hit")
  miss = val(s1, "result_miss") - val(s0, "result_miss") + val(s1, "tokenreview_miss") - val(s0, "tokenreview_miss")
  hits[key] += hit; lookups[key] += hit + miss
  api[key] = api[key] " " (secs > 0 ? (val(s1, "outgoing") - val(s0, "outgoing")) / secs : 0)
  runs[key]++
}
END {
  nb = split(builds, order, " ")
  for (i = 1; i <= nb; i++) for (cc = 1; cc <= 2; cc++) {
    c = cc == 1 ? "many" : "one"; key = order[i] SUBSEP c
    if (!(key in runs)) { printf "| %s | %s | missing | | | | | | | | |\n", label(order[i]), c; missing = 1; continue }
    med[key] = median(rps[key]); m99[key] = median(p99[key])
  }
  for (i = 1; i <= nb; i++) for (cc = 1; cc <= 2; cc++) {
    c = cc == 1 ? "many" : "one"; key = order[i] SUBSEP c
    if (!(key in runs)) continue
    a = "none" SUBSEP c; d = "jwtbearer" SUBSEP c
    printf "| %s | %s | %.0f [%.0f-%.0f]%s | %s | %s | %.2f | %.2f | %s | %.0f | %s | %.1f |\n", label(order[i]), \
      c == "many" ? "many" : "one", med[key], lo(rps[key]), hi(rps[key]), bad[key] ? " FAILED REQUESTS" : "", \
      ratio(med[key], med[a]), ratio(med[key], med[d]), median(p50[key]), m99[key], ratio(m99[key], m99[d]), \
      median(alloc[key]), lookups[key] ? sprintf("%.1f %%", 100 * hits[key] / lookups[key]) : "-", median(api[key])
    if (bad[key]) failed = 1
  }
  print ""
  print "Targets (machine-dependent; they do not change the exit code):"
  target("(b) >= 1.3x (d), many tokens", "local", "many", "jwtbearer", "many", 1.3, 0)
  target("(b) >= 0.90x (a), one token", "local", "one", "none", "one", 0.9, 0)
  target("(c) within 10 % of (b), many tokens", "hybrid", "many", "local", "many", 0.9, 1.1)
  target("(c) within 10 % of (b), one token", "hybrid", "one", "local", "one", 0.9, 1.1)
  target("(e'"'"') >= 5x (e), many tokens", "tokenreview", "many", "handwritten-tokenreview", "many", 5, 0)
  target("(e'"'"') >= 5x (e), one token", "tokenreview", "one", "handwritten-tokenreview", "one", 5, 0)
  exit (failed || missing) ? 1 : 0
}
function target(text, x, xc, y, yc, low, high,   kx, ky, q, ok) {
  kx = x SUBSEP xc; ky = y SUBSEP yc
  if (!(kx in med) || !(ky in med) || med[ky] <= 0) { printf "- %s: not measured\n", text; return }
  q = med[kx] / med[ky]; ok = q >= low && (high == 0 || q <= high)
  printf "- %s: %.2fx -> %s\n", text, q, ok ? "yes" : "no"
}' "$results" >>"$work/table.md" && status=0 || status=$?

cat "$work/table.md"
if [ -n "${E2E_OUT:-}" ]; then cp "$work/table.md" "$E2E_OUT"; echo "wrote $E2E_OUT" >&2; fi
if [ "$status" -ne 0 ]; then
  echo "e2e.sh: a run had failed requests or a row is missing; the servers' and wrk's logs follow" >&2
  tail -n 20 "$work"/*.log >&2 || true
fi
exit "$status"
