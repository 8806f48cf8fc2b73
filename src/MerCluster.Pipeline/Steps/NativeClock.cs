using System.Diagnostics;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// Wall time spent inside native vision calls, summed over the process, so `mer bench preprocess` can tell what
/// fraction of a clip's time is managed code around them. Every step calls the vision API through <see cref="Time{T}"/>.
/// </summary>
public static class NativeClock
{
    private static long s_ticks;

    public static TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_ticks));

    public static T Time<T>(Func<T> call)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return call();
        }
        finally
        {
            Interlocked.Add(ref s_ticks, Stopwatch.GetTimestamp() - start);
        }
    }
}
