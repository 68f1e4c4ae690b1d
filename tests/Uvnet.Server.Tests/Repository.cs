namespace Uvnet.Server.Tests;

/// <summary>The checkout the tests were built from.</summary>
internal static class Repository
{
    /// <summary>The repository's root: the folder holding Uvnet.sln, above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Join(folder.FullName, "Uvnet.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"no Uvnet.sln above {AppContext.BaseDirectory}");
    }
}
