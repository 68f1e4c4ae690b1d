// Writes bench/results/README.md, one SVG per workload and runs.csv from the harness's raw data.
//   usage: Uvnet.Bench.Report <raw dir> <results dir> [<bench dir>]
// (the bench dir, for the link to bench/README.md from a results folder at any depth; default: the results' parent)
using Uvnet.Bench.Report;

if (args.Length is not (2 or 3))
{
    Console.Error.WriteLine("usage: Uvnet.Bench.Report <raw dir> <results dir> [<bench dir>]");
    return 2;
}

RunData data = RunData.Load(args[0]);
if (data.Samples.Count == 0)
{
    Console.Error.WriteLine($"report: no samples in {args[0]}");
    return 1;
}
string results = args[1];
Directory.CreateDirectory(results);
var summary = new Summary(data);

foreach (Workload workload in Catalog.Workloads)
{
    var peers = summary.For(workload);
    if (peers.Count > 0)
        File.WriteAllText(Path.Combine(results, workload.Name + ".svg"), SvgChart.Render(workload, peers, data.RunLabel(workload.Suite)));
}
data.WriteCsv(Path.Combine(results, "runs.csv"));
string benchReadme = args.Length == 3
    ? Path.GetRelativePath(Path.GetFullPath(results), Path.Combine(Path.GetFullPath(args[2]), "README.md")).Replace('\\', '/')
    : "../README.md";
File.WriteAllText(Path.Combine(results, "README.md"), new MarkdownReport(data, summary, benchReadme).Render());
Console.Error.WriteLine($"report: {Path.Combine(results, "README.md")}");
return 0;
