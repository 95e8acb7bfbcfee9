namespace Router.Cluster.Etcd;

/// <summary>The value of an instance's member key (<c>{prefix}members/{id}</c>), written under its lease.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="LeaseSeconds">Its lease's time to live, as granted.</param>
/// <param name="RegisteredAt">When it registered under this lease (its own clock).</param>
/// <param name="Address">What it says about itself for operators, if anything.</param>
internal sealed record MemberRecord(string InstanceId, int LeaseSeconds, DateTimeOffset RegisteredAt, string? Address);
