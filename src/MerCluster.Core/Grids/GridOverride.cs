namespace MerCluster.Core.Grids;

/// <summary>
/// One config value a trial sets: the dotted key (<c>model.alpha</c>) and the YAML scalar text (<c>0.1</c>).
/// <see cref="Quoted"/> keeps whether the grid wrote it quoted, because the config binder reads a quoted scalar as
/// text (<c>"10"</c> is a string, <c>10</c> a number).
/// </summary>
public sealed record GridOverride(string Key, string Value, bool Quoted = false)
{
    /// <summary>The value as a reader would write it in YAML: quoted text in double quotes, anything else as is.</summary>
    public string DisplayValue => Quoted ? $"\"{Value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"" : Value;
}
