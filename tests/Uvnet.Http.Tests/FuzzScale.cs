using System.Globalization;

namespace Uvnet.Http.Tests;

/// <summary>
/// How many times the fuzz tests multiply their case counts: 1 in CI (thousands of cases, seconds), more for the
/// documented long run, e.g. <c>UVNET_FUZZ_SCALE=100 dotnet test tests/Uvnet.Http.Tests --filter Fuzz</c> (minutes).
/// The seeds stay fixed, so a scaled run repeats the CI cases first and any failure it finds can be replayed.
/// </summary>
internal static class FuzzScale
{
    /// <summary>The factor from <c>UVNET_FUZZ_SCALE</c> (a positive integer); 1 when it is unset.</summary>
    public static int Factor { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("UVNET_FUZZ_SCALE"), NumberStyles.None, CultureInfo.InvariantCulture, out int factor) && factor > 0
            ? factor
            : 1;
}
