namespace MerCluster.Core;

/// <summary>The one path resolver for files that live in the repository checkout (configs, assets, build outputs).</summary>
public static class RepositoryPaths
{
    /// <summary>The checkout's root: $MER_HOME if set, else the nearest ancestor of <paramref name="start"/> holding MerCluster.sln.</summary>
    public static string? FindRoot(string? start = null)
    {
        var fromEnv = Environment.GetEnvironmentVariable("MER_HOME");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv))
            return Path.GetFullPath(fromEnv);
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MerCluster.sln")))
                return dir.FullName;
        return null;
    }

    /// <summary>The checkout's root, or an error saying how to point at it.</summary>
    public static string Root => FindRoot()
        ?? throw new DirectoryNotFoundException("Cannot find the MerCluster checkout (no MerCluster.sln above the program); set MER_HOME.");

    public static string Configs => Path.Combine(Root, "configs");

    /// <summary>Files extracted by scripts/bootstrap (the astronaut portrait, ...), never committed.</summary>
    public static string Assets => Path.Combine(Root, "assets");

    /// <summary>The astronaut portrait extracted from python3-skimage by scripts/bootstrap.</summary>
    public static string AstronautPortrait
    {
        get
        {
            var path = Path.Combine(Assets, "astronaut.png");
            return File.Exists(path) ? path
                : throw new FileNotFoundException($"{path} is missing: run scripts/bootstrap to extract it.", path);
        }
    }

    /// <summary>dlib's 68-landmark model from Debian's libdlib-data.</summary>
    public static string LandmarkModel
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("MER_LANDMARK_MODEL") ?? "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
            return File.Exists(path) ? path
                : throw new FileNotFoundException($"dlib landmark model {path} is missing: run scripts/bootstrap (it installs libdlib-data).", path);
        }
    }
}
