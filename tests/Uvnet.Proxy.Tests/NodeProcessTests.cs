using System.Diagnostics;
using Xunit;

public sealed class NodeProcessTests
{
    [Fact]
    public void A_script_whose_first_line_is_not_a_port_fails_the_start_and_leaves_no_node_running()
    {
        string pidFile = Path.GetTempFileName();
        try
        {
            // Stays alive until its standard input ends, as the servers do, but prints no port.
            string script = $"require('fs').writeFileSync({System.Text.Json.JsonSerializer.Serialize(pidFile)}, String(process.pid)); console.log('not a port'); process.stdin.resume();";
            Exception? error = null;
            try
            {
                using NodeProcess? node = NodeProcess.TryStart(script);
                Assert.SkipWhen(node is null, "node is not installed");
            }
            catch (InvalidOperationException e)
            {
                error = e;
            }
            Assert.NotNull(error);
            Assert.Contains("not a port", error.Message);
            int pid = int.Parse(File.ReadAllText(pidFile));
            Process left;
            try
            {
                left = Process.GetProcessById(pid);
            }
            catch (ArgumentException)
            {
                return; // gone
            }
            using (left)
                Assert.True(left.WaitForExit(5000), $"node {pid} is still running");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }
}
