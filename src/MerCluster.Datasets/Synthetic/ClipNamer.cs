using MerCluster.Core;
namespace MerCluster.Datasets.Synthetic;

/// <summary>Gives clips unique names in each database's convention: <c>EP02_01f</c>, <c>006_1_2</c>, <c>s1_po_01</c>, CK+'s sequence <c>001</c>.</summary>
internal sealed class ClipNamer(string database, Random rng, IEnumerable<(int Subject, string Clip)> reserved)
{
    private readonly HashSet<(int, string)> _used = [.. reserved];
    private readonly Dictionary<(int, string), int> _counters = [];

    public string Next(int subject, string emotion)
    {
        while (true)
        {
            var name = database switch
            {
                DatabaseIds.Casme2 => $"EP{Count(subject, "episode", rng.Next(1, 3)):00}_{rng.Next(1, 10):00}{(rng.NextDouble() < 0.3 ? "f" : "")}",
                DatabaseIds.Samm => Samm(subject),
                DatabaseIds.CkPlus => $"{Count(subject, "sequence", 1):000}",
                _ => $"s{subject}_{Abbreviation(emotion)}_{Count(subject, emotion, 1):00}",
            };
            if (_used.Add((subject, name)))
                return name;
        }
    }

    private string Samm(int subject)
    {
        var inducement = rng.Next(1, 8);
        return $"{subject:000}_{inducement}_{Count(subject, $"inducement {inducement}", 1)}";
    }

    /// <summary>Advances the subject's counter named <paramref name="what"/> by <paramref name="step"/>.</summary>
    private int Count(int subject, string what, int step)
    {
        var value = _counters.GetValueOrDefault((subject, what)) + step;
        _counters[(subject, what)] = value;
        return value;
    }

    private static string Abbreviation(string emotion) => emotion switch
    {
        "positive" => "po",
        "negative" => "ne",
        _ => "sur",
    };
}
