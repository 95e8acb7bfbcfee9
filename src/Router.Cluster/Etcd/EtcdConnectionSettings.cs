using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Router.Cluster.Etcd;

/// <summary>How to reach etcd: the endpoints, the credentials, and the CA to trust for https:// endpoints.</summary>
/// <param name="Endpoints">The client URLs.</param>
/// <param name="Username">The etcd user; null without authentication.</param>
/// <param name="Password">Its password.</param>
/// <param name="CaCertificates">The CA certificates of <c>Cluster:CaFile</c>; null: the system's trust.</param>
internal sealed record EtcdConnectionSettings(IReadOnlyList<Uri> Endpoints, string? Username, string? Password, X509Certificate2Collection? CaCertificates)
{
    /// <summary>
    /// Validates an etcd server's certificate against <see cref="CaCertificates"/> alone (with the host name check the
    /// platform did), or leaves it to the platform when there is no CA file.
    /// </summary>
    public bool ValidateServerCertificate(X509Certificate? certificate, X509Chain? platformChain, SslPolicyErrors errors)
    {
        if (CaCertificates is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(CaCertificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (platformChain is not null)
        {
            foreach (var element in platformChain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
