-- wrk -s me.lua URL/api/v1/me -- ACCESS_TOKEN
-- GET /api/v1/me with Authorization: Bearer ACCESS_TOKEN (one session, as one signed-in
-- client polling). Counts non-2xx (report.lua).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

function init(args)
  assert(args[1], "usage: wrk -s me.lua URL -- ACCESS_TOKEN")
  wrk.method = "GET"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end
