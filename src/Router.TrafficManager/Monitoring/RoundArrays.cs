using System.Buffers;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// The pool of the arrays a batch round works in (one element per endpoint of an origin: 100,000 and more; a batch
/// document's body, megabytes). Not
/// <see cref="ArrayPool{T}.Shared"/>: that one keeps a returned array in the returning thread's own slot, and a round
/// runs on whichever pool thread its poll completed on, so nearly every round rented a new array of megabytes. This
/// pool keeps a few arrays per size for every thread.
/// </summary>
internal static class RoundArrays<T>
{
    public static ArrayPool<T> Pool { get; } = ArrayPool<T>.Create(maxArrayLength: 1 << 24, maxArraysPerBucket: 4);
}
