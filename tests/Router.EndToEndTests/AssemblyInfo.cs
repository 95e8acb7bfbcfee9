// The suite drives Linux network namespaces, tmpfs mounts and iptables through the sample script: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
