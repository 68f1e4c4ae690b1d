using BenchmarkDotNet.Running;

namespace Uvnet.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line (BenchmarkDotNet's switcher: <c>--filter *Parser*</c>,
/// <c>--list flat</c>); add a class anywhere in this assembly and it is found.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
