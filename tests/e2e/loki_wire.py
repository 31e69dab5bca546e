"""Loki push bodies built in Python with the standard library only, for tests that push to the
http-receiver themselves (or check what a Loki would answer).

    body, headers = protobuf_push([('{job="a"}', [(ts_ns, "line"), (ts_ns, "line", {"trace_id": "x"})])])
    body, headers = json_push([({"job": "a"}, [(ts_ns, "line")])], gzip_body=True)

An entry is (ts_ns, line) or (ts_ns, line, metadata) with metadata a dict or a list of (name, value)
pairs (a list keeps order and allows repeats). Lines and labels are str (encoded as UTF-8) or bytes.

protobuf: the PushRequest of proto/loki_push.proto written by hand (varints and length-delimited
fields), then snappy BLOCK format made of literal elements only: valid snappy that any decoder
reads, just not compressed. go_time_string / go_rfc3339 print timestamps the way Loki's messages do.
"""
import datetime
import gzip as _gzip
import json

PUSH_PATH = "/loki/api/v1/push"
_EPOCH = datetime.datetime(1970, 1, 1)


def _varint(n):
    if n < 0:
        n += 1 << 64  # int64 fields: negative values are ten-byte two's complement varints
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes(value):
    return value.encode() if isinstance(value, str) else bytes(value)


def _field_varint(number, value):
    return _varint(number << 3 | 0) + _varint(value)


def _field_bytes(number, value):
    value = _bytes(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _metadata_pairs(metadata):
    if metadata is None:
        return []
    return list(metadata.items()) if isinstance(metadata, dict) else list(metadata)


def encode_push_request(streams):
    """PushRequest bytes (not compressed). streams: [(label_string, [entry, ...]), ...]."""
    out = bytearray()
    for labels, entries in streams:
        stream = bytearray(_field_bytes(1, labels))
        for entry in entries:
            ts, line = entry[0], entry[1]
            seconds, nanos = divmod(ts, 10**9)
            timestamp = (_field_varint(1, seconds) if seconds else b"") + (_field_varint(2, nanos) if nanos else b"")
            body = bytearray(_field_bytes(1, timestamp) + _field_bytes(2, line))
            for name, value in _metadata_pairs(entry[2] if len(entry) > 2 else None):
                body += _field_bytes(3, _field_bytes(1, name) + _field_bytes(2, value))
            stream += _field_bytes(2, bytes(body))
        out += _field_bytes(1, bytes(stream))
    return bytes(out)


def snappy_block(data):
    """data in snappy block format using literal elements only (uncompressed but valid)."""
    out = bytearray(_varint(len(data)))
    pos = 0
    while pos < len(data):
        chunk = data[pos:pos + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)  # tag type 00 = literal, length-1 in the upper six bits
        elif n < 256:
            out += bytes([60 << 2, n])  # 60: one length byte follows
        else:
            out += bytes([61 << 2, n & 0xFF, n >> 8])  # 61: two length bytes, little-endian
        out += chunk
        pos += len(chunk)
    return bytes(out)


def protobuf_push(streams, tenant=None):
    """(body, headers) of a protobuf push: snappy block of a PushRequest."""
    headers = {"Content-Type": "application/x-protobuf"}
    if tenant is not None:
        headers["X-Scope-OrgID"] = tenant
    return snappy_block(encode_push_request(streams)), headers


def json_push(streams, tenant=None, gzip_body=False):
    """(body, headers) of a JSON push. streams: [({label: value}, [entry, ...]), ...]; a stream's
    labels may also be a list of (name, value) pairs (to send repeated or invalid names)."""
    doc = {"streams": []}
    parts = []
    for labels, entries in streams:
        values = []
        for entry in entries:
            value = [str(entry[0]), _text(entry[1])]
            if len(entry) > 2 and entry[2] is not None:
                value.append({_text(k): _text(v) for k, v in _metadata_pairs(entry[2])})
            values.append(value)
        pairs = labels.items() if isinstance(labels, dict) else labels
        # Written by hand so that repeated label names survive (a dict cannot hold them).
        stream_json = "{" + ",".join(f"{json.dumps(_text(k))}:{json.dumps(_text(v))}" for k, v in pairs) + "}"
        parts.append('{"stream":' + stream_json + ',"values":' + json.dumps(values) + "}")
    body = ('{"streams":[' + ",".join(parts) + "]}").encode()
    headers = {"Content-Type": "application/json"}
    if tenant is not None:
        headers["X-Scope-OrgID"] = tenant
    if gzip_body:
        body = _gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return body, headers


def _text(value):
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def go_quote(value):
    """A label value quoted as Go's strconv.Quote does for ASCII and valid UTF-8 text."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                        "\v": "\\v"}[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical_labels(labels):
    """Loki's stream key for a dict of labels: sorted, empty values dropped, Go-quoted."""
    pairs = sorted((k, v) for k, v in labels.items() if v != "")
    return "{" + ", ".join(f"{k}={go_quote(v)}" for k, v in pairs) + "}"


def go_time_string(ns):
    """Go's time.Time.String() in UTC: '2026-11-23 10:00:00.123456789 +0000 UTC'."""
    seconds, frac = divmod(ns, 10**9)
    text = (_EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + " +0000 UTC"


def go_rfc3339(ns):
    """Go's time.RFC3339 in UTC (whole seconds): '2026-11-23T10:00:00Z'."""
    return (_EPOCH + datetime.timedelta(seconds=ns // 10**9)).strftime("%Y-%m-%dT%H:%M:%SZ")
