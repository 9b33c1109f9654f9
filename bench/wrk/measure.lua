-- wrk script for the page benchmark.
-- Usage: wrk ... -s bench/wrk/measure.lua URL [-- "sessionid=..."]
-- The optional argument is the logged-in session cookie (the dashboard needs it); done()
-- prints the latency percentiles and totals as one JSON line that bench/pages.py reads.

function init(args)
  if args[1] ~= nil and args[1] ~= "" then
    wrk.headers["Cookie"] = args[1]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
