using Uvnet.Server.Commands;
using Uvnet.Server.Hosting;

namespace Uvnet.Server.Tests;

public class StartupPreloadTests
{
    [Fact]
    public void Every_assembly_the_serving_path_loads_late_is_loaded_at_start_up()
    {
        var names = StartupPreload.Run(typeof(CommandRunner).Assembly).Select(a => a.GetName().Name!).ToHashSet();
        // What uvnet hello loaded only at its first requests before the preload (the parser's vectors, the pooled
        // requests, JSON and what JSON uses), and the layers below uvnet.
        Assert.Superset(new HashSet<string> { "uvnet", "Uvnet.Http", "Uvnet.Net", "Uvnet.Loop", "System.Runtime.Intrinsics", "System.Numerics.Vectors",
            "Microsoft.Extensions.ObjectPool", "System.Text.Json", "System.Text.Encodings.Web", "System.Text.Encoding.Extensions" }, names);
    }
}
