namespace Uvnet.Tests.Streams;

/// <summary>
/// A connect that connect(2) answers at once keeps that answer until it is reported, as libuv's delayed_error:
/// the socket's SO_ERROR no longer holds it, so a poll phase that comes before the pending phase must not read
/// success there.
/// </summary>
public class ConnectImmediateResultTests
{
    [Fact]
    public void Connect_failing_at_once_from_an_idle_callback_reports_its_error()
    {
        using var scope = new LoopScope();
        var pipe = new PipeHandle(scope.Loop);
        var idle = new IdleHandle(scope.Loop);
        int status = 1;
        idle.Start(h =>
        {
            h.Stop();
            // No such socket: connect(2) fails with ENOENT at once; the poll phase of this iteration comes next.
            Assert.Equal(0, pipe.Connect(MissingSocketPath(), (_, s) => status = s));
        });
        scope.RunUntil(() => status != 1);
        Assert.Equal(UvError.ENOENT, status);
        Assert.False(pipe.IsWritable);
        scope.CloseAllAndFinish();
    }

    [Fact]
    public void Connect_retried_in_a_failed_connects_callback_reports_its_own_error()
    {
        using var scope = new LoopScope();
        var pipe = new PipeHandle(scope.Loop);
        string path = MissingSocketPath();
        var statuses = new List<int>();
        Assert.Equal(0, pipe.Connect(path, (_, first) =>
        {
            statuses.Add(first);
            Assert.Equal(0, pipe.Connect(path, (_, second) => statuses.Add(second)));
        }));
        scope.RunUntil(() => statuses.Count == 2);
        Assert.Equal([UvError.ENOENT, UvError.ENOENT], statuses);
        scope.CloseAllAndFinish();
    }

    private static string MissingSocketPath() =>
        Path.Combine(Path.GetTempPath(), $"uvnet-missing-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
}
