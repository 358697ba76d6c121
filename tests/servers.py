"""Loopback HTTP servers for tests: real sockets on 127.0.0.1, a route table, a request log."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> serving `routes` {path: handler(request)}.

    A handler gets the BaseHTTPRequestHandler and writes the whole response. Every request is
    logged in `requests` as a dict: path, headers (lower-case names), at (time.monotonic()).
    """

    def __init__(self, routes=None, ssl_context=None, host="127.0.0.1"):
        self.routes = dict(routes or {})
        self.scheme = "https" if ssl_context else "http"
        self.host = host  # another loopback address (127.0.0.2) stands for another site
        self.requests = []
        self.stopping = threading.Event()  # handlers that wait should wait on this
        self.httpd = ThreadingHTTPServer((host, 0), _handler_class(self))
        self.httpd.daemon_threads = True
        if ssl_context:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def origin(self):
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path):
        return self.origin + path

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class TrickleServer:
    """A raw TCP server on 127.0.0.1 that answers every connection one byte at a time.

    It sends `data` with `interval` seconds between bytes and gives up after `give_up`
    seconds, so a client without a total deadline waits that long and then sees the
    connection close. `sent` counts the bytes written over all connections.
    """

    def __init__(self, data, *, interval=0.1, give_up=30.0):
        self.data, self.interval, self.give_up = data, interval, give_up
        self.sent = 0
        self.stopping = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self):
        return self.sock.getsockname()[1]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn):
        stop_at = time.monotonic() + self.give_up
        with conn:
            for index in range(len(self.data)):
                if self.stopping.wait(self.interval) or time.monotonic() > stop_at:
                    return
                try:
                    conn.sendall(self.data[index:index + 1])
                except OSError:
                    return  # the client hung up
                self.sent += 1

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self._thread.join(timeout=5)
        self.sock.close()


def _handler_class(server):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            server.requests.append({"path": self.path, "at": time.monotonic(),
                                    "headers": {k.lower(): v for k, v in self.headers.items()}})
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                return respond(self, 404, b"not found", "text/plain")
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up, which is what some tests want

        def log_message(self, *args):
            pass

    return Handler


def respond(request, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
    """Write a complete response with Content-Length and close the connection."""
    request.send_response(status)
    if content_type:
        request.send_header("Content-Type", content_type)
    for name, value in headers:
        request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.send_header("Connection", "close")
    request.end_headers()
    request.wfile.write(body)
    request.close_connection = True


def stream(request, chunks, content_type="text/html", headers=()):
    """Write a body of unknown length (ended by closing); return the bytes written."""
    request.send_response(200)
    request.send_header("Content-Type", content_type)
    for name, value in headers:
        request.send_header(name, value)
    request.send_header("Connection", "close")
    request.end_headers()
    request.close_connection = True
    sent = 0
    try:
        for chunk in chunks:
            request.wfile.write(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def make_certificates(directory, name):
    """A test CA and a certificate for `name` signed by it; returns (ca.pem, key.pem, cert.pem)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reader Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [directory / "ca.pem", directory / "key.pem", directory / "cert.pem"]
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return paths
