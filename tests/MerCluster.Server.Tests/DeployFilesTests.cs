using System.Text.Json;
using System.Text.RegularExpressions;
using MerCluster.Core;
using YamlDotNet.RepresentationModel;

namespace MerCluster.Server.Tests;

public sealed partial class DeployFilesTests
{
    private static string Deploy(params string[] parts) => Path.Combine([RepositoryPaths.Root, "deploy", .. parts]);

    private static string Chart(params string[] parts) => Path.Combine([RepositoryPaths.Root, "helm", "mercluster", .. parts]);

    private static JsonDocument Dashboard() => JsonDocument.Parse(File.ReadAllText(Deploy("grafana", "dashboards", "mercluster.json")));

    private static IEnumerable<string> DashboardQueries(JsonDocument dashboard) =>
        dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .Append(dashboard.RootElement.GetProperty("templating").GetProperty("list")[0].GetProperty("definition").GetString()!);

    [Fact]
    public void The_dashboard_parses_and_has_the_panels_the_issue_asks_for()
    {
        using var dashboard = Dashboard();
        var titles = dashboard.RootElement.GetProperty("panels").EnumerateArray().Select(p => p.GetProperty("title").GetString()!).ToList();
        foreach (var wanted in new[] { "Sweep progress", "Folds by state", "Per-worker throughput (samples/s)", "Feature-cache hit ratio", "Trial UF1 (overall)", "UF1 and UAR per database", "Failed folds" })
            Assert.Contains(wanted, titles);
        Assert.All(dashboard.RootElement.GetProperty("panels").EnumerateArray(),
            p => Assert.Equal("mer-prometheus", p.GetProperty("datasource").GetProperty("uid").GetString()));
    }

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alert_rules_query_exists_in_the_coordinators_or_a_workers_exposition()
    {
        await using var coordinator = await Coordinator.StartAsync();
        await using var worker = await MetricsEndpoint.StartAsync("http://127.0.0.1:0");
        using var http = new HttpClient();
        var names = Exposition.SeriesNames(await http.GetStringAsync(coordinator.Url + "/metrics"));
        names.UnionWith(Exposition.SeriesNames(await http.GetStringAsync(worker.Url + "/metrics")));

        using var dashboard = Dashboard();
        var queries = DashboardQueries(dashboard).ToList();
        queries.AddRange(RuleExpression().Matches(File.ReadAllText(Deploy("prometheus", "rules.yml"))).Select(m => m.Groups[1].Value));
        var used = queries.SelectMany(Exposition.MetricNamesIn).ToHashSet();
        Assert.NotEmpty(used);
        var missing = used.Where(name => !names.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"queried but not exported: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task Promtool_accepts_the_prometheus_config_and_its_alert_rules()
    {
        var (code, output) = await Promtool.RunAsync(null, "check", "config", Deploy("prometheus", "prometheus.yml"));
        Assert.True(code == 0, output);
        Assert.Contains("4 rules found", output);
    }

    [Fact]
    public void Grafana_provisioning_points_at_the_dashboard_folder_and_the_dashboards_datasource()
    {
        var datasource = Load(Deploy("grafana", "provisioning", "datasources", "prometheus.yaml"));
        Assert.Equal("mer-prometheus", Scalar(datasource, "datasources", 0, "uid"));
        Assert.Equal("http://prometheus:9090", Scalar(datasource, "datasources", 0, "url"));
        var provider = Load(Deploy("grafana", "provisioning", "dashboards", "mercluster.yaml"));
        Assert.Equal("/var/lib/grafana/dashboards", Scalar(provider, "providers", 0, "options", "path"));
    }

    [Fact]
    public void The_compose_file_runs_coordinator_postgres_prometheus_grafana_and_scalable_workers_that_prometheus_scrapes()
    {
        var compose = Load(Deploy("compose.yaml"));
        var services = (YamlMappingNode)compose.Children[new YamlScalarNode("services")];
        foreach (var service in new[] { "postgres", "coordinator", "worker", "prometheus", "grafana" })
            Assert.True(services.Children.ContainsKey(new YamlScalarNode(service)), $"compose.yaml has no service {service}");
        var workerCommand = Sequence(services, "worker", "command");
        var port = workerCommand[workerCommand.IndexOf("--metrics-port") + 1];
        var prometheus = File.ReadAllText(Deploy("prometheus", "prometheus.yml"));
        Assert.Contains($"port: {port}", prometheus);
        Assert.Contains("coordinator:8080", prometheus);
        Assert.Contains("/run/secrets/api_token", Sequence(services, "coordinator", "command"));
    }

    [Fact]
    public void The_chart_metadata_and_values_have_the_documented_keys()
    {
        var chart = Load(Chart("Chart.yaml"));
        Assert.Equal("v2", Scalar(chart, "apiVersion"));
        Assert.Equal("mercluster", Scalar(chart, "name"));
        var values = Load(Chart("values.yaml"));
        Assert.Equal("1", Scalar(values, "workers", "gpus"));
        Assert.Equal("9464", Scalar(values, "workers", "metricsPort"));
        Assert.Equal("/data/checkpoints", Scalar(values, "workers", "checkpoints"));
        Assert.Equal("", Scalar(values, "store", "externalUrl"));
        Assert.Equal("", Scalar(values, "apiToken", "existingSecret"));
        Assert.Equal("true", Scalar(values, "metrics", "scrapeAnnotations"));
        // Every top-level key is documented by a comment right above it.
        var lines = File.ReadAllLines(Chart("values.yaml"));
        for (var i = 0; i < lines.Length; i++)
            if (TopLevelKey().IsMatch(lines[i]))
                Assert.True(i > 0 && lines[i - 1].StartsWith('#'), $"values.yaml:{i + 1}: '{lines[i]}' has no comment above it");
    }

    [Fact]
    public void The_chart_templates_parse_as_yaml_and_hold_the_coordinator_postgres_gpu_workers_and_secrets()
    {
        var documents = Directory.GetFiles(Chart("templates"), "*.yaml").SelectMany(TemplateDocuments).ToList();
        var kinds = documents.Select(d => (Kind: Scalar(d, "kind"), Name: Scalar(d, "metadata", "name"))).ToList();
        Assert.Equal(2, kinds.Count(k => k.Kind == "Deployment"));
        Assert.Equal(2, kinds.Count(k => k.Kind == "Service"));
        Assert.Equal(2, kinds.Count(k => k.Kind == "Secret"));
        Assert.Single(kinds, k => k.Kind == "StatefulSet");

        var worker = documents.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name").EndsWith("-worker", StringComparison.Ordinal));
        var container = (YamlMappingNode)((YamlSequenceNode)Node(worker, "spec", "template", "spec", "containers")).Children[0];
        Assert.True(((YamlMappingNode)Node(container, "resources", "limits")).Children.ContainsKey(new YamlScalarNode("nvidia.com/gpu")));
        var scrape = (YamlScalarNode)Node(worker, "spec", "template", "metadata", "annotations", "prometheus.io/scrape");
        Assert.Equal(("true", YamlDotNet.Core.ScalarStyle.DoubleQuoted), (scrape.Value, scrape.Style));
        var workerArgs = ((YamlSequenceNode)Node(container, "args")).Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Contains("--metrics-port", workerArgs);

        var coordinator = documents.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name").EndsWith("-coordinator", StringComparison.Ordinal));
        var env = File.ReadAllText(Chart("templates", "coordinator.yaml"));
        Assert.Contains("name: MER_API_TOKEN", env);
        Assert.Equal("/readyz", Scalar((YamlMappingNode)((YamlSequenceNode)Node(coordinator, "spec", "template", "spec", "containers")).Children[0], "readinessProbe", "httpGet", "path"));
    }

    /// <summary>
    /// A template's YAML documents once the Go template directives are taken out: lines that hold only a directive are
    /// dropped (they add no YAML of their own: if/end/with/toYaml inserts), and inline expressions become a placeholder.
    /// </summary>
    private static IEnumerable<YamlMappingNode> TemplateDocuments(string path)
    {
        var text = string.Join("\n", File.ReadAllLines(path).Where(line => !DirectiveOnly().IsMatch(line)).Select(line => InlineDirective().Replace(line, "x")));
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{path}: not YAML once the directives are stripped: {e.Message}\n{text}", e);
        }
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().Where(m => m.Children.Count > 0);
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode Node(YamlNode node, params object[] path)
    {
        foreach (var step in path)
            node = step is int index ? ((YamlSequenceNode)node).Children[index] : ((YamlMappingNode)node).Children[new YamlScalarNode((string)step)];
        return node;
    }

    private static string Scalar(YamlNode node, params object[] path) => ((YamlScalarNode)Node(node, path)).Value ?? "";

    private static List<string> Sequence(YamlMappingNode services, string service, string key) =>
        ((YamlSequenceNode)Node(services, service, key)).Select(n => ((YamlScalarNode)n).Value!).ToList();

    [GeneratedRegex(@"^\s*\{\{-?.*-?\}\}\s*$")]
    private static partial Regex DirectiveOnly();

    [GeneratedRegex(@"\{\{-?.*?-?\}\}")]
    private static partial Regex InlineDirective();

    [GeneratedRegex(@"^[a-zA-Z]+:")]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"expr: (.+)")]
    private static partial Regex RuleExpression();
}
