-- wrk reporter: prints one JSON line with requests/s, latency percentiles and errors, for bench_http.py.
-- Optional: WRK_PATHS="/a,/b" makes each request take the next path in turn (a mix of pages).
local paths = {}
local next_path = 1
local env_paths = os.getenv("WRK_PATHS")
if env_paths then
  for p in string.gmatch(env_paths, "([^,]+)") do table.insert(paths, p) end
end

if #paths > 0 then
  request = function()
    local path = paths[next_path]
    next_path = next_path % #paths + 1
    return wrk.format(nil, path)
  end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
