-- Vote toggles as the browser sends them (htmx POST with the CSRF header and field), logged in.
-- Arguments after "--": the session cookie, the CSRF token, the product slug, idea ids (comma-separated).
-- Each connection alternates vote=1 / vote=0 over the ideas, so votes are added and withdrawn.
local headers, token, slug, ids = {}, "", "", {}
local n = 0

init = function(args)
  headers["Cookie"] = args[1]
  headers["X-CSRFToken"] = args[2]
  headers["HX-Request"] = "true"
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  token, slug = args[2], args[3]
  for id in string.gmatch(args[4], "%d+") do ids[#ids + 1] = id end
  n = math.random(0, #ids * 2)
end

request = function()
  n = n + 1
  local id = ids[(math.floor(n / 2) % #ids) + 1]
  return wrk.format("POST", "/p/" .. slug .. "/ideas/" .. id .. "/vote", headers,
                    "csrf_token=" .. token .. "&vote=" .. (1 - n % 2))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, "bad_status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
