global using MerCluster.Orchestration.Tests.Support;
global using MerCluster.Server.Tests.Support;

// Slurm, munge, Prometheus and the file modes the tests check exist on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
