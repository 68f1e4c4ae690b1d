// The loop at its rawest: a repeating timer and an idle handle, libuv's uv_timer_t and uv_idle_t.
// Run() returns by itself once no active, referenced handle is left: nothing here calls Stop.
using Uvnet;

var loop = new Loop();

// An idle handle runs once per loop iteration while it is active, and while it is active the loop polls
// without blocking: it is for work done "when nothing else is happening", not for waiting.
long idleTurns = 0;
var idle = new IdleHandle(loop);
idle.Start(_ => idleTurns++);

// The first tick after 50 ms, then every 100 ms. Loop.Now is the loop's cached clock in milliseconds (updated
// once per iteration, so callbacks of one iteration see the same time); only differences mean something.
long start = loop.Now;
int ticks = 0;
var timer = new TimerHandle(loop);
timer.Start(t =>
{
    ticks++;
    Console.WriteLine($"tick {ticks} at +{loop.Now - start} ms");
    if (ticks == 3)
    {
        // Closing both handles leaves the loop with nothing to wait for, so Run returns.
        t.Close();
        idle.Close();
        Console.WriteLine($"idle ran {(idleTurns > 0 ? "between the ticks" : "never")}");
    }
}, timeoutMs: 50, repeatMs: 100);

loop.Run();
Console.WriteLine("done");
