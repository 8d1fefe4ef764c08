-- wrk script for scripts/bench-callbacks: cycles through pre-generated signed callbacks.
-- Usage: wrk ... -s scripts/bench-callbacks.lua URL -- REQUESTS_FILE
-- Each line of REQUESTS_FILE is "PATH?QUERY<TAB>BODY"; every request sent is distinct until the
-- file is exhausted (the driver checks that wrk's request count stays below the line count).
local requests = {}
local i = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open requests file " .. tostring(args[1]))
  local headers = { ["Content-Type"] = "text/xml" }
  for line in file:lines() do
    local tab = line:find("\t", 1, true)
    requests[#requests + 1] = wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1))
  end
  file:close()
end

function request()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
