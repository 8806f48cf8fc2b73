using System.Text;

namespace MerCluster.Core.Configuration;

/// <summary>How YAML keys and enum values (snake_case) are matched with C# names (PascalCase).</summary>
public static class ConfigKeys
{
    /// <summary>
    /// The snake_case spelling shown to users: <c>LearningRate</c> -> <c>learning_rate</c>, <c>TvL1</c> -> <c>tv_l1</c>,
    /// <c>MaxAttempts2</c> -> <c>max_attempts2</c>.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (previousIsLowerOrDigit || acronymEnds)
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The form two spellings are compared in: lower case without '_' or '-', so <c>learning_rate</c>,
    /// <c>learning-rate</c> and <c>LearningRate</c> all name the property <c>LearningRate</c>.
    /// </summary>
    public static string Normalize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
            if (c != '_' && c != '-')
                sb.Append(char.ToLowerInvariant(c));
        return sb.ToString();
    }
}
