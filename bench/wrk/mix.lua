-- bench/run's leak test: every form of request of the health endpoints in turn, stopping after
-- WRK_LIMIT responses (per wrk thread; bench/run uses one thread). wrk's main thread sleeps for
-- the whole -d duration even when its threads have stopped, so on reaching the limit this also
-- creates WRK_DONE_FILE, and bench/run then interrupts wrk (SIGINT), which prints its summary.
local paths = {
  "/livez",
  "/readyz",
  "/readyz?verbose",
  "/healthz",
  "/readyz/dependency-03",
  "/readyz?exclude=dependency-01",
  "/startupz",
  "/livez?verbose",
}
local limit = tonumber(os.getenv("WRK_LIMIT") or "0")
local done_file = os.getenv("WRK_DONE_FILE")
local sent = 0
local received = 0

request = function()
  sent = sent + 1
  return wrk.format("GET", paths[(sent % #paths) + 1])
end

response = function(status, headers, body)
  received = received + 1
  if limit > 0 and received == limit then
    if done_file then
      local f = io.open(done_file, "w")
      if f then
        f:close()
      end
    end
    wrk.thread:stop()
  end
end
