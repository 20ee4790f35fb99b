-- wrk script (bench/directory_search.py run_wrk(count_statuses=True)): counts every response's status
-- code and prints one line at the end, "Statuses: 200=1234 302=5". wrk alone reports only the responses
-- outside 2xx and 3xx, so a signed-in page that redirects to the sign-in form would look served.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, status .. "=" .. n)
  end
  table.sort(parts)
  io.write("Statuses: " .. table.concat(parts, " ") .. "\n")
end
