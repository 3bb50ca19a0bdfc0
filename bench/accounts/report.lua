-- Shared by the wrk scripts of bench/accounts: counts every response whose status is not 2xx
-- (per thread, summed in done()) and prints one parsable line at the end:
--
--   RESULT requests=N seconds=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D non2xx=E socket_errors=F statuses=CODE:COUNT,...
--
-- socket_errors are wrk's connect, read, write and timeout errors. statuses lists the non-2xx
-- codes seen (empty when there were none).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state): non-2xx responses, by status.
non2xx = 0
statuses = ""
local seen = {}

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    seen[status] = (seen[status] or 0) + 1
    local parts = {}
    for code, count in pairs(seen) do
      table.insert(parts, code .. ":" .. count)
    end
    statuses = table.concat(parts, ",")
  end
end

function done(summary, latency, requests)
  local errors, counts, codes = 0, {}, {}
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("non2xx")
    for code, count in string.gmatch(thread:get("statuses") or "", "(%d+):(%d+)") do
      counts[code] = (counts[code] or 0) + tonumber(count)
    end
  end
  for code, count in pairs(counts) do
    table.insert(codes, code .. ":" .. count)
  end
  table.sort(codes)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d socket_errors=%d statuses=%s\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    errors, e.connect + e.read + e.write + e.timeout, table.concat(codes, ",")))
end
