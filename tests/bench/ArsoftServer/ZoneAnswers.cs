using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace ArsoftServer;

/// <summary>
/// Authoritative answers from one zone, as the contract and the other servers of the benchmark give them: AA set;
/// the RRset of the name and type; NOERROR with the SOA in the authority section when the name exists without that
/// type (RFC 2308 §2.2); NXDOMAIN with the SOA when it does not exist (RFC 2308 §2.1); REFUSED outside the zone;
/// FORMERR for anything but one question. Names compare case-insensitively (<see cref="DomainName"/> equality).
/// Immutable after construction, so the server's concurrent handlers share it without locks.
/// </summary>
internal sealed class ZoneAnswers
{
    private readonly DomainName _origin;
    private readonly SoaRecord _soa;
    private readonly Dictionary<(DomainName Name, RecordType Type), DnsRecordBase[]> _rrsets;
    private readonly HashSet<DomainName> _names;

    public ZoneAnswers(Zone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        _origin = zone.Name;
        _soa = zone.OfType<SoaRecord>().SingleOrDefault(r => r.Name.Equals(_origin))
            ?? throw new InvalidOperationException($"The zone {_origin} has no SOA record at its apex.");
        _rrsets = zone.GroupBy(r => (r.Name, r.RecordType)).ToDictionary(g => g.Key, g => g.ToArray());
        _names = [.. zone.Select(r => r.Name)];
        RecordCount = zone.Count;
    }

    public int RecordCount { get; }

    /// <summary>The <see cref="DnsServer.QueryReceived"/> handler: sets the response, never throws.</summary>
    public Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Query is not DnsMessage query)
        {
            return Task.CompletedTask; // not a standard query (an UPDATE...): the server answers its failure response
        }

        var response = query.CreateResponseInstance();
        e.Response = response;
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            return Task.CompletedTask;
        }

        var question = query.Questions[0];
        if (question.RecordClass != RecordClass.INet || !question.Name.IsEqualOrSubDomainOf(_origin))
        {
            response.ReturnCode = ReturnCode.Refused;
            return Task.CompletedTask;
        }

        response.IsAuthoritiveAnswer = true;
        if (_rrsets.TryGetValue((question.Name, question.RecordType), out var rrset))
        {
            response.AnswerRecords.AddRange(rrset);
            return Task.CompletedTask;
        }

        response.ReturnCode = _names.Contains(question.Name) ? ReturnCode.NoError : ReturnCode.NxDomain;
        response.AuthorityRecords.Add(_soa);
        return Task.CompletedTask;
    }
}
