using SharpFuzz;

namespace Router.Fuzz;

/// <summary>
/// <c>Router.Fuzz TARGET</c> runs one target under afl-fuzz (SharpFuzz's fork server; the input on standard input when
/// run alone); <c>Router.Fuzz TARGET FILE...</c> replays files through it and prints what each one threw.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: Router.Fuzz {{{string.Join('|', FuzzTargets.All.Keys)}}} [FILE...]");
            return 2;
        }

        if (args.Length > 1)
        {
            return Replay(target, args[1..]);
        }

        Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target(buffer.ToArray());
        });
        return 0;
    }

    private static int Replay(Action<byte[]> target, string[] files)
    {
        int failed = 0;
        foreach (string file in files)
        {
            try
            {
                target(File.ReadAllBytes(file));
                Console.WriteLine($"ok      {file}");
            }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"FAILED  {file}: {ex}");
            }
        }

        return failed == 0 ? 0 : 1;
    }
}
