using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Router.Cli.Configuration;

/// <summary>
/// Walks a configuration section against the options type it binds to and reports, with key paths, every key the
/// type does not have (a typo would otherwise be ignored silently) and every value that does not convert to its
/// property's type. The binder itself stops at the first bad value; this finds them all.
/// </summary>
internal static class ConfigurationShapeChecker
{
    /// <summary>
    /// Adds an error for every key under <paramref name="section"/> that does not fit <paramref name="type"/>, and the
    /// key's path to <paramref name="badPaths"/> so the caller can bind the rest.
    /// </summary>
    public static void Check(IConfigurationSection section, Type type, List<string> errors, HashSet<string> badPaths)
    {
        if (IsScalar(type))
        {
            CheckScalar(section, type, errors, badPaths);
            return;
        }

        if (TryGetListElement(type, out var element))
        {
            // The binder ignores a single value where a list belongs ("Listen": "127.0.0.1:5353" would leave the default).
            if (HasValue(section))
            {
                errors.Add($"{section.Path}: expected a list (JSON array), found the value '{section.Value}'");
                badPaths.Add(section.Path);
                return;
            }

            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add($"{child.Path}: expected a list (JSON array) here");
                    badPaths.Add(child.Path);
                    continue;
                }

                Check(child, element, errors, badPaths);
            }

            return;
        }

        if (TryGetDictionaryValue(type, out var valueType))
        {
            if (HasValue(section))
            {
                errors.Add($"{section.Path}: expected an object with keys, found the value '{section.Value}'");
                badPaths.Add(section.Path);
                return;
            }

            foreach (var child in section.GetChildren())
            {
                Check(child, valueType, errors, badPaths);
            }

            return;
        }

        if (HasValue(section))
        {
            errors.Add($"{section.Path}: expected an object with keys, found the value '{section.Value}'");
            badPaths.Add(section.Path);
            return;
        }

        var properties = PropertiesOf(type);
        foreach (var child in section.GetChildren())
        {
            properties.TryGetValue(child.Key, out var property);
            if (property is null || !property.CanWrite && IsScalar(property.PropertyType))
            {
                var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name);
                errors.Add($"{child.Path}: unknown key (known here: {string.Join(", ", known)})");
                badPaths.Add(child.Path);
                continue;
            }

            Check(child, property.PropertyType, errors, badPaths);
        }
    }

    private static void CheckScalar(IConfigurationSection section, Type type, List<string> errors, HashSet<string> badPaths)
    {
        // A key with a value has no children in JSON; only a key without one needs the (costlier) look below it.
        string? value = section.Value;
        if (value is null && section.GetChildren().Any())
        {
            errors.Add($"{section.Path}: expected a single value, found an object or list");
            badPaths.Add(section.Path);
            return;
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (value is null || target == typeof(string))
        {
            return;
        }

        if (value.Length == 0 && Nullable.GetUnderlyingType(type) is not null)
        {
            return;
        }

        try
        {
            TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            errors.Add($"{section.Path}: '{value}' is not {Describe(target)}");
            badPaths.Add(section.Path);
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> Properties = new();

    /// <summary>The public instance properties of <paramref name="type"/> by case-insensitive name, looked up once per type.</summary>
    private static Dictionary<string, PropertyInfo> PropertiesOf(Type type) => Properties.GetOrAdd(type, static t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase));

    /// <summary>Whether the key holds a single value; an empty JSON object or array reads as null or empty.</summary>
    private static bool HasValue(IConfigurationSection section) => !string.IsNullOrEmpty(section.Value);

    internal static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) => "a whole number",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ => $"a valid {type.Name}",
    };

    internal static bool IsScalar(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target.IsPrimitive || target.IsEnum || target == typeof(string) || target == typeof(decimal) || target == typeof(TimeSpan);
    }

    internal static bool TryGetListElement(Type type, out Type element)
    {
        element = typeof(object);
        if (type.IsArray)
        {
            element = type.GetElementType()!;
            return true;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition &&
            (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IEnumerable<>)))
        {
            element = type.GetGenericArguments()[0];
            return true;
        }

        return false;
    }

    internal static bool TryGetDictionaryValue(Type type, out Type valueType)
    {
        valueType = typeof(object);
        if (type.IsGenericType && typeof(IDictionary).IsAssignableFrom(type))
        {
            valueType = type.GetGenericArguments()[1];
            return true;
        }

        return false;
    }
}
