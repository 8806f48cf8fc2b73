using System.Globalization;

namespace MerCluster.Datasets.Loaders;

/// <summary>
/// The frames a clip folder holds, listed by name only (no pixel is decoded): absolute frame number -> file. The number is
/// the trailing digits of the file name (<c>img46.jpg</c>, <c>reg_img46.jpg</c>, <c>006_05562.jpg</c>, <c>image046.bmp</c>).
/// </summary>
internal sealed class ClipFolder
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".bmp" };

    private readonly string _prefix;
    private readonly int _width;
    private readonly string _extension;

    private ClipFolder(string directory, SortedDictionary<int, string> frames, string prefix, int width, string extension)
    {
        Directory = directory;
        Frames = frames;
        _prefix = prefix;
        _width = width;
        _extension = extension;
    }

    public string Directory { get; }

    public SortedDictionary<int, string> Frames { get; }

    public int First => Frames.Keys.First();

    public int Last => Frames.Keys.Last();

    /// <summary>Null when <paramref name="directory"/> does not exist.</summary>
    public static ClipFolder? List(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            return null;
        var frames = new SortedDictionary<int, string>();
        string prefix = "", extension = ".jpg";
        var width = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var ext = Path.GetExtension(file);
            if (!ImageExtensions.Contains(ext))
                continue;
            var stem = Path.GetFileNameWithoutExtension(file);
            var digits = stem.Length;
            while (digits > 0 && char.IsAsciiDigit(stem[digits - 1]))
                digits--;
            if (digits == stem.Length || stem.Length - digits > 9)
                continue;
            var number = int.Parse(stem.AsSpan(digits), CultureInfo.InvariantCulture);
            if (!frames.TryAdd(number, file) || frames.Count > 1)
                continue;
            // The first frame sets the naming pattern used to name a missing frame in messages.
            prefix = stem[..digits];
            width = stem[digits] == '0' ? stem.Length - digits : 0;
            extension = ext;
        }
        return new ClipFolder(directory, frames, prefix, width, extension);
    }

    /// <summary>The file frame <paramref name="number"/> would have, named like the folder's other frames.</summary>
    public string ExpectedFile(int number) =>
        Path.Combine(Directory, _prefix + number.ToString(_width > 0 ? new string('0', _width) : "0", CultureInfo.InvariantCulture) + _extension);
}
