using System.Text.Json.Serialization;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Etcd;

/// <summary>
/// The JSON of the values in etcd. Strict on reading: a missing constructor parameter or a null where the type has no
/// null is an error (the value is logged and ignored), so nothing half-parsed reaches a snapshot.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MemberRecord))]
[JsonSerializable(typeof(InstanceView))]
[JsonSerializable(typeof(ManualSetting))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
