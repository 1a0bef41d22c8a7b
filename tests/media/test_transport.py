"""The checked transport over TLS: it dials the resolved 127.0.0.1 yet speaks to the URL's
name — SNI, certificate check and Host header — as a browser would."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from emokognition.errors import DownloadError
from emokognition.media.download import download
from emokognition.media.transport import CheckedTransport
from tests.media.network import LOOPBACK, Guard, Rebinding, guard_network

NAME = "media.test"
BODY = b"picture bytes"


class _TLSOrigin:
    """An HTTPS server on 127.0.0.1 with a certificate for NAME; records SNI and Host."""

    def __init__(self, certificate: Path, key: Path) -> None:
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the stdlib's name
                origin.hosts.append(self.headers.get("Host", ""))
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)

            def log_message(self, format: str, *args: object) -> None:
                return

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        context.sni_callback = lambda sock, name, ctx: origin.server_names.append(name)
        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> _TLSOrigin:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for NAME it signed: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emokognition test CA")])
    ca = (
        x509.CertificateBuilder(issuer_name=ca_name, subject_name=ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder(
            issuer_name=ca_name,
            subject_name=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]),
        )
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch) -> Guard:
    return guard_network(monkeypatch)


@pytest.fixture
def tls(tmp_path: Path, guard: Guard) -> Iterator[tuple[_TLSOrigin, ssl.SSLContext]]:
    ca, certificate, key = _certificates(tmp_path)
    with _TLSOrigin(certificate, key) as origin:
        yield origin, ssl.create_default_context(cafile=str(ca))


def _client(trust: ssl.SSLContext) -> httpx.Client:
    transport = CheckedTransport(resolve=Rebinding([LOOPBACK]), allow_private=True, verify=trust)
    return httpx.Client(transport=transport)


def test_tls_speaks_to_the_name_not_the_address(
    tls: tuple[_TLSOrigin, ssl.SSLContext], guard: Guard
) -> None:
    origin, trust = tls
    with _client(trust) as client:
        url = f"https://{NAME}:{origin.port}/photo.jpg"
        assert download(url, max_bytes=1000, timeout=5, client=client) == BODY
    assert origin.server_names == [NAME]
    assert origin.hosts == [f"{NAME}:{origin.port}"]
    assert guard.lookups == []  # the name went to our resolver, never the system's


def test_the_certificate_is_checked_against_the_name(
    tls: tuple[_TLSOrigin, ssl.SSLContext],
) -> None:
    """The same server by its address: the certificate (for NAME) does not match, refused."""
    origin, trust = tls
    with _client(trust) as client, pytest.raises(DownloadError, match="CERTIFICATE_VERIFY_FAILED"):
        download(f"https://{LOOPBACK}:{origin.port}/", max_bytes=1000, timeout=5, client=client)
    assert origin.hosts == []
