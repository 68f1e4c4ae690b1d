namespace Uvnet.Tests.Streams;

/// <summary>After libuv's emfile test: running out of descriptors neither crashes nor spins the listener.</summary>
public class TcpEmfileTests
{
    [Fact]
    public void Out_of_descriptors_listener_reports_EMFILE_sheds_waiting_clients_does_not_spin_and_recovers()
    {
        if (!OperatingSystem.IsLinux())
            return; // the child lowers RLIMIT_NOFILE through Linux's libc
        var (exitCode, output) = ChildProcess.Run("emfile");
        Assert.True(exitCode == 0, output);
        Assert.Contains("OK", output);
    }
}
