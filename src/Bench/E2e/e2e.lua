-- wrk script of src/Bench/e2e.sh: GET /factors/360 with one token of a file per request, cycling through the file
-- (wrk ... -s e2e.lua URL -- TOKENS_FILE). The requests are formatted once, in init, so wrk's own cost per request
-- is the same whatever the corpus. done() prints one machine-readable line for the driver.
local requests = {}
local index = 0

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", "/factors/360", { ["Authorization"] = "Bearer " .. line })
    end
  end
  if #requests == 0 then
    error("e2e.lua: no tokens in " .. tostring(path))
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format("E2E requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
