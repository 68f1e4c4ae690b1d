namespace Uvnet.Server.Tests;

/// <summary>A directory tree under the temp directory for one test, deleted afterwards.</summary>
internal sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Outside = Directory.CreateTempSubdirectory("uvnet-test-");
        Root = Outside.CreateSubdirectory("root").FullName;
    }

    /// <summary>The test's own directory; <see cref="Root"/> is below it, so a sibling is "outside the root".</summary>
    public DirectoryInfo Outside { get; }

    /// <summary>The directory to serve.</summary>
    public string Root { get; }

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/> under the root (directories made as needed).</summary>
    public string File(string relative, string content = "content")
    {
        string path = Path.Join(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Creates the directory <paramref name="relative"/> under the root.</summary>
    public string Dir(string relative) => Directory.CreateDirectory(Path.Join(Root, relative)).FullName;

    /// <summary>Makes <paramref name="relative"/> under the root a symbolic link to <paramref name="target"/>.</summary>
    public string Link(string relative, string target)
    {
        string path = Path.Join(Root, relative);
        System.IO.File.CreateSymbolicLink(path, target);
        return path;
    }

    public void Dispose() => Outside.Delete(recursive: true);
}
