"""The sender's HTTP (reader/push/http.py) against a loopback server that answers with bytes
written out by each test: framing, keep-alive, timeouts and broken answers."""
import asyncio

import pytest

from reader.push.http import MAX_BODY, Pool

HEADERS = {"TTL": "60", "Content-Encoding": "aes128gcm", "Authorization": "vapid t=a.b.c, k=key"}


class Server:
    """Reads each request (head and Content-Length body), keeps it, and writes the next scripted
    answer; `None` in the script means: never answer that request."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []     # (connection number, request head, body)
        self.connections = 0

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.origin = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def serve(self, reader, writer):
        self.connections += 1
        number = self.connections
        try:
            while self.answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(_header(head, b"content-length") or 0)
                self.requests.append((number, head, await reader.readexactly(length)))
                answer = self.answers.pop(0)
                if answer is None:
                    await asyncio.sleep(30)
                    return
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer or b"Content-Length" not in answer and b"chunked" not in answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _header(head, name):
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def run(answers, requests, *, timeout=5.0):
    """Post each (path, body) in turn; returns (the answers or the errors raised, the server)."""
    async def main():
        async with Server(answers) as server:
            results = []
            async with Pool(limit=4, per_origin=2, timeout=timeout) as pool:
                for path, body in requests:
                    try:
                        results.append(await pool.post(server.origin + path, body, HEADERS))
                    except Exception as error:  # noqa: BLE001 -- the test looks at which
                        results.append(error)
            return results, server
    return asyncio.run(main())


def test_requests_share_one_kept_alive_connection_and_carry_their_headers_and_body():
    created = b"HTTP/1.1 201 Created\r\nLocation: /m/1\r\nContent-Length: 0\r\n\r\n"
    results, server = run([created, created], [("/push/a", b"\x01body"), ("/push/b?x=1", b"")])
    assert [r.status for r in results] == [201, 201]
    assert results[0].headers["location"] == "/m/1" and results[0].body == b""
    assert [number for number, _, _ in server.requests] == [1, 1]
    head, body = server.requests[0][1], server.requests[0][2]
    assert head.startswith(b"POST /push/a HTTP/1.1\r\n")
    assert server.requests[1][1].startswith(b"POST /push/b?x=1 HTTP/1.1\r\n")
    assert _header(head, b"host") == server.origin.split("//")[1].encode()
    assert _header(head, b"ttl") == b"60" and _header(head, b"authorization") == b"vapid t=a.b.c, k=key"
    assert _header(head, b"content-length") == b"5" and body == b"\x01body"


def test_chunked_answers_with_trailers_interim_answers_and_retry_after_are_read():
    chunked = (b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nslow \r\n5\r\ndown!\r\n0\r\nX-Trailer: yes\r\n\r\n")
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
    results, server = run([chunked, interim], [("/push/a", b"x"), ("/push/a", b"y")])
    assert (results[0].status, results[0].headers["retry-after"], results[0].body) == (429, "3", b"slow down!")
    assert (results[1].status, results[1].body) == (201, b"ok")
    assert server.connections == 1


def test_a_connection_the_server_closes_is_not_reused():
    closing = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    until_close = b"HTTP/1.0 410 Gone\r\n\r\nsubscription expired"
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    results, server = run([closing, until_close, created], [("/push/a", b"x")] * 3)
    assert [r.status for r in results] == [201, 410, 201]
    assert results[1].body == b"subscription expired"
    assert [number for number, _, _ in server.requests] == [1, 2, 3]


def test_redirects_are_answers_not_followed():
    moved = b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://elsewhere.example/\r\nContent-Length: 0\r\n\r\n"
    results, server = run([moved], [("/push/a", b"x")])
    assert results[0].status == 301 and len(server.requests) == 1


def test_no_answer_within_the_timeout_raises_timeout_and_the_next_request_gets_a_new_connection():
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    results, server = run([None, created], [("/push/a", b"x"), ("/push/a", b"y")], timeout=0.3)
    assert isinstance(results[0], TimeoutError)
    assert results[1].status == 201
    assert [number for number, _, _ in server.requests] == [1, 2]


@pytest.mark.parametrize("answer", [
    b"ICY 200 OK\r\n\r\n",
    b"HTTP/1.1 201 Created\r\nContent-Length: ten\r\n\r\n",
    b"HTTP/1.1 201 Created\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
def test_broken_answers_raise_a_connection_error(answer):
    results, _ = run([answer], [("/push/a", b"x")])
    assert isinstance(results[0], ConnectionError)  # what the sender retries as a connection fault


def test_a_huge_body_is_cut_to_max_body_and_its_connection_dropped():
    huge = b"HTTP/1.1 500 Oops\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY * 3) + b"e" * (MAX_BODY * 3)
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    results, server = run([huge, created], [("/push/a", b"x"), ("/push/a", b"y")])
    assert results[0].status == 500 and results[0].body == b"e" * MAX_BODY
    assert results[1].status == 201
    assert [number for number, _, _ in server.requests] == [1, 2]


def test_a_url_or_header_that_could_split_the_request_is_refused_before_sending():
    async def main():
        async with Server([]) as server:
            async with Pool(limit=1, per_origin=1, timeout=1) as pool:
                with pytest.raises(ValueError):
                    await pool.post(server.origin + "/push/a b", b"x", HEADERS)
                with pytest.raises(ValueError):
                    await pool.post(server.origin + "/push/a", b"x", {"Topic": "a\r\nX-Evil: 1"})
                with pytest.raises(ValueError):
                    await pool.post("ftp://127.0.0.1/push/a", b"x", HEADERS)
            return server
    assert asyncio.run(main()).connections == 0


def test_a_refused_connection_is_an_os_error():
    async def main():
        async with Server([]) as server:
            origin = server.origin
        async with Pool(limit=1, per_origin=1, timeout=2) as pool:  # the server is gone now
            with pytest.raises(OSError):
                await pool.post(origin + "/push/a", b"x", HEADERS)
    asyncio.run(main())


def test_a_request_that_is_no_longer_ready_once_it_has_a_slot_is_not_sent():
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"

    async def main():
        async with Server([created]) as server:
            async with Pool(limit=1, per_origin=1, timeout=5) as pool:
                async def no():
                    return False

                async def yes():
                    return True
                skipped = await pool.post(server.origin + "/push/a", b"x", HEADERS, ready=no)
                sent = await pool.post(server.origin + "/push/b", b"y", HEADERS, ready=yes)
            return skipped, sent, server
    skipped, sent, server = asyncio.run(main())
    assert skipped is None and sent.status == 201
    assert [head.split(b" ")[1] for _, head, _ in server.requests] == [b"/push/b"]


def test_a_body_with_every_byte_value_arrives_whole():
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    body = bytes(range(256)) * 3  # an encrypted body holds NULs like any other byte
    results, server = run([created], [("/push/a", body)])
    assert results[0].status == 201
    assert _header(server.requests[0][1], b"content-length") == b"768" and server.requests[0][2] == body
    assert _header(server.requests[0][1], b"expect") is None  # no wait for a 100 Continue


def test_a_proxy_named_in_the_environment_is_not_used(monkeypatch):
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    results, server = run([created], [("/push/a", b"x")])
    assert results[0].status == 201 and server.requests[0][1].startswith(b"POST /push/a HTTP/1.1\r\n")


def test_a_cancelled_request_gives_its_slot_back_and_the_next_one_is_sent():
    created = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"

    async def main():
        async with Server([None, created]) as server:
            async with Pool(limit=1, per_origin=1, timeout=5) as pool:
                stuck = asyncio.ensure_future(pool.post(server.origin + "/push/a", b"x", HEADERS))
                while not server.requests:
                    await asyncio.sleep(0.01)
                stuck.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await stuck
                answer = await asyncio.wait_for(pool.post(server.origin + "/push/b", b"y", HEADERS), 5)
            return answer, server
    answer, server = asyncio.run(main())
    assert answer.status == 201
    assert [(number, head.split(b" ")[1]) for number, head, _ in server.requests] == [(1, b"/push/a"), (2, b"/push/b")]


def _certificate(subject_key, name, issuer_key=None, issuer_name=None, *, ca=False):
    """A certificate for `name` (a CA's, or a server's for 127.0.0.1), self-signed unless an issuer is given."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name or subject)
               .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key or subject_key, hashes.SHA256())


def _tls_post(tmp_path, cert, key):
    """Post once to a loopback https server showing `cert`; returns (the result or error, what it received)."""
    import ssl

    from cryptography.hazmat.primitives import serialization

    (tmp_path / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    received = []

    async def serve(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        received.append(head.split(b"\r\n", 1)[0])
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        try:
            async with Pool(limit=1, per_origin=1, timeout=5) as pool:
                try:
                    return await pool.post(f"https://127.0.0.1:{port}/push/a", b"x", HEADERS)
                except Exception as error:  # noqa: BLE001 -- the test looks at which
                    return error
        finally:
            server.close()
    return asyncio.run(main()), received


def test_a_push_service_whose_certificate_does_not_verify_is_a_connection_error(tmp_path):
    """TLS is checked against the trusted CAs: a self-signed certificate gets nothing sent."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    result, received = _tls_post(tmp_path, _certificate(key, "127.0.0.1"), key)
    assert isinstance(result, ConnectionError) and received == []


def test_a_push_service_whose_certificate_a_trusted_ca_signed_gets_the_request(tmp_path, monkeypatch):
    """The CAs trusted are Python's (SSL_CERT_FILE here, the system's bundle in production)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate(ca_key, "Reader test CA", ca=True)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    result, received = _tls_post(tmp_path, _certificate(server_key, "127.0.0.1", ca_key, ca.subject), server_key)
    assert not isinstance(result, Exception), result
    assert result.status == 201 and received == [b"POST /push/a HTTP/1.1"]
