"""The SSRF guard: only http(s) URLs, no bad ports, no private or special addresses.

The client connects to an address checked here (the Host header and TLS SNI carry the
name), so DNS cannot change the answer between the check and the connection.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from .page import FetchError

DEFAULT_PORTS = {"http": 80, "https": 443}
SCHEMES = ("http", "https")
CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 shared address space
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the low 32 bits are IPv4

# WHATWG Fetch "bad ports": refused for any host, because a GET to them can talk to
# another protocol (SMTP, IRC, ...) and smuggle commands. Any other port is allowed.
BAD_PORTS = frozenset({
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95,
    101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161,
    179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563,
    587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
    6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
})


@dataclass(frozen=True)
class Target:
    """One request target: a checked URL split into what the connection needs."""
    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, no brackets
    port: int
    path: str

    @property
    def origin(self):
        return (self.scheme, self.host, self.port)

    @property
    def host_header(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def target(url, current):
    """Split and check one URL; FetchError for anything but a plain http(s) URL.

    Args:
        url: the URL first asked for (named in errors).
        current: this hop's URL.

    Returns:
        Target
    """
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in current.strip()):
        raise FetchError(url, "malformed URL (control character or space)")
    try:
        parts = urlsplit(current.strip())
        port = parts.port
    except ValueError:
        raise FetchError(url, "malformed URL (invalid port)") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(url, f"blocked: scheme {scheme or 'missing'}: is not http or https")
    if not parts.hostname:
        raise FetchError(url, "malformed URL (no host)")
    host = _ascii_host(url, parts.hostname)
    port = port or DEFAULT_PORTS[scheme]
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    bracketed = f"[{host}]" if ":" in host else host
    netloc = bracketed if port == DEFAULT_PORTS[scheme] else f"{bracketed}:{port}"
    return Target(f"{scheme}://{netloc}{path}", scheme, host, port, path)


def check_port(url, checked):
    """Refuse a WHATWG bad port."""
    if checked.port in BAD_PORTS:
        raise FetchError(url, f"blocked: port {checked.port} is not for the web")


def check_addresses(url, addresses):
    """Refuse the lot when any address is not public unicast."""
    for address in addresses:
        kind = blocked_kind(address)
        if kind:
            raise FetchError(url, f"blocked: {address} is a {kind} address")


def resolve(url, host, port):
    """Every address the host name resolves to, in resolver order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(url, f"cannot resolve host {host}") from None
    addresses = []
    for info in infos:
        address = info[4][0].split("%")[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(url, f"cannot resolve host {host}")
    return addresses


def blocked_kind(address):
    """Why an IP address must not be fetched ("private", "loopback", ...), or None.

    Args:
        address: an IPv4 or IPv6 address as text.

    Returns:
        str or None: None for a public unicast address.
    """
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo and ip.teredo[1])
        if ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded:
            return blocked_kind(str(embedded))
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("shared (CGNAT)", ip.version == 4 and ip in CGNAT),
              ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("non-global", not ip.is_global))
    return next((kind for kind, hit in checks if hit), None)


def origin_of(origin):
    """("http", "host", 80) for an allowed origin such as "http://127.0.0.1:8000"."""
    parts = urlsplit(origin)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0))


def _ascii_host(url, hostname):
    """The host in ASCII: IDNA for international names (RFC 5891)."""
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError(url, "malformed URL (bad host name)") from None
    if not host.rstrip("."):
        raise FetchError(url, "malformed URL (no host)")
    return host.rstrip(".").lower()
