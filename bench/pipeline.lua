-- wrk script for TechEmpower's pipelined plaintext: each request wrk sends is `depth` requests
-- written at once (default 16, as TechEmpower), so a server sees them in one read.
--   wrk ... -s bench/pipeline.lua http://127.0.0.1:P/plaintext -- 16
init = function(args)
  local depth = tonumber(args[1]) or 16
  local batch = {}
  for i = 1, depth do
    batch[i] = wrk.format()
  end
  pipelined = table.concat(batch)
end

request = function()
  return pipelined
end
