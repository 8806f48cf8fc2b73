using System.Text.Json;
using System.Text.RegularExpressions;
using MerCluster.Core;
using Orleans.Hosting.Kubernetes;
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
        foreach (var wanted in new[]
        {
            "Sweep progress", "Folds by state", "Trial UF1 (overall)", "Trial UAR (overall)", "UF1 and UAR per database", "Fold duration",
            "Slots busy and free", "Failovers", "Orleans activations", "Per-silo throughput (samples/s)", "Feature-cache hit ratio",
            "Failed folds", "Silos", "Silo alive age",
        })
            Assert.Contains(wanted, titles);
        Assert.All(dashboard.RootElement.GetProperty("panels").EnumerateArray(),
            p => Assert.Equal("mer-prometheus", p.GetProperty("datasource").GetProperty("uid").GetString()));
    }

    /// <summary>
    /// The names are read from what a deployment serves once a sweep ran: a real `mer silo --metrics-port` and the
    /// coordinator (a histogram or a trial's gauges appear with their first fold), so a panel naming a metric that
    /// nothing exports, or a misspelt one, fails here.
    /// </summary>
    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alert_rules_query_exists_in_the_coordinators_or_a_silos_exposition()
    {
        await using var cluster = await MetricsCluster.StartAsync("deploy-silo");
        await cluster.WaitCompleteAsync(await cluster.SubmitAsync("deploy"), TimeSpan.FromSeconds(90));
        var names = Exposition.SeriesNames(await cluster.ScrapeAsync());
        names.UnionWith(Exposition.SeriesNames(await cluster.ScrapeAsync("deploy-silo")));

        using var dashboard = Dashboard();
        var queries = DashboardQueries(dashboard).ToList();
        queries.AddRange(RuleExpression().Matches(File.ReadAllText(Deploy("prometheus", "rules.yml"))).Select(m => m.Groups[1].Value));
        var used = queries.SelectMany(Exposition.MetricNamesIn).ToHashSet();
        Assert.NotEmpty(used);
        Assert.Contains("mer_silos", used);
        Assert.Contains("mer_silo_alive_age_seconds", used);
        Assert.Contains("orleans_catalog_activations", used);
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
    public void The_compose_file_runs_coordinator_postgres_prometheus_grafana_and_scalable_silos_that_prometheus_scrapes()
    {
        var compose = Load(Deploy("compose.yaml"));
        var services = (YamlMappingNode)compose.Children[new YamlScalarNode("services")];
        foreach (var service in new[] { "postgres", "coordinator", "silo", "prometheus", "grafana" })
            Assert.True(services.Children.ContainsKey(new YamlScalarNode(service)), $"compose.yaml has no service {service}");
        Assert.False(services.Children.ContainsKey(new YamlScalarNode("worker")), "compose.yaml still has a worker service: `mer worker` is gone");
        var siloCommand = Sequence(services, "silo", "command");
        Assert.Equal("silo", siloCommand[0]);
        Assert.Contains("--slots", siloCommand);
        var port = siloCommand[siloCommand.IndexOf("--metrics-port") + 1];
        var prometheus = File.ReadAllText(Deploy("prometheus", "prometheus.yml"));
        Assert.Contains("names: ['silo']", prometheus);
        Assert.Contains($"port: {port}", prometheus);
        Assert.Equal("server", Sequence(services, "coordinator", "command")[0]);
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
        Assert.Equal("1", Scalar(values, "silos", "gpus"));
        Assert.Equal("9464", Scalar(values, "silos", "metricsPort"));
        Assert.Equal("/data/artifacts", Scalar(values, "silos", "artifacts", "url"));
        Assert.Equal("", Scalar(values, "silos", "artifacts", "azblobSecret"));
        Assert.Equal("true", Scalar(values, "rbac", "create"));
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
    public void The_chart_templates_parse_as_yaml_and_hold_the_coordinator_postgres_gpu_silos_secrets_and_rbac()
    {
        var documents = Directory.GetFiles(Chart("templates"), "*.yaml").SelectMany(TemplateDocuments).ToList();
        var kinds = documents.Select(d => (Kind: Scalar(d, "kind"), Name: Scalar(d, "metadata", "name"))).ToList();
        Assert.Equal(2, kinds.Count(k => k.Kind == "Deployment"));
        Assert.Equal(2, kinds.Count(k => k.Kind == "Service"));
        Assert.Equal(2, kinds.Count(k => k.Kind == "Secret"));
        Assert.Single(kinds, k => k.Kind == "StatefulSet");

        var silo = documents.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name").EndsWith("-silo", StringComparison.Ordinal));
        var container = (YamlMappingNode)((YamlSequenceNode)Node(silo, "spec", "template", "spec", "containers")).Children[0];
        Assert.True(((YamlMappingNode)Node(container, "resources", "limits")).Children.ContainsKey(new YamlScalarNode("nvidia.com/gpu")));
        var scrape = (YamlScalarNode)Node(silo, "spec", "template", "metadata", "annotations", "prometheus.io/scrape");
        Assert.Equal(("true", YamlDotNet.Core.ScalarStyle.DoubleQuoted), (scrape.Value, scrape.Style));
        var siloArgs = ((YamlSequenceNode)Node(container, "args")).Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal("silo", siloArgs[0]);
        foreach (var option in new[] { "--kubernetes", "--address", "--port", "--gateway-port", "--metrics-port", "--device", "--slots" })
            Assert.Contains(option, siloArgs);
        Assert.Equal("$(POD_IP)", siloArgs[siloArgs.IndexOf("--address") + 1]);
        // One slot per GPU of the pod: cuda:0..N-1 from the nvidia.com/gpu count.
        Assert.Contains("range $gpu := until (int .Values.silos.gpus)", File.ReadAllText(Chart("templates", "silos.yaml")));

        var coordinator = documents.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name").EndsWith("-coordinator", StringComparison.Ordinal));
        var coordinatorContainer = (YamlMappingNode)((YamlSequenceNode)Node(coordinator, "spec", "template", "spec", "containers")).Children[0];
        var env = File.ReadAllText(Chart("templates", "coordinator.yaml"));
        Assert.Contains("name: MER_API_TOKEN", env);
        Assert.Equal("/readyz", Scalar(coordinatorContainer, "readinessProbe", "httpGet", "path"));
        var coordinatorArgs = ((YamlSequenceNode)Node(coordinatorContainer, "args")).Select(a => ((YamlScalarNode)a).Value).ToList();
        Assert.Equal("server", coordinatorArgs[0]);
        Assert.Contains("--kubernetes", coordinatorArgs);
    }

    /// <summary>
    /// Orleans' Kubernetes hosting lists the pods labelled with the silos' cluster and service ids and declares dead every
    /// Active silo without such a pod, the coordinator's included: both pod templates must carry MerCluster's ids, name
    /// the pod in the environment, and run under a service account allowed to get, list and watch pods.
    /// </summary>
    [Fact]
    public void The_coordinator_and_silo_pods_carry_the_orleans_labels_and_pod_environment_and_the_rbac_lets_them_watch_pods()
    {
        var documents = Directory.GetFiles(Chart("templates"), "*.yaml").SelectMany(TemplateDocuments).ToList();
        var helpers = File.ReadAllText(Chart("templates", "_helpers.tpl"));
        foreach (var component in new[] { "silo", "coordinator" })
        {
            var deployment = documents.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name").EndsWith("-" + component, StringComparison.Ordinal));
            Assert.Equal(MerCluster.Orchestration.Grains.ClusterNames.Cluster, Scalar(deployment, "spec", "template", "metadata", "labels", KubernetesHostingOptions.ClusterIdLabel));
            Assert.Equal(MerCluster.Orchestration.Grains.ClusterNames.Cluster, Scalar(deployment, "spec", "template", "metadata", "labels", KubernetesHostingOptions.ServiceIdLabel));
            Assert.Equal("x", Scalar(deployment, "spec", "template", "spec", "serviceAccountName"));
            var template = File.ReadAllText(Chart("templates", component == "silo" ? "silos.yaml" : "coordinator.yaml"));
            Assert.Contains("include \"mercluster.podEnvironment\"", template);
            Assert.Contains("include \"mercluster.serviceAccount\"", template);
        }
        var environment = helpers[helpers.IndexOf("define \"mercluster.podEnvironment\"", StringComparison.Ordinal)..];
        foreach (var (variable, field) in new[]
        {
            (KubernetesHostingOptions.PodNameEnvironmentVariable, "metadata.name"),
            (KubernetesHostingOptions.PodNamespaceEnvironmentVariable, "metadata.namespace"),
            (KubernetesHostingOptions.PodIPEnvironmentVariable, "status.podIP"),
        })
            Assert.Matches($@"- name: {variable}\s+valueFrom:\s+fieldRef:\s+fieldPath: {Regex.Escape(field)}", environment);
        foreach (var variable in new[] { KubernetesHostingOptions.ClusterIdEnvironmentVariable, KubernetesHostingOptions.ServiceIdEnvironmentVariable })
            Assert.Matches($@"- name: {variable}\s+value: {MerCluster.Orchestration.Grains.ClusterNames.Cluster}\n", environment);

        Assert.Single(documents, d => Scalar(d, "kind") == "ServiceAccount");
        var role = documents.Single(d => Scalar(d, "kind") == "Role");
        var rule = (YamlMappingNode)((YamlSequenceNode)Node(role, "rules")).Children.Single();
        Assert.Equal(["pods"], ((YamlSequenceNode)Node(rule, "resources")).Select(n => ((YamlScalarNode)n).Value));
        Assert.Equal([""], ((YamlSequenceNode)Node(rule, "apiGroups")).Select(n => ((YamlScalarNode)n).Value));
        var verbs = ((YamlSequenceNode)Node(rule, "verbs")).Select(n => ((YamlScalarNode)n).Value).ToList();
        Assert.All(new[] { "get", "list", "watch" }, verb => Assert.Contains(verb, verbs));
        var binding = documents.Single(d => Scalar(d, "kind") == "RoleBinding");
        Assert.Equal(("Role", Scalar(role, "metadata", "name")), (Scalar(binding, "roleRef", "kind"), Scalar(binding, "roleRef", "name")));
        Assert.Equal("ServiceAccount", Scalar(binding, "subjects", 0, "kind"));
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
