using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KestrelBaseline;

/// <summary>
/// A bare Kestrel endpoint for tests/bench/health-scale.sh: listens on the URL given as the only argument
/// (<c>http://127.0.0.1:PORT</c>) and answers every request with the same 200, <c>Cache-Control: no-store</c> and a
/// constant JSON body shaped and sized like a healthy registry verdict. Kestrel is set up as Router's health server
/// (src/Router.Health/Http/HealthHttpServer.cs): slim builder, no logging providers, no Server header, one request
/// delegate, and the body written the way Router's endpoint writes it. It keeps Kestrel's default scheduling: Router's
/// inline scheduling is a choice its never-blocking handler allows, not a default a bare endpoint gets.
/// </summary>
public static class Program
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        "{\"registry\":\"reg-0\",\"region\":\"bench\",\"status\":\"Healthy\",\"failOpen\":false,\"reason\":null,\"dependencies\":[" +
        "{\"kind\":\"Storage\",\"resource\":\"st-0\",\"state\":\"Healthy\",\"since\":\"2026-01-01T00:00:00.0000000+00:00\",\"consecutiveFailures\":0,\"lastError\":null,\"stale\":false}," +
        "{\"kind\":\"Cache\",\"resource\":\"ca-0\",\"state\":\"Healthy\",\"since\":\"2026-01-01T00:00:00.0000000+00:00\",\"consecutiveFailures\":0,\"lastError\":null,\"stale\":false}," +
        "{\"kind\":\"Auth\",\"resource\":\"au-0\",\"state\":\"Healthy\",\"since\":\"2026-01-01T00:00:00.0000000+00:00\",\"consecutiveFailures\":0,\"lastError\":null,\"stale\":false}," +
        "{\"kind\":\"Container\",\"resource\":\"co-0\",\"state\":\"Healthy\",\"since\":\"2026-01-01T00:00:00.0000000+00:00\",\"consecutiveFailures\":0,\"lastError\":null,\"stale\":false}]}");

    /// <summary>Serves until SIGTERM or Ctrl+C. Exit code 2 without a URL.</summary>
    public static int Main(string[] args)
    {
        if (args.Length != 1 || !Uri.TryCreate(args[0], UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
        {
            Console.Error.WriteLine("usage: KestrelBaseline http://HOST:PORT");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.AddServerHeader = false);
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        var app = builder.Build();
        app.Run(HandleAsync);
        app.Run();
        return 0;
    }

    private static Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Body.Length;
        response.BodyWriter.Write(Body);
        var flush = response.BodyWriter.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }
}
