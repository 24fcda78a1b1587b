-- load.lua - the request mix of bench/load.sh for wrk: searches a reporter
-- would type on the Enron mail (words, phrases, people, dates, fields,
-- sorting, later pages), each client picking at random.  done() prints
-- the figures the load test reports, as one JSON line.
local queries = {
  "energy", "california", "power", "gas", "meeting", "contract", "price", "enron",
  "\"natural gas\"", "\"conference call\"", "budget", "trading", "risk", "deal",
  "from:jeff", "from:kate", "to:john", "subject:meeting", "subject:report",
  "date:2001-05", "date:2000-10..2001-02", "has:attachment", "has:attachment budget",
  "power OR electricity", "gas -natural", "california date:2001", "contract from:enron.com",
  "deal* price", "schedul*", "forecast", "storage", "transport", "capacity", "credit",
  "legal", "confidential", "agreement", "invoice", "\"please call\"", "weekend",
  "type:email", "type:spreadsheet", "filename:*.xls", "subject:\"re:\"", "",
}
local sorts = { "relevance", "relevance", "relevance", "-date", "date" }

local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

math.randomseed(os.time())

-- Think time (bench/load.sh --think MS): each client waits a random time
-- around MS between its requests, as a reader does, instead of firing the
-- next one at once (a stress test that saturates the machine).
local think = tonumber(os.getenv("TRAWL_LOAD_THINK_MS") or "0") or 0
if think > 0 then
  delay = function()
    return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
  end
end

request = function()
  local q = queries[math.random(#queries)]
  local page = 1
  local r = math.random(100)
  if r > 98 then page = math.random(20, 200)      -- deep pages, rarely
  elseif r > 85 then page = math.random(2, 5) end
  local path = "/api/search?q=" .. enc(q) .. "&size=50&page=" .. page ..
    "&sort=" .. sorts[math.random(#sorts)]
  return wrk.format("GET", path)
end

local non2xx = 0
response = function(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.1f,"rps":%.0f,"p50_ms":%.1f,"p90_ms":%.1f,"p95_ms":%.1f,"p99_ms":%.1f,"max_ms":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
