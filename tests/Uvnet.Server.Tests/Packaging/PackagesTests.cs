using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Uvnet.Server.Tests.EndToEnd;

namespace Uvnet.Server.Tests.Packaging;

/// <summary>
/// What a user of the packages meets: every layer and the <c>uvnet</c> tool packed with their metadata, the tool
/// installed with <c>dotnet tool install</c> and run, the libraries referenced from a new project and run.
/// </summary>
public sealed class PackagesTests(PackedFolder packed) : IClassFixture<PackedFolder>
{
    /// <summary>The package id of each src/ project: its assembly name, but <c>uvnet</c> for the tool.</summary>
    private static string PackageId(string project) => Path.GetFileNameWithoutExtension(project) switch
    {
        "Uvnet.Server" => "uvnet",
        var name => name,
    };

    [Fact]
    public void Every_src_project_is_packed_with_version_description_readme_repository_and_symbols()
    {
        var projects = Directory.GetFiles(Path.Join(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.Contains(projects, p => p.EndsWith("Uvnet.Loop.csproj", StringComparison.Ordinal));
        foreach (string project in projects)
        {
            string id = PackageId(project);
            string package = Assert.Single(Directory.GetFiles(packed.Packages, $"{id}.*.nupkg"), p => IsPackageOf(p, id));
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"no symbols beside {package}");
            using var zip = ZipFile.OpenRead(package);
            var metadata = Nuspec(zip).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.Matches(@"^\d+\.\d+\.\d+", Field("version"));
            Assert.NotEmpty(Field("description"));
            Assert.Equal("README.md", Field("readme"));
            Assert.NotNull(zip.GetEntry("README.md"));
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("git", repository.Attribute("type")?.Value);
            Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
        }
    }

    [Fact]
    public void The_uvnet_package_is_a_dotnet_tool_and_the_libraries_are_not()
    {
        foreach (string package in Directory.GetFiles(packed.Packages, "*.nupkg"))
        {
            using var zip = ZipFile.OpenRead(package);
            bool tool = Nuspec(zip).Descendants().Any(e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");
            Assert.Equal(IsPackageOf(package, "uvnet"), tool);
        }
    }

    [Fact]
    public async Task The_packed_tool_installs_with_dotnet_tool_install_and_serves_a_request()
    {
        string tools = packed.Scratch("tools");
        await packed.DotnetAsync(tools, "tool", "install", "--tool-path", tools, "--add-source", packed.Packages,
            "--configfile", packed.NuGetConfig, "uvnet");
        string uvnet = Path.Join(tools, "uvnet");

        string version = await PackedFolder.RunAsync(new ProcessStartInfo(uvnet, ["--version"]));
        Assert.StartsWith($"uvnet {PackageVersion("uvnet")}", version, StringComparison.Ordinal);

        using var server = await RunningUvnet.StartExecutableAsync(uvnet, "hello", "--loops", "1");
        using var client = new HttpClient();
        Assert.Equal("Hello, World!", await client.GetStringAsync(server.Url("/plaintext")));
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_new_project_referencing_the_packed_libraries_builds_and_runs_an_echo()
    {
        string app = packed.Scratch("echo-app");
        File.WriteAllText(Path.Join(app, "EchoApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Uvnet.Http" Version="{PackageVersion("Uvnet.Http")}" />
              </ItemGroup>
            </Project>
            """);
        // The README's net sample on port 0, with the HTTP layer's namespaces in scope to show they resolve.
        File.WriteAllText(Path.Join(app, "Program.cs"), """
            using Uvnet;
            using Uvnet.Http;
            using Uvnet.Http.Server;
            using Uvnet.Net;

            var loop = new Loop();
            var server = Net.CreateServer(loop, socket => socket.Pipe(socket));
            server.Listen(0, "127.0.0.1", () =>
            {
                var client = Net.CreateConnection(loop, server.Port, "127.0.0.1");
                client.SetEncoding("utf8");
                client.Text += (s, text) => { Console.WriteLine($"echoed {text}"); s.End(); };
                client.Closed += (_, _) => server.Close();
                client.Write("hello");
            });
            loop.Run();
            Console.WriteLine(typeof(Http).Assembly.GetName().Name + " " + nameof(IncomingMessage));
            """);
        File.Copy(packed.NuGetConfig, Path.Join(app, "NuGet.Config"));

        string output = await packed.DotnetAsync(app, "run");

        Assert.Equal(["echoed hello", "Uvnet.Http IncomingMessage"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static XDocument Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    /// <summary>Whether <paramref name="package"/> (a path) is the package <paramref name="id"/> rather than one whose id only starts so.</summary>
    private static bool IsPackageOf(string package, string id)
    {
        string rest = Path.GetFileName(package)[(id.Length + 1)..];
        return Path.GetFileName(package).StartsWith(id + ".", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(rest[0]);
    }

    private string PackageVersion(string id)
    {
        string package = Directory.GetFiles(packed.Packages, "*.nupkg").Single(p => IsPackageOf(p, id));
        return Path.GetFileNameWithoutExtension(package)[(id.Length + 1)..];
    }
}
