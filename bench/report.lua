-- A GET load; an optional argument after "--" is a session cookie (pages that need a login).
-- Prints wrk's summary as one JSON line that bench/run.py reads.
init = function(args)
  if args[1] then wrk.headers["Cookie"] = args[1] end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, "bad_status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
