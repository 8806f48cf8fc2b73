namespace MerCluster.Orchestration.Cluster;

/// <summary>
/// Between Orleans' UTC <see cref="DateTime"/>s and the store's Unix milliseconds. A time of unspecified kind is taken
/// as UTC (Orleans' own), a local one converted; reading back gives UTC, truncated to the millisecond.
/// </summary>
internal static class StoreTime
{
    public static long ToUnixMs(DateTime time) => new DateTimeOffset(time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    }).ToUnixTimeMilliseconds();

    public static DateTime FromUnixMs(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime;

    public static long ToMs(TimeSpan period) => period.Ticks / TimeSpan.TicksPerMillisecond;
}
