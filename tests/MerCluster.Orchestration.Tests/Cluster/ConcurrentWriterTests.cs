using MerCluster.Orchestration.Tests.Support;
using Orleans;
using Orleans.Runtime;

namespace MerCluster.Orchestration.Tests.Cluster;

/// <summary>
/// Two real processes (the conformance probe) read the same silo row and grain state, then are released by one file
/// to write them with what they read: on either store exactly one wins each race.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConcurrentWriterTests(PostgresServer postgres) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly StoreKinds _stores = new(postgres);

    [Theory]
    [MemberData(nameof(StoreKinds.All), MemberType = typeof(StoreKinds))]
    public async Task Of_two_processes_writing_the_same_silo_row_or_grain_state_with_the_same_etag_exactly_one_wins(string kind)
    {
        var url = await _stores.UrlAsync(kind);
        await using var providers = new StoreProviders(url);
        var table = await providers.MembershipAsync();
        var silo = StoreProviders.Silo(11111, 3);
        Assert.True(await table.InsertRow(StoreProviders.Entry(silo, SiloStatus.Joining), (await table.ReadAll()).Version.Next()));
        var grain = GrainId.Create("fold", "race");
        await providers.GrainStorage().WriteStateAsync("race", grain, new GrainState<string>("initial"));
        var go = Directory.CreateDirectory(_stores.Temp.File("go")).FullName;

        using var first = StartProbe(url, silo, grain, go, "probe-a");
        using var second = StartProbe(url, silo, grain, go, "probe-b");
        ChildProcess[] probes = [first, second];
        await WaitForLineAsync(probes, "ready");
        await File.WriteAllTextAsync(Path.Combine(go, "membership"), "");
        var membership = await WaitForLineAsync(probes, "membership won=");
        await File.WriteAllTextAsync(Path.Combine(go, "state"), "");
        var state = await WaitForLineAsync(probes, "state won=");
        foreach (var probe in probes)
            Assert.True(await probe.WaitAsync(Deadline) == 0, probe.Output);

        var membershipWinner = Assert.Single(Winners(membership));
        var row = await table.ReadRow(silo);
        Assert.Equal((membershipWinner, 2), (row.Members.Single().Item1.SiloName, row.Version.Version));
        var stateWinner = Assert.Single(Winners(state));
        var stored = new GrainState<string>();
        await providers.GrainStorage().ReadStateAsync("race", grain, stored);
        Assert.Equal(stateWinner, stored.State);
    }

    private static ChildProcess StartProbe(string url, SiloAddress silo, GrainId grain, string go, string name) => new("dotnet",
    [
        Path.Combine(AppContext.BaseDirectory, "MerCluster.Cluster.ConformanceProbe.dll"), url, StoreProviders.ClusterId, StoreProviders.ServiceId,
        silo.Endpoint.Port.ToString(), silo.Generation.ToString(), grain.ToString(), go, name,
    ]);

    /// <summary>Waits until every probe printed a line starting with <paramref name="prefix"/>; returns each probe's line.</summary>
    private static async Task<string[]> WaitForLineAsync(ChildProcess[] probes, string prefix)
    {
        var deadline = DateTime.UtcNow + Deadline;
        string? Line(ChildProcess probe) =>
            probe.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        while (true)
        {
            var lines = probes.Select(Line).ToArray();
            if (lines.All(l => l is not null))
                return lines!;
            var exited = probes.Where(p => p.HasExited).ToList();
            // A probe that is done may exit before the other prints; one that exited without the line failed.
            foreach (var probe in exited)
                await probe.WaitAsync(Deadline);
            if (exited.Any(p => Line(p) is null) || DateTime.UtcNow > deadline)
                throw new TimeoutException($"no '{prefix}' line from every probe:\n" + string.Join("\n---\n", probes.Select(p => p.Output)));
            await Task.Delay(20);
        }
    }

    private static IEnumerable<string> Winners(string[] lines) =>
        lines.Select((line, i) => (line, name: i == 0 ? "probe-a" : "probe-b")).Where(r => r.line.EndsWith("=True", StringComparison.Ordinal)).Select(r => r.name);

    public void Dispose() => _stores.Dispose();
}
