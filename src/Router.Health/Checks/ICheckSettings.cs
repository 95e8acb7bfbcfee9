namespace Router.Health.Checks;

/// <summary>
/// The validated settings of one check, as plain immutable data: no handler, socket, data source or client. Made by
/// <see cref="CheckSettingsParser"/> (what <c>router validate</c> runs); only <see cref="CheckFactory.Create"/> turns
/// them into a live <see cref="IResourceCheck"/>, in <c>serve</c>.
/// </summary>
internal interface ICheckSettings
{
    /// <summary>The check's <c>Check:Type</c>, one of <see cref="CheckTypes.All"/>.</summary>
    string Type { get; }
}
