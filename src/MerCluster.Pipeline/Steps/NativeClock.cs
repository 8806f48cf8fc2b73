using System.Diagnostics;

namespace MerCluster.Pipeline.Steps;

/// <summary>
/// Wall time spent inside native vision calls, summed over the process, so `mer bench preprocess` can tell what
/// fraction of a clip's time is managed code around them. Every step calls the vision API through <see cref="Time{T}"/>.
/// </summary>
public static class NativeClock
{
    private static long s_ticks;

    // A timed call that (through a lazy input) triggers another timed call must not count that time twice.
    [ThreadStatic] private static int t_depth;

    public static TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_ticks));

    public static T Time<T>(Func<T> call)
    {
        if (t_depth > 0)
            return call();
        var start = Stopwatch.GetTimestamp();
        t_depth++;
        try
        {
            return call();
        }
        finally
        {
            t_depth--;
            Interlocked.Add(ref s_ticks, Stopwatch.GetTimestamp() - start);
        }
    }
}
