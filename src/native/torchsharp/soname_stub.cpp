// Empty: a link-time stand-in whose soname (libLibTorchSharp.so) mer_torchsharp records as its dependency.
