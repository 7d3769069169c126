-- wrk script of scripts/load-bench: one page (or API call) as one role, one thread.
--
-- Environment:
--   QQ_COOKIE  the role's session cookie ("qq_session=…"); empty or unset for the public
--   QQ_LABEL   what to call this page in the summary line
--
-- Counts every answer that is not 200 (wrk itself counts only 4xx and 5xx, so a redirect to the
-- login page would pass unnoticed) and ends with one machine-readable line:
--   QQLOAD label=… requests=… seconds=… p50_us=… p99_us=… max_us=… not_200=… connect=… read=… write=… timeout=…

local cookie = os.getenv("QQ_COOKIE")
if cookie ~= nil and cookie ~= "" then
    wrk.headers["Cookie"] = cookie
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    not_200 = 0
end

function response(status, headers, body)
    if status ~= 200 then
        not_200 = not_200 + 1
    end
end

function done(summary, latency, requests)
    local bad = 0
    for _, thread in ipairs(threads) do
        bad = bad + (thread:get("not_200") or 0)
    end
    local e = summary.errors
    io.write(string.format(
        "QQLOAD label=%s requests=%d seconds=%.3f p50_us=%d p99_us=%d max_us=%d not_200=%d connect=%d read=%d write=%d timeout=%d\n",
        os.getenv("QQ_LABEL") or "-", summary.requests, summary.duration / 1e6,
        latency:percentile(50), latency:percentile(99), latency.max, bad,
        e.connect, e.read, e.write, e.timeout))
end
