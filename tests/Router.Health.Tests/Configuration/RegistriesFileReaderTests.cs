using System.Text;
using Router.Health.Configuration;

namespace Router.Health.Tests.Configuration;

/// <summary>
/// <see cref="RegistriesFileReader"/> on real files: what a good file reads as, and every kind of bad line reported
/// as <c>Health:RegistriesFile:LINE:Key</c>.
/// </summary>
public sealed class RegistriesFileReaderTests : IDisposable
{
    private const string KeyPath = "Health:RegistriesFile";

    private readonly string _directory = Directory.CreateTempSubdirectory("router-registries-").FullName;

    [Fact]
    public void Read_GoodFileWithCommentsBlankLinesCrlfAndBom_RowsInFileOrder()
    {
        // Arrange: a byte order mark, CRLF line ends, a comment, blank and whitespace-only lines, keys in any case.
        string file = Write("\uFEFF# two registries\r\n" +
            "{\"Name\":\"contoso\",\"Storage\":\"sa-1\",\"Cache\":\"cache\",\"Auth\":\"auth\",\"Container\":\"api\",\"Metadata\":\"meta\"}\r\n" +
            "\r\n   \t\r\n" +
            "  {\"name\":\"fabrikam\",\"STORAGE\":\"sa-2\",\"Cache\":\"cache\",\"DeepEvaluation\":\"disabled\",\"Metadata\":null}  \r\n" +
            "{\"Name\":\"tail\\u0077ind\"}"); // no line end after the last line; an escaped character

        // Act
        var errors = new List<string>();
        var table = RegistriesFileReader.Read(file, KeyPath, errors);

        // Assert
        Assert.Empty(errors);
        Assert.NotNull(table);
        Assert.Equal(["contoso", "fabrikam", "tailwind"], table.Rows.Select(r => r.Name));
        Assert.Equal([2, 5, 6], table.Rows.Select(r => r.Line));
        Assert.Equal(["sa-1", "cache", "auth", "api", "meta", "sa-2"], table.ResourceIds);
        var contoso = table.Rows[0];
        Assert.Equal((0, 1, 2, 3, 4), (contoso.Storage, contoso.Cache, contoso.Auth, contoso.Container, contoso.Metadata));
        Assert.Null(contoso.DeepEvaluation);
        var fabrikam = table.Rows[1];
        Assert.Equal((5, 1, -1, -1, -1), (fabrikam.Storage, fabrikam.Cache, fabrikam.Auth, fabrikam.Container, fabrikam.Metadata));
        Assert.Equal(DeepEvaluationMode.Disabled, fabrikam.DeepEvaluation);
        Assert.Equal("registries.jsonl", table.FileName);
    }

    [Fact]
    public void Read_EveryKindOfBadLine_EachErrorWithItsLineAndKey()
    {
        // Arrange
        string file = Write(string.Join('\n',
            "{\"Name\":\"ok\",\"Storage\":\"sa-1\"}",
            "{\"Name\":\"a\",\"Storage\":\"sa-1\"",                    // 2: the object does not end
            "[\"Name\",\"b\"]",                                         // 3: not an object
            "{\"Name\":\"c\",\"Stroage\":\"sa-1\"}",                    // 4: unknown key
            "{\"Name\":\"d\",\"Cache\":7,\"Auth\":{\"x\":1}}",          // 5: values that are no strings
            "{\"Name\":\"e\",\"DeepEvaluation\":\"sometimes\"}",        // 6: not a mode
            "{\"Name\":\"f\",\"name\":\"g\"}",                          // 7: a key twice
            "{\"Name\":\"h\"} {\"Name\":\"i\"}",                        // 8: two objects on one line
            "Name=j",                                                   // 9: not JSON at all
            "{\"Name\":\"k\",\"DeepEvaluation\":\"1\"}",                // 10: a number is no mode name
            "{\"Name\":\"last\"}"));

        // Act
        var errors = new List<string>();
        var table = RegistriesFileReader.Read(file, KeyPath, errors);

        // Assert
        Assert.Null(table);
        Assert.Collection(errors,
            e => Assert.StartsWith("Health:RegistriesFile:2: not valid JSON at position ", e),
            e => Assert.Equal("Health:RegistriesFile:3: expected one JSON object per line ({\"Name\":\"contoso\",\"Storage\":\"sa-1\",...})", e),
            e => Assert.Equal("Health:RegistriesFile:4:Stroage: unknown key (known here: Name, Storage, Cache, Auth, Container, Metadata, DeepEvaluation)", e),
            e => Assert.Equal("Health:RegistriesFile:5:Cache: expected a string, found a number", e),
            e => Assert.Equal("Health:RegistriesFile:5:Auth: expected a string, found an object", e),
            e => Assert.Equal("Health:RegistriesFile:6:DeepEvaluation: 'sometimes' is not one of Enabled, Disabled", e),
            e => Assert.Equal("Health:RegistriesFile:7:Name: given twice on this line", e),
            e => Assert.StartsWith("Health:RegistriesFile:8: not valid JSON at position ", e),
            e => Assert.StartsWith("Health:RegistriesFile:9: not valid JSON at position ", e),
            e => Assert.Equal("Health:RegistriesFile:10:DeepEvaluation: '1' is not one of Enabled, Disabled", e));
    }

    [Fact]
    public void Read_LineLongerThanTheLimit_ReportedAndTheLinesAfterItRead()
    {
        // Arrange: line 2 is one registry with a name of 200,000 characters (then 3,000,000).
        string huge = "{\"Name\":\"" + new string('x', 200_000) + "\"}";
        string file = Write($"{{\"Name\":\"first\"}}\n{huge}\n{{\"Name\":\"third\"}}\n");

        // Act
        var errors = new List<string>();
        RegistriesFileReader.Read(file, KeyPath, errors);

        // Assert: the line numbers after it are still right.
        Assert.Equal([$"Health:RegistriesFile:2: longer than {RegistriesFileReader.MaxLineBytes} bytes (one registry object per line)"], errors);
        string longer = "{\"Name\":\"" + new string('z', 3_000_000) + "\"}"; // longer than the reader's block too
        File.WriteAllText(file, $"{{\"Name\":\"first\"}}\n{longer}\n{{\"Name\":\"third\",\"Bad\":\"\"}}\n");
        errors.Clear();
        RegistriesFileReader.Read(file, KeyPath, errors);
        Assert.Equal($"Health:RegistriesFile:2: longer than {RegistriesFileReader.MaxLineBytes} bytes (one registry object per line)", errors[0]);
        Assert.StartsWith("Health:RegistriesFile:3:Bad: unknown key", errors[1]);
    }

    [Fact]
    public void Read_LongValidLineJustUnderTheLimit_Read()
    {
        // Arrange: the longest line allowed, after enough lines that it crosses the reader's block boundary.
        string name = new('y', RegistriesFileReader.MaxLineBytes - 20);
        var text = new StringBuilder();
        for (int i = 0; i < 60_000; i++)
        {
            text.Append("{\"Name\":\"reg-").Append(i).Append("\",\"Storage\":\"sa-").Append(i % 7).Append("\"}\n");
        }

        text.Append("{\"Name\":\"").Append(name).Append("\"}\n");

        // Act
        var errors = new List<string>();
        var table = RegistriesFileReader.Read(Write(text.ToString()), KeyPath, errors);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(60_001, table!.Rows.Count);
        Assert.Equal("reg-59999", table.Rows[59_999].Name);
        Assert.Equal(name, table.Rows[^1].Name);
        Assert.Equal(7, table.ResourceIds.Length);
    }

    [Fact]
    public void Read_ManyBadLines_FirstHundredShownAndTheRestCounted()
    {
        // Arrange
        string file = Write(string.Concat(Enumerable.Range(0, 250).Select(i => $"{{\"Name\":\"r{i}\",\"Size\":1}}\n")));

        // Act
        var errors = new List<string>();
        RegistriesFileReader.Read(file, KeyPath, errors);

        // Assert
        Assert.Equal(RegistriesFileErrors.MaxShown + 1, errors.Count);
        Assert.StartsWith("Health:RegistriesFile:100:Size: unknown key", errors[99]);
        Assert.Equal("Health:RegistriesFile: 150 more error(s) in registries.jsonl not shown (the first 100 are above)", errors[^1]);
    }

    [Fact]
    public void Read_MissingFile_ErrorNamesTheFile()
    {
        // Arrange
        string missing = Path.Combine(_directory, "nope.jsonl");

        // Act
        var errors = new List<string>();
        var table = RegistriesFileReader.Read(missing, KeyPath, errors);

        // Assert
        Assert.Null(table);
        Assert.Equal([$"Health:RegistriesFile: file '{missing}' not found"], errors);
    }

    private string Write(string content)
    {
        string path = Path.Combine(_directory, "registries.jsonl");
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
