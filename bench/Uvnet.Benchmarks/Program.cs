using System.Runtime.CompilerServices;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Uvnet.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line (BenchmarkDotNet's switcher: <c>--filter *Parser*</c>,
/// <c>--list flat</c>); add a class anywhere in this assembly and it is found.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // Results go to bench/BenchmarkDotNet.Artifacts (ignored by git), wherever the command runs from.
        IConfig config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(BenchDirectory(), "BenchmarkDotNet.Artifacts"));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    private static string BenchDirectory([CallerFilePath] string programFile = "") =>
        Path.GetDirectoryName(Path.GetDirectoryName(programFile))!;
}
