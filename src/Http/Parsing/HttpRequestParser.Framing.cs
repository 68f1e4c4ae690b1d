namespace Uvnet.Http.Parsing;

public sealed partial class HttpRequestParser
{
    private const HttpParserFlags UpgradeRequested = HttpParserFlags.Upgrade | HttpParserFlags.ConnectionUpgrade;

    /// <summary>
    /// The header section ended: settles the framing (RFC 9112 §6.3) and asks the handler what follows.
    /// </summary>
    private int CompleteHead<THandler>(ref THandler handler, int pos)
        where THandler : IHttpParserHandler, allows ref struct
    {
        if ((_flags & HttpParserFlags.TransferEncoding) != 0)
        {
            if (!_chunkedLast)
            {
                // RFC 9112 §6.3 rule 4: chunked is not the final coding of a request: 400 and close.
                return Fail(HttpParserError.InvalidTransferEncoding, "Request has invalid `Transfer-Encoding`", pos);
            }

            if (_otherCoding)
            {
                return Fail(HttpParserError.UnknownTransferEncoding, "Transfer coding not implemented", pos);
            }

            _flags |= HttpParserFlags.Chunked;
        }

        _upgrade = _method == HttpRequestMethod.Connect || (_flags & UpgradeRequested) == UpgradeRequested;
        ApplyHeadersComplete(handler.OnHeadersComplete(this));
        return pos;
    }

    /// <summary>After the headers-complete callback (and any pause it asked for): where the body is.</summary>
    private void ChooseBody()
    {
        bool chunked = (_flags & HttpParserFlags.Chunked) != 0;
        bool noBody = (_flags & HttpParserFlags.SkipBody) != 0 || (!chunked && _contentLength == 0);

        // A CONNECT's bytes after its head belong to the tunnel, whatever its framing fields say (RFC 9110 §9.3.6).
        if (noBody || (_upgrade && _method == HttpRequestMethod.Connect))
        {
            _state = ParserState.MessageDone;
        }
        else
        {
            BeginFramedBody();
        }
    }
}
