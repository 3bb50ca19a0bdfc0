-- wrk -s get.lua URL
-- A plain GET (the baseline: GET /healthz, answered by the gateway alone). Counts non-2xx
-- (report.lua).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
