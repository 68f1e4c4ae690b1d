namespace Uvnet.Tests.Streams;

/// <summary>After libuv's emfile test: running out of descriptors neither crashes nor spins the listener.</summary>
public class TcpEmfileTests
{
    [Fact]
    public void Out_of_descriptors_listener_reports_EMFILE_sheds_waiting_clients_does_not_spin_and_recovers() =>
        RunInChild("emfile");

    [Fact]
    public void Out_of_descriptors_without_a_reserve_listener_backs_off_instead_of_spinning_and_accepts_once_descriptors_free() =>
        RunInChild("emfile-without-reserve");

    private static void RunInChild(string scenario)
    {
        if (!OperatingSystem.IsLinux())
            return; // the child lowers RLIMIT_NOFILE through Linux's libc
        var (exitCode, output) = ChildProcess.Run(scenario);
        Assert.True(exitCode == 0, output);
        Assert.Contains("OK", output);
    }
}
