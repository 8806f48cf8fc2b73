namespace MerCluster.Training.Tests.Parity;

public class StstnetParityTests
{
    // C++ module paths -> the official STSTNet code's names (the C# model's).
    private static string OfficialName(string cpp) => cpp
        .Replace("stream3.conv", "conv1").Replace("stream5.conv", "conv2").Replace("stream8.conv", "conv3")
        .Replace("stream3.norm", "bn1").Replace("stream5.norm", "bn2").Replace("stream8.norm", "bn3");

    [Fact]
    public void Ststnet_in_torchsharp_matches_the_cpp_model_with_the_same_weights()
    {
        ParityCheck.Run("ststnet", new Dictionary<string, string>(), [ParityCheck.Input(4, [3, 28, 28], seed: 1)], OfficialName);
    }
}
