namespace MerCluster.Server.Tests;

public sealed class ApiTokenTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_token_file_gives_its_first_line_trimmed_and_wins_over_the_environment()
    {
        var file = _directory.File("token");
        File.WriteAllText(file, "  s3cret \nsecond line\n");
        var token = ApiToken.Load(file, _ => "from-environment")!;
        Assert.True(token.Matches("s3cret"));
        Assert.False(token.Matches("from-environment"));
        Assert.False(token.Matches("s3cret "[..5]));
        Assert.False(token.Matches(null));
    }

    [Fact]
    public void Without_a_file_the_environment_gives_the_token_and_without_either_there_is_none()
    {
        Assert.True(ApiToken.Load(null, name => name == ApiToken.EnvironmentVariable ? "env-token" : null)!.Matches("env-token"));
        Assert.Null(ApiToken.Load(null, _ => null));
        Assert.Null(ApiToken.Load(null, _ => "  "));
    }

    [Fact]
    public void An_empty_or_missing_token_file_is_an_error_naming_the_file()
    {
        var empty = _directory.File("empty");
        File.WriteAllText(empty, "\n");
        Assert.Contains(empty, Assert.Throws<InvalidDataException>(() => ApiToken.Load(empty)).Message);
        var missing = _directory.File("missing");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => ApiToken.Load(missing)).Message);
    }

    [Fact]
    public void The_token_never_shows_in_its_string_form() =>
        Assert.DoesNotContain("s3cret", ApiToken.FromValue("s3cret").ToString());
}
