namespace Uvnet.Http.Parsing;

public sealed partial class HttpResponseParser
{
    /// <summary>
    /// The header section ended: settles the framing (RFC 9112 §6.3) and asks the handler what follows.
    /// </summary>
    private int CompleteHead<THandler>(ref THandler handler, int pos)
        where THandler : IHttpResponseParserHandler, allows ref struct
    {
        // A Transfer-Encoding whose final coding is not chunked delimits the body by the close (RFC 9112 §6.3 rule
        // 4, for a response); chunked before another coding was refused as the field was read. Codings before the
        // final chunked stay on the body, as in llhttp: the client sees them in the field.
        if (_chunkedLast)
        {
            _flags |= HttpParserFlags.Chunked;
        }

        // A 101 switches protocol whatever its fields say: nothing after its head is HTTP (RFC 9110 §15.2.2).
        _upgrade = _statusCode == 101;
        ApplyHeadersComplete(handler.OnHeadersComplete(this));
        return pos;
    }

    /// <summary>After the headers-complete callback (and any pause it asked for): where the body is.</summary>
    private void ChooseBody()
    {
        if (BodyRunsToClose)
        {
            _state = ParserState.BodyToEof;
        }
        else if (HasNoBody || ((_flags & HttpParserFlags.Chunked) == 0 && _contentLength == 0))
        {
            _state = ParserState.MessageDone;
        }
        else
        {
            BeginFramedBody();
        }
    }
}
