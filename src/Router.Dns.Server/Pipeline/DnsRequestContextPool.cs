using System.Collections.Concurrent;

namespace Router.Dns.Server.Pipeline;

/// <summary>Reuses request contexts (each holds 128 KiB of buffers), so steady-state traffic allocates none.</summary>
internal sealed class DnsRequestContextPool(int maxRetained = 256)
{
    private readonly ConcurrentQueue<DnsRequestContext> _items = new();
    private int _count;

    public DnsRequestContext Rent()
    {
        if (_items.TryDequeue(out var context))
        {
            Interlocked.Decrement(ref _count);
            return context;
        }

        return new DnsRequestContext();
    }

    public void Return(DnsRequestContext context)
    {
        if (Interlocked.Increment(ref _count) <= maxRetained)
        {
            _items.Enqueue(context);
        }
        else
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
