using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Router.Cli.Configuration;

/// <summary>
/// Reads a JSON array of option objects straight into option instances, as the configuration binder
/// would bind the same array after <see cref="ConfigurationShapeChecker"/>, with the same errors and key paths, but
/// without a configuration key per value: 100,000 traffic manager profiles are read in about a second instead of a
/// minute of flattening, shape checking and reflection binding.
/// </summary>
/// <remarks>
/// The configuration rules kept: keys are matched ignoring case; every JSON scalar is a string converted as the binder
/// converts it (<see cref="TypeConverter"/>, invariant culture; a number may be written as a string and vice versa);
/// <c>null</c> and an empty value leave the default; an unknown key, a value that does not convert, a list or object
/// where a value belongs and a value where a list or object belongs are errors, and leave the default.
/// </remarks>
internal static class JsonOptionsReader
{
    /// <summary>As <c>AddJsonFile</c> reads: comments skipped, trailing commas allowed.</summary>
    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>
    /// The objects of the JSON array <paramref name="json"/>, in order; an element that is not an object is an error (its
    /// place keeps a default instance, so indexes in later errors still match the file).
    /// </summary>
    /// <param name="json">One JSON array.</param>
    /// <param name="path">The key path of the array (<c>TrafficManager:Profiles</c>).</param>
    /// <param name="errors">Where errors are added, each as <c>path: reason</c>.</param>
    public static List<T> ReadList<T>(ReadOnlySpan<byte> json, string path, List<string> errors)
        where T : class, new()
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        reader.Read();
        var list = new List<T>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            errors.Add($"{path}: expected a list (JSON array)");
            return list;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = new T();
            string itemPath = $"{path}:{list.Count.ToString(CultureInfo.InvariantCulture)}";
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                ReadObject(ref reader, item, Shape.Of(typeof(T)), itemPath, errors);
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                errors.Add($"{itemPath}: expected an object with keys, found the value '{ScalarText(ref reader)}'");
            }

            list.Add(item);
        }

        return list;
    }

    private static void ReadObject(ref Utf8JsonReader reader, object target, Shape shape, string path, List<string> errors)
    {
        ulong seen = 0; // bit Member.Bit per key read: 100,000 profiles must not each allocate a set
        HashSet<string>? unknown = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            string keyPath = $"{path}:{key}";
            reader.Read();
            shape.Properties.TryGetValue(key, out var member);
            ulong bit = member is null ? 0 : 1UL << member.Bit;
            if (member is null ? !(unknown ??= new(StringComparer.OrdinalIgnoreCase)).Add(key) : (seen & bit) != 0)
            {
                errors.Add($"{keyPath}: the key is given twice");
                reader.Skip();
                continue;
            }

            seen |= bit;
            if (member is null)
            {
                errors.Add($"{keyPath}: unknown key (known here: {shape.Known})");
                reader.Skip();
                continue;
            }

            ReadProperty(ref reader, target, member, keyPath, errors);
        }
    }

    private static void ReadProperty(ref Utf8JsonReader reader, object target, Member member, string path, List<string> errors)
    {
        var (property, scalar, isList, isDictionary, element) = member;
        var type = property.PropertyType;
        if (scalar)
        {
            if (TryReadScalar(ref reader, type, path, errors, out object? read))
            {
                property.SetValue(target, read);
            }

            return;
        }

        if (IsEmpty(ref reader))
        {
            return;
        }

        var expected = isList ? JsonTokenType.StartArray : JsonTokenType.StartObject;
        if (reader.TokenType != expected)
        {
            errors.Add(reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject
                ? $"{path}: expected {(isList ? "a list (JSON array)" : "an object with keys")}, found {(isList ? "an object" : "a list")}"
                : $"{path}: expected {(isList ? "a list (JSON array)" : "an object with keys")}, found the value '{ScalarText(ref reader)}'");
            reader.Skip();
            return;
        }

        object? existing = property.GetValue(target);
        object value = existing ?? Activator.CreateInstance(type)!;
        if (isList)
        {
            ReadListInto(ref reader, (IList)value, element, member.ElementScalar, path, errors);
        }
        else if (isDictionary)
        {
            ReadDictionaryInto(ref reader, (IDictionary)value, element, path, errors);
        }
        else
        {
            ReadObject(ref reader, value, Shape.Of(type), path, errors);
        }

        if (existing is null)
        {
            property.SetValue(target, value);
        }
    }

    private static void ReadListInto(ref Utf8JsonReader reader, IList list, Type element, bool scalar, string path, List<string> errors)
    {
        int index = list.Count;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string itemPath = $"{path}:{index.ToString(CultureInfo.InvariantCulture)}";
            index++;
            if (scalar)
            {
                if (TryReadScalar(ref reader, element, itemPath, errors, out object? value) && value is not null)
                {
                    list.Add(value);
                }
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                var item = Activator.CreateInstance(element)!;
                ReadObject(ref reader, item, Shape.Of(element), itemPath, errors);
                list.Add(item);
            }
            else if (!IsEmpty(ref reader))
            {
                errors.Add($"{itemPath}: expected an object with keys, found the value '{ScalarText(ref reader)}'");
                reader.Skip();
            }
        }
    }

    private static void ReadDictionaryInto(ref Utf8JsonReader reader, IDictionary dictionary, Type valueType, string path, List<string> errors)
    {
        if (!ConfigurationShapeChecker.IsScalar(valueType))
        {
            // No option of the sections read this way has a dictionary of objects.
            throw new NotSupportedException($"{path}: dictionaries of {valueType.Name} are not read by {nameof(JsonOptionsReader)}");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (TryReadScalar(ref reader, valueType, $"{path}:{key}", errors, out object? value) && value is not null)
            {
                dictionary[key] = value;
            }
        }
    }

    /// <summary>False when the value is null, empty, an error (reported) or a list or object (reported and skipped).</summary>
    private static bool TryReadScalar(ref Utf8JsonReader reader, Type type, string path, List<string> errors, out object? value)
    {
        value = null;
        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
        {
            bool empty = IsEmpty(ref reader);
            if (!empty)
            {
                errors.Add($"{path}: expected a single value, found an object or list");
                reader.Skip();
            }

            return false;
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        string text = ScalarText(ref reader);
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string))
        {
            value = text;
            return true;
        }

        if (text.Length == 0)
        {
            return false;
        }

        if (TryConvert(text, target, out value))
        {
            return true;
        }

        errors.Add($"{path}: '{text}' is not {ConfigurationShapeChecker.Describe(target)}");
        return false;
    }

    /// <summary>The common types directly; anything else (and whatever they refuse) as the binder converts it.</summary>
    private static bool TryConvert(string text, Type target, out object? value)
    {
        value = null;
        if (target == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number))
        {
            value = number;
            return true;
        }

        if (target == typeof(double) && double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out double real))
        {
            value = real;
            return true;
        }

        if (target == typeof(bool) && bool.TryParse(text, out bool flag))
        {
            value = flag;
            return true;
        }

        if (target.IsEnum && Enum.TryParse(target, text, ignoreCase: true, out value))
        {
            return true;
        }

        try
        {
            value = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(text);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>A scalar as the configuration keeps it: strings as they are, numbers as written, booleans as words.</summary>
    private static string ScalarText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.True => bool.TrueString,
        JsonTokenType.False => bool.FalseString,
        _ => Encoding.UTF8.GetString(reader.ValueSpan), // read from one span: never a value sequence
    };

    /// <summary>
    /// Whether the value is null, an empty string, or an empty array or object: the configuration keeps no children
    /// for those, so the binder leaves the default. An empty array or object is read past.
    /// </summary>
    private static bool IsEmpty(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                return reader.ValueSpan.Length == 0;
            case JsonTokenType.StartArray or JsonTokenType.StartObject:
                var copy = reader;
                copy.Read();
                if (copy.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
                {
                    reader = copy;
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// A property and what kind of value it takes (a scalar, a list or dictionary of <see cref="Element"/>, or an object),
    /// worked out once per type: reflection per key is what made 100,000 profiles slow to read.
    /// </summary>
    private sealed record Member(PropertyInfo Property, bool Scalar, bool IsList, bool IsDictionary, Type Element)
    {
        /// <summary>Whether <see cref="Element"/>, the type of a list's items or a dictionary's values, is a scalar.</summary>
        public bool ElementScalar { get; } = ConfigurationShapeChecker.IsScalar(Element);

        /// <summary>This property's bit in the set of keys an object gave (<see cref="ReadObject"/>).</summary>
        public int Bit { get; private init; }

        public static Member Of(PropertyInfo property, int bit)
        {
            var type = property.PropertyType;
            bool isList = ConfigurationShapeChecker.TryGetListElement(type, out var element);
            bool isDictionary = !isList && ConfigurationShapeChecker.TryGetDictionaryValue(type, out element);
            return new Member(property, ConfigurationShapeChecker.IsScalar(type), isList, isDictionary, element) { Bit = bit };
        }
    }

    /// <summary>The settable properties of an options type by case-insensitive name, and their names for errors; built once per type.</summary>
    private sealed class Shape
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Shape> Shapes = new();

        private Shape(Type type)
        {
            var all = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            var members = all.Where(p => p.CanWrite || !ConfigurationShapeChecker.IsScalar(p.PropertyType)).ToList();
            if (members.Count > 64)
            {
                throw new NotSupportedException($"{type.Name} has more than 64 options; {nameof(JsonOptionsReader)} keeps the keys seen in 64 bits");
            }

            Properties = members.Select((p, i) => Member.Of(p, i)).ToDictionary(m => m.Property.Name, StringComparer.OrdinalIgnoreCase);
            Known = string.Join(", ", all.Select(p => p.Name));
        }

        public Dictionary<string, Member> Properties { get; }

        public string Known { get; }

        public static Shape Of(Type type) => Shapes.GetOrAdd(type, static t => new Shape(t));
    }
}
