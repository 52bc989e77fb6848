-- wrk script of bench_throughput.py: POST /manage/host/get (page of 50 sorted by host_name, the
-- page drawn at random) with the access_token header; the same request goes to the hello app.
--
-- Requests are HTTP/1.1, as real clients send them. The shipped uWSGI http router
-- (aops_utils.serving.uwsgi_argv: no --http-keepalive) still closes the connection after every
-- answer, but now says so ("--add-header Connection: close"), so wrk reconnects cleanly instead
-- of writing the next request on a dead socket: one TCP connection per request, zero errors.
-- (Before that header, HTTP/1.1 requests gave a read error on every reused socket and this
-- script had to send HTTP/1.0.)
--
-- Environment: WRK_TOKEN (access token), WRK_PAGES (number of pages, default 200).
-- done() prints one line "WRK_JSON {...}" with the totals, latency percentiles and the count of
-- answers that were not HTTP 200 with envelope code 200.

local token = os.getenv("WRK_TOKEN") or ""
local pages = tonumber(os.getenv("WRK_PAGES") or "200")
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   bad = 0
   seen = 0
   host = wrk.host .. ":" .. wrk.port
   math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
   local body = string.format(
      '{"host_group_list":[],"sort":"host_name","direction":"asc","page":%d,"per_page":50}',
      math.random(1, pages))
   return "POST /manage/host/get HTTP/1.1\r\n"
      .. "Host: " .. host .. "\r\n"
      .. "Content-Type: application/json\r\n"
      .. "access_token: " .. token .. "\r\n"
      .. "Content-Length: " .. #body .. "\r\n\r\n"
      .. body
end

function response(status, headers, body)
   seen = seen + 1
   if status ~= 200 or not string.find(body, '"code":200', 1, true) then
      bad = bad + 1
   end
end

function done(summary, latency, requests)
   local bad_total, seen_total = 0, 0
   for _, thread in ipairs(threads) do
      bad_total = bad_total + thread:get("bad")
      seen_total = seen_total + thread:get("seen")
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"timeouts":%d,"non_2xx":%d,"bad_envelopes":%d,"responses_checked":%d,'
      .. '"lat_p50_us":%d,"lat_p99_us":%d,"lat_max_us":%d}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
      e.status, bad_total, seen_total, latency:percentile(50), latency:percentile(99), latency.max))
end
