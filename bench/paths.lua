-- wrk script: the requests go to the paths given after `--` in turn (bench/soak.sh: a small file, then a large
-- one), over all of a thread's connections. They are formatted once, with wrk's method and headers (-H), so a
-- request costs wrk no more than returning a string.
local requests = {}
local next_index = 0

function init(args)
  for i, path in ipairs(args) do
    requests[i] = wrk.format(nil, path)
  end
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
