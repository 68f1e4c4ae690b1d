using System.Globalization;

namespace Uvnet.Bench;

/// <summary>What a peer prints: progress on stderr, one RESULT (or UNSUPPORTED) line on stdout.</summary>
public static class PeerOutput
{
    /// <summary>The line the harness takes as "this peer does not do this workload"; returns the exit status 0.</summary>
    public static int Unsupported()
    {
        Console.Out.WriteLine("UNSUPPORTED");
        return 0;
    }

    /// <summary>Prints <c>RESULT key=value ...</c>, numbers in the invariant culture; returns the exit status 0.</summary>
    public static int Result(params ReadOnlySpan<(string Key, double Value)> fields)
    {
        var line = new System.Text.StringBuilder("RESULT");
        foreach (var (key, value) in fields)
            line.Append(' ').Append(key).Append('=').Append(value.ToString("0.#", CultureInfo.InvariantCulture));
        Console.Out.WriteLine(line.ToString());
        return 0;
    }

    /// <summary>Progress for the human watching the run.</summary>
    public static void Progress(string text) => Console.Error.WriteLine(text);
}
