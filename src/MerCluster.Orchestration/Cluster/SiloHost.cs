using System.Net;
using System.Net.Sockets;
using MerCluster.Orchestration.Features;
using MerCluster.Orchestration.Folds;
using MerCluster.Orchestration.Grains;
using MerCluster.Orchestration.Store;
using MerCluster.Orchestration.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MerCluster.Orchestration.Cluster;

/// <summary>What a silo is started with (`mer silo`, or the one silo an embedded sweep hosts).</summary>
public sealed record SiloSettings
{
    public required string StoreUrl { get; init; }

    /// <summary>One device slot per entry: <c>cuda:0</c>, <c>cuda:1</c>..., or <c>cpu</c> N times for <c>--slots N</c>. Empty: a silo that never trains.</summary>
    public IReadOnlyList<string> Devices { get; init; } = [];

    /// <summary>Training threads per slot (0: the cores shared out over the slots).</summary>
    public int ThreadsPerSlot { get; init; }

    /// <summary>
    /// This silo's disk (`--cache`): the artifact store itself when <see cref="Artifacts"/> is unset, otherwise the local
    /// copies of the remote store and the folds' scratch files.
    /// </summary>
    public string CacheRoot { get; init; } = Sweeps.SweepFeatures.DefaultCacheRoot;

    /// <summary>
    /// The cluster's artifact store (`--artifacts`): features, feature sets and checkpoints, in a folder every silo sees
    /// or in Azure Blob storage (<c>azblob://container/prefix</c>). Unset: the <see cref="CacheRoot"/> folder.
    /// </summary>
    public string? Artifacts { get; init; }

    /// <summary>The most bytes of local copies a remote artifact store keeps on this silo's disk.</summary>
    public long CacheBytes { get; init; } = SiloArtifacts.DefaultCacheBytes;

    /// <summary>The silo's name in the membership table (default host-pid).</summary>
    public string? Name { get; init; }

    /// <summary>The address other silos and clients reach this one at (default: loopback for a SQLite store, else this host's first IPv4).</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Silo-to-silo port (0: a free one).</summary>
    public int SiloPort { get; init; }

    /// <summary>Client gateway port (0: a free one).</summary>
    public int GatewayPort { get; init; }

    /// <summary>
    /// Running in a Kubernetes pod (`mer silo --kubernetes`): the silo takes its name from POD_NAME and watches the pods
    /// labelled orleans/clusterId and orleans/serviceId = <see cref="ClusterNames.Cluster"/> in POD_NAMESPACE, so a silo
    /// whose pod is deleted is declared dead at once instead of after missed probes. Membership stays in the store.
    /// </summary>
    public bool Kubernetes { get; init; }

    /// <summary>How long each store operation waits for an unreachable store before it fails (<see cref="StoreRetry"/>).</summary>
    public TimeSpan StorePatience { get; init; } = StoreRetry.DefaultPatience;

    /// <summary>The one silo of an embedded sweep (`mer sweep run`, `mer demo`): Orleans' own warnings are not shown, only errors.</summary>
    public bool Embedded { get; init; }

    /// <summary>Lines worth a user's attention: folds that failed, silos lost.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// Starts an Orleans silo of a MerCluster cluster: membership, grain state and reminders in the store (our providers,
/// <see cref="StoreClusterExtensions"/>), this silo's device slots advertised in its metadata and placed on by the free-slot
/// director, and membership tuned so a killed silo is declared dead in a few seconds.
/// </summary>
public static class SiloHost
{
    /// <summary>How often a silo writes its alive time to the membership table (<see cref="ClusterSilos"/> reads it).</summary>
    public static readonly TimeSpan AlivePublishPeriod = TimeSpan.FromSeconds(10);

    /// <summary>How long a dead silo's row stays in the membership table (and in `mer status`).</summary>
    public static readonly TimeSpan DefunctSiloExpiration = TimeSpan.FromHours(1);

    /// <summary>Failure detection: a silo that misses 2 probes of 1 s is suspected, and declared dead once 2 silos vote (or the only other one).</summary>
    public static void TuneMembership(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.NumProbedSilos = 3;
        options.IAmAliveTablePublishTimeout = AlivePublishPeriod;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
        options.DefunctSiloExpiration = DefunctSiloExpiration;
        options.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
    }

    /// <summary>The shortest reminder period silos accept: fold and sweep grains check on themselves every 15 s (Orleans' default minimum is a minute).</summary>
    public static readonly TimeSpan MinimumReminderPeriod = TimeSpan.FromSeconds(10);

    /// <summary>Starts a silo in a host of its own (`mer silo`, embedded sweeps); disposing the host stops it, giving running folds back.</summary>
    /// <param name="more">
    /// Adds to the host ahead of the silo, so that what it adds starts first: `mer silo --metrics-port`'s exporter serves,
    /// or fails on a port in use, before the silo joins the cluster.
    /// </param>
    public static async Task<IHost> StartAsync(SiloSettings settings, CancellationToken cancellationToken = default, Action<IHostApplicationBuilder>? more = null)
    {
        foreach (var device in settings.Devices.Distinct())
        {
            try
            {
                Training.Trainer.CheckDevice(device);
            }
            catch (Training.TrainingException e)
            {
                throw new ArgumentException($"device '{device}' cannot train here: {e.Message.Replace("training config: key 'device' is ", "")}", e);
            }
        }
        var store = await CoordinationStore.OpenAsync(settings.StoreUrl, new StoreRetry { Patience = settings.StorePatience }, cancellationToken);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Start-up notes that are not a user's business (server GC on a small box, our short reminder period).
        builder.Logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Hosting.ReminderOptionsValidator", LogLevel.Error);
        // An embedded sweep shows its own progress: Orleans speaks up only for errors.
        if (settings.Embedded)
            builder.Logging.AddFilter("Orleans", LogLevel.Error);
        // A `mer silo` tells each fold's story on its console (an embedded sweep shows its progress instead).
        if (!settings.Embedded)
            builder.Logging.AddFilter(typeof(FoldEvents).FullName, LogLevel.Information);
        // Millisecond UTC times, so the lines of silos on several hosts interleave as they happened.
        builder.Logging.AddSimpleConsole(o => (o.SingleLine, o.TimestampFormat, o.UseUtcTimestamp) = (true, "yyyy-MM-ddTHH:mm:ss.fffZ ", true));
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        more?.Invoke(builder);
        Configure(builder, settings, store);
        var host = builder.Build();
        try
        {
            if (settings.Devices.Count > 0)
                host.Services.GetRequiredService<SiloArtifacts>();
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            await store.DisposeAsync();
            throw;
        }
        return host;
    }

    /// <summary>Adds a silo on <paramref name="store"/> to a host being built (`mer server` hosts one beside its web API).</summary>
    public static void Configure(IHostApplicationBuilder builder, SiloSettings settings, CoordinationStore store, Action<ISiloBuilder>? more = null)
    {
        var name = settings.Name ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        var address = settings.Address ?? DefaultAddress(store.Kind);
        // Stopping waits for fold grains to give their attempts back (a training step ends first).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterNames.Cluster, ClusterNames.Cluster));
            silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = name);
            var siloPort = settings.SiloPort > 0 ? settings.SiloPort : FreePort();
            var gatewayPort = settings.GatewayPort > 0 ? settings.GatewayPort : FreePort();
            silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
            silo.Configure<ClusterMembershipOptions>(TuneMembership);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = MinimumReminderPeriod);
            silo.UseSiloMetadata(new Dictionary<string, string> { [SiloSlots.MetadataKey] = settings.Devices.Count.ToString() });
            silo.AddPlacementDirector<FreeSlotPlacement, FreeSlotPlacementDirector>();
            silo.Services.AddSingleton(new ClusterStore(store));
            silo.UseStoreClustering(settings.StoreUrl);
            // After the name and cluster ids above, so that the pod's name is the silo's (what the pod watch matches on).
            if (settings.Kubernetes)
                silo.UseKubernetesHosting();
            silo.Services.AddSingleton(store);
            silo.Services.AddSingleton(new SiloSlots(settings.Devices, settings.ThreadsPerSlot));
            silo.Services.AddHostedService<SiloMetrics>();
            silo.Services.AddSingleton(new SweepContexts(store));
            // Opened when first needed (a silo that trains opens it before it starts, so a bad store stops it there).
            silo.Services.AddSingleton(_ => SiloArtifacts.Open(settings.Artifacts ?? settings.CacheRoot, settings.CacheRoot, settings.CacheBytes));
            silo.Services.AddSingleton(services => new FeatureSetCache(services.GetRequiredService<SiloArtifacts>()));
            silo.Services.AddSingleton(new SiloLog(settings.Log ?? (_ => { })));
            silo.Services.AddHostedService<SweepWaker>();
            silo.Services.AddSingleton<FoldEvents>();
            silo.Services.AddSingleton(services => new FoldExecutor(services.GetRequiredService<SweepContexts>(), services.GetRequiredService<FeatureSetCache>(),
                new FoldRunners(new TrainingFoldRunner()), services.GetRequiredService<SiloArtifacts>(), services.GetRequiredService<SiloLog>(),
                services.GetRequiredService<FoldEvents>()));
            more?.Invoke(silo);
        });
    }

    private static IPAddress DefaultAddress(StoreKind kind)
    {
        if (kind == StoreKind.Sqlite)
            return IPAddress.Loopback;
        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }

    /// <summary>A port nobody listens on now (several silos on one machine each take their own).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Wakes every running sweep's grain when a silo is declared dead. A sweep grain that lived on the dead silo has no
/// timer any more, and what would bring it back is its reminder (a minute) or a fold's one-way FoldEnded, which is lost
/// when it was sent to the dead activation; called now, it comes back on a live silo, reloads from the store, and its
/// first tick recovers the folds that died with the silo. A sweep grain that lived elsewhere just answers.
/// </summary>
internal sealed class SweepWaker(IClusterMembershipService membership, IGrainFactory grains, CoordinationStore store, ILogger<SweepWaker> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dead = new HashSet<SiloAddress>();
        var first = true;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var newlyDead = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead && dead.Add(m.SiloAddress));
                // The silos dead before this one started are not news.
                if (first || newlyDead == 0)
                {
                    first = false;
                    continue;
                }
                try
                {
                    foreach (var sweep in (await store.ListSweepsAsync(stoppingToken)).Where(s => s.State == SweepStates.Running))
                        await WakeAsync(sweep.Id, stoppingToken);
                }
                catch (StoreException e)
                {
                    // A background service that throws stops its host: a store outage must not stop the silo. The sweeps'
                    // reminders bring them back anyway.
                    log.LogWarning("cannot wake the running sweeps after a silo died: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WakeAsync(string sweepId, CancellationToken stoppingToken)
    {
        // The first call may still be routed to the dead activation while the directory catches up: try a few times.
        for (var attempt = 1; attempt <= 3 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await grains.GetGrain<ISweepGrain>(sweepId).Status().WaitAsync(TimeSpan.FromSeconds(10), stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                log.LogDebug("waking sweep {Sweep} after a silo died (try {Attempt}): {Error}", sweepId, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
