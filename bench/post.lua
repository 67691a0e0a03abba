-- wrk script: POST the file named by $K8FLEX_BENCH_BODY as application/json
-- on every request (the request is built once, so wrk's cost stays that of
-- a plain GET).
local path = assert(os.getenv("K8FLEX_BENCH_BODY"), "K8FLEX_BENCH_BODY unset")
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
