using MerCluster.Orchestration.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

// The other side of a race: with the test process starting two of these on the same store, each reads a silo's
// membership row and a grain's state, says "ready", and at each go-file writes them with what it read. The test
// checks that exactly one of the two wins each race.
//
// usage: probe STORE_URL CLUSTER_ID SERVICE_ID SILO_PORT SILO_GENERATION GRAIN_ID GO_DIRECTORY NAME
if (args.Length != 8)
{
    Console.Error.WriteLine("usage: probe STORE_URL CLUSTER_ID SERVICE_ID SILO_PORT SILO_GENERATION GRAIN_ID GO_DIRECTORY NAME");
    return 2;
}
var (url, clusterId, serviceId, goDirectory, name) = (args[0], args[1], args[2], args[6], args[7]);
var silo = SiloAddress.New(System.Net.IPAddress.Loopback, int.Parse(args[3]), int.Parse(args[4]));
var grainId = GrainId.Parse(args[5]);
var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);

// A silo host built but never started: the serializer and activators Orleans configures by default.
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.UseOrleans(s => s.UseLocalhostClustering());
using var orleans = builder.Build();
var options = Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = serviceId });
await using var store = new ClusterStore(url);
var table = new StoreMembershipTable(store, options);
var storage = new StoreGrainStorage("probe", store, options, orleans.Services.GetRequiredService<IGrainStorageSerializer>(),
    orleans.Services.GetRequiredService<IActivatorProvider>());

var read = await table.ReadRow(silo);
var (entry, etag) = read.Members.Single();
var state = new GrainState<string>();
await storage.ReadStateAsync("race", grainId, state);
entry.SiloName = name;
state.State = name;
Console.WriteLine("ready");

await WaitForAsync("membership");
var membershipWon = await table.UpdateRow(entry, etag, read.Version.Next());
Console.WriteLine($"membership won={membershipWon}");

await WaitForAsync("state");
bool stateWon;
try
{
    await storage.WriteStateAsync("race", grainId, state);
    stateWon = true;
}
catch (InconsistentStateException)
{
    stateWon = false;
}
Console.WriteLine($"state won={stateWon}");
return 0;

async Task WaitForAsync(string race)
{
    var go = Path.Combine(goDirectory, race);
    while (!File.Exists(go))
    {
        if (DateTime.UtcNow > deadline)
            throw new TimeoutException($"probe {name}: no go file {go} within 90 s");
        await Task.Delay(1);
    }
}
