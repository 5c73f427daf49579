-- Shared by the wrk scripts of scripts/sidebyside.sh: the sample of
-- councils and cases to ask for, a request builder and error counting.
--
-- Environment (set by scripts/sidebyside.sh):
--   SIDE_SHAPE   due | newest | case | intake
--   SIDE_SAMPLE  file of "council_id token case_id waste_service_id" lines
--   SIDE_TODAY   the council calendar's date (Europe/London), YYYY-MM-DD
--   SIDE_CHECK   when set, describe the first answer
--
-- A response counts as an error when it is not HTTP 200 or its body carries
-- GraphQL `errors`: both servers answer 200 with `errors` when a query fails.

shape = os.getenv("SIDE_SHAPE") or "newest"
today = os.getenv("SIDE_TODAY") or os.date("%Y-%m-%d")
-- In the past whenever the benchmark runs: Redress refuses future receipts.
received_at = "2026-11-20T10:00:00Z"

local sample = {}
local threads = {}
local thread_count = 0
graphql_errors = 0
bad_status = 0
sent = 0
error_sample = nil

local function load_sample()
  local path = os.getenv("SIDE_SAMPLE")
  if not path then
    error("SIDE_SAMPLE is not set")
  end
  for line in io.lines(path) do
    local council, token, case, service = line:match("^(%S+)%s+(%S+)%s+(%S+)%s+(%S+)$")
    if council then
      sample[#sample + 1] = { council = council, token = token, case = case, service = service }
    end
  end
  if #sample == 0 then
    error("no sample rows in " .. path)
  end
end

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  threads[#threads + 1] = thread
end

function init(args)
  load_sample()
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

-- A random row of the sample: a council, its token and one of its cases.
function pick()
  return sample[math.random(#sample)]
end

function uuid4()
  return string.format("%08x-%04x-4%03x-%04x-%04x%08x",
    math.random(0, 0x7fffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    0x8000 + math.random(0, 0x3fff), math.random(0, 0xffff), math.random(0, 0x7fffffff))
end

function post(body, token)
  sent = sent + 1
  local headers = { ["Content-Type"] = "application/json" }
  if token then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", "/graphql", headers, body)
end

-- With SIDE_CHECK set, the first answer is described once: its size and how
-- many cases it holds (by their `reference` fields).
local check = os.getenv("SIDE_CHECK")
local checked = false

function response(status, headers, body)
  if check and not checked then
    checked = true
    local _, cases = body:gsub('"reference"', "")
    io.write(string.format("SIDE_CHECK %d cases in the first answer (%d bytes)\n", cases, #body))
  end
  if status ~= 200 then
    bad_status = bad_status + 1
    error_sample = error_sample or ("HTTP " .. status .. ": " .. body:sub(1, 200))
  elseif body:find('"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
    error_sample = error_sample or body:sub(1, 200)
  end
end

-- One machine-readable line for scripts/sidebyside.sh; latencies in µs.
function done(summary, latency, requests)
  local errors, statuses, sample_text = 0, 0, nil
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("graphql_errors")
    statuses = statuses + thread:get("bad_status")
    sample_text = sample_text or thread:get("error_sample")
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "SIDE_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d graphql_errors=%d bad_status=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors, statuses, socket))
  if sample_text then
    io.write("SIDE_ERROR_SAMPLE " .. sample_text:gsub("\n", " ") .. "\n")
  end
end
