"""Who is asking: the client address that rate limits and login throttles count by."""
import ipaddress

from flask import request

IPV6_BLOCK = 64  # one subscriber's line usually gets a whole /64; counting single addresses would let it rotate


def client_address():
    """The client's address as counted: the peer, or the address the trusted proxies name
    (READER_PROXY_COUNT turns on ProxyFix); an IPv6 address as its /64 block."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_BLOCK}", strict=False))
    return str(getattr(ip, "ipv4_mapped", None) or ip)
