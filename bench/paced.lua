-- wrk at a steady rate: each connection waits a random, exponentially distributed time
-- before each request (mean given as the script's argument, in ms), so the requests of all
-- connections arrive as a steady stream (a Poisson process) instead of in bursts.
local next_thread = 1

function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  mean_delay_ms = tonumber(args[1])
  math.randomseed(os.time() * 1000 + thread_number)
end

function delay()
  return math.floor(-math.log(1 - math.random()) * mean_delay_ms + 0.5)
end
