global using MerCluster.Orchestration.Tests.Support;
global using MerCluster.Server.Tests.Support;
