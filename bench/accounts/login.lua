-- wrk -s login.lua URL/api/v1/auth/login -- LOGIN PASSWORD
-- POST /api/v1/auth/login with {"login": LOGIN, "password": PASSWORD}; every request is a
-- full sign-in (argon2id verification, a new session row). Counts non-2xx (report.lua).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function init(args)
  assert(args[1] and args[2], "usage: wrk -s login.lua URL -- LOGIN PASSWORD")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"login":' .. json_string(args[1]) .. ',"password":' .. json_string(args[2]) .. '}'
end
