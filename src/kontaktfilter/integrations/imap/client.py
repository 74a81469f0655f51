"""A small IMAP client over `imaplib`: TLS only (IMAPS or STARTTLS, certificates verified), timeouts on
every operation, UID-based search and fetch that never marks mail as read, MOVE or Gmail labels for
filing, and IDLE. Errors say what failed without ever showing the password."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import SecretStr

from ..settings import ImapSettings

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FETCH_UID = re.compile(rb"UID (\d+)")
_DELIMITER = re.compile(rb'\) "(.)" ')


class ImapError(RuntimeError):
    """The server could not be reached or failed a command; worth retrying later."""


class ImapAuthError(ImapError):
    """The server refused the username or password; retrying will not help."""


class ImapTLSError(ImapError):
    """TLS failed (certificate not trusted, STARTTLS unsupported); retrying will not help."""


def _quote(mailbox: str) -> str:
    # imaplib sends mailbox names verbatim; names with spaces or quotes need IMAP quoting.
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), so umlauts survive."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            encoded = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii").rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


class ImapClient:
    """One authenticated IMAP session; `connect` opens it, `close` ends it (safe to call twice)."""

    def __init__(self, settings: ImapSettings, password: SecretStr) -> None:
        self.settings = settings
        self._password = password
        self.conn: imaplib.IMAP4 | None = None
        self.capabilities: frozenset[str] = frozenset()
        self._delimiter: str | None = None

    @property
    def where(self) -> str:
        """`imaps://user@host:port` for messages (never with the password)."""
        scheme = "imaps" if self.settings.security == "ssl" else "imap+starttls"
        return f"{scheme}://{self.settings.username}@{self.settings.host}:{self.settings.effective_port}"

    def _context(self) -> ssl.SSLContext:
        ca = self.settings.ca_file
        if ca is not None and not ca.is_file():
            raise ImapTLSError(f"{self.where}: ca_file {ca} does not exist")
        return ssl.create_default_context(cafile=str(ca) if ca else None)

    def connect(self) -> None:
        """Open the connection, secure it, log in; ImapAuthError for refused credentials."""
        s = self.settings
        ctx = self._context()
        try:
            if s.security == "ssl":
                self.conn = imaplib.IMAP4_SSL(s.host, s.effective_port, ssl_context=ctx, timeout=s.timeout)
            else:
                self.conn = imaplib.IMAP4(s.host, s.effective_port, timeout=s.timeout)
                if "STARTTLS" not in self.conn.capabilities:
                    raise ImapTLSError(
                        f"{self.where}: the server does not offer STARTTLS; refusing to log in unencrypted"
                    )
                self.conn.starttls(ssl_context=ctx)
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise ImapTLSError(f"{self.where}: the server's certificate is not trusted ({exc.verify_message}); "
                               "set imap.ca_file for a self-signed server") from None  # fmt: skip
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            self.close()
            raise ImapError(f"{self.where}: cannot connect: {exc}") from None
        try:
            secret = self._password.get_secret_value()
            if "AUTH=PLAIN" in self.conn.capabilities:
                # AUTHENTICATE PLAIN carries UTF-8; imaplib's LOGIN only takes ASCII passwords.
                plain = f"\0{s.username}\0{secret}".encode()
                self.conn.authenticate("PLAIN", lambda _: plain)
            else:
                self.conn.login(s.username, secret)
        except imaplib.IMAP4.error as exc:
            self.close()
            arg = exc.args[0] if exc.args else exc
            detail = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
            raise ImapAuthError(
                f"{self.where}: login refused ({detail}); check imap.username and "
                "the password file or KONTAKTFILTER_IMAP_PASSWORD"
            ) from None
        except UnicodeEncodeError:
            self.close()
            raise ImapAuthError(
                f"{self.where}: the server offers no AUTH=PLAIN, and IMAP LOGIN takes only ASCII passwords"
            ) from None
        except OSError as exc:
            self.close()
            raise ImapError(f"{self.where}: connection lost during login: {exc}") from None
        self._refresh_capabilities()

    def _refresh_capabilities(self) -> None:
        # Servers announce MOVE, IDLE and X-GM-EXT-1 only after login.
        conn = self._conn()
        typ, data = conn.capability()
        caps = set(conn.capabilities)
        if typ == "OK" and data and data[0]:
            caps.update(data[0].decode("ascii", "replace").upper().split())
        self.capabilities = frozenset(caps)

    def _conn(self) -> imaplib.IMAP4:
        if self.conn is None:
            raise ImapError(f"{self.where}: not connected")
        return self.conn

    def _run(self, what: str, call: Callable[[], tuple[str, Any]]) -> list[Any]:
        """Run an imaplib call; ImapError when the connection drops or the server says NO/BAD."""
        try:
            typ, data = call()
        except (imaplib.IMAP4.abort, OSError) as exc:
            raise ImapError(f"{self.where}: {what}: connection lost: {exc}") from None
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{self.where}: {what} failed: {exc}") from None
        items = list(data or [])
        if typ != "OK":
            text = b" ".join(d for d in items if isinstance(d, bytes)).decode("utf-8", "replace")
            raise ImapError(f"{self.where}: {what} failed: {typ} {text}")
        return items

    def select(self, folder: str) -> int:
        """Open `folder` read-write (needed for MOVE) and return its UIDVALIDITY."""
        conn = self._conn()
        self._run(f"SELECT {folder}", lambda: conn.select(_quote(_utf7(folder))))
        data = self._run("STATUS UIDVALIDITY", lambda: conn.status(_quote(_utf7(folder)), "(UIDVALIDITY)"))
        found = _UIDVALIDITY.search(b" ".join(d for d in data if isinstance(d, bytes)))
        if found is None:
            raise ImapError(f"{self.where}: the server reported no UIDVALIDITY for {folder}")
        return int(found.group(1))

    def search(self, senders: Sequence[str], after_uid: int) -> list[int]:
        """UIDs above `after_uid` of mails from any of `senders` (all mails when none given)."""
        conn = self._conn()
        criteria: list[str] = [f"UID {after_uid + 1}:*"]
        if senders:
            terms = [f'FROM "{s}"' for s in senders]
            # IMAP's OR takes two keys; nest it for more senders.
            expr = terms[-1]
            for term in reversed(terms[:-1]):
                expr = f"OR {term} {expr}"
            criteria.append(expr)
        data = self._run("UID SEARCH", lambda: conn.uid("SEARCH", *criteria))
        raw = b" ".join(d for d in data if isinstance(d, bytes))
        # "n:*" always matches the newest mail even below n; filter it out again.
        return sorted(u for u in (int(x) for x in raw.split()) if u > after_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The whole mail with this UID (BODY.PEEK: its \\Seen flag stays as it was); None if gone."""
        conn = self._conn()
        data = self._run(f"UID FETCH {uid}", lambda: conn.uid("FETCH", str(uid), "(UID BODY.PEEK[])"))
        for item in data:
            if isinstance(item, tuple) and _FETCH_UID.search(item[0]) and isinstance(item[1], bytes):
                return item[1]
        return None

    def delimiter(self) -> str:
        """The server's folder hierarchy separator (`/` or `.`), from `LIST "" ""`."""
        if self._delimiter is None:
            conn = self._conn()
            data = self._run("LIST", lambda: conn.list('""', '""'))
            found = _DELIMITER.search(data[0]) if data and isinstance(data[0], bytes) else None
            self._delimiter = found.group(1).decode("ascii") if found else "/"
        return self._delimiter

    def file(self, uid: int, target: str, mode: str) -> str:
        """Move (or label) one mail into `target` (`/` separates levels), creating the folder."""
        conn = self._conn()
        if mode != "label" and self.delimiter() != "/":
            target = target.replace("/", self.delimiter())
        mailbox = _quote(_utf7(target))
        if mode == "label":
            if "X-GM-EXT-1" not in self.capabilities:
                raise ImapError(f'{self.where}: labels need Gmail (X-GM-EXT-1); use imap.move.mode = "move"')
            self._run(
                "UID STORE X-GM-LABELS", lambda: conn.uid("STORE", str(uid), "+X-GM-LABELS", f"({mailbox})")
            )
            return f"labelled {target}"
        typ, _ = conn.create(mailbox)  # fails harmlessly when the folder exists
        if typ == "OK":
            conn.subscribe(mailbox)
        if "MOVE" in self.capabilities:
            self._run(f"UID MOVE {uid}", lambda: conn.uid("MOVE", str(uid), mailbox))
            return f"moved to {target}"
        # Without MOVE the original stays where it is: copying never deletes anything.
        self._run(f"UID COPY {uid}", lambda: conn.uid("COPY", str(uid), mailbox))
        return f"copied to {target}"

    def idle(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> bool:
        """Wait up to `seconds` in IMAP IDLE; True when the server announced new mail."""
        conn = self._conn()
        if "IDLE" not in self.capabilities:
            # Without IDLE, poll: sleep in short steps so a stop is noticed.
            time.sleep(min(seconds, 30.0))
            return True
        sock = conn.socket()
        tag = conn._new_tag()  # imaplib has no IDLE before Python 3.14
        buf = bytearray()

        def line(deadline: float) -> bytes | None:
            while b"\r\n" not in buf:
                left = deadline - clock()
                if left <= 0:
                    return None
                sock.settimeout(left)
                try:
                    chunk = sock.recv(4096)
                except TimeoutError:
                    return None
                if not chunk:
                    raise ImapError(f"{self.where}: the server closed the connection during IDLE")
                buf.extend(chunk)
            end = buf.index(b"\r\n")
            out = bytes(buf[:end])
            del buf[: end + 2]
            return out

        news = False
        try:
            # Raw socket reads: imaplib's buffered file would be unusable after a read timeout.
            sock.sendall(tag + b" IDLE\r\n")
            first = line(clock() + self.settings.timeout)
            if first is None or not first.startswith(b"+"):
                raise ImapError(f"{self.where}: IDLE refused: {first!r}")
            deadline = clock() + seconds
            while True:
                got = line(deadline)
                if got is None:
                    break
                if got.startswith(b"* BYE"):
                    raise ImapError(
                        f"{self.where}: the server ended the session: {got.decode('utf-8', 'replace')}"
                    )
                if got.endswith((b"EXISTS", b"RECENT")):
                    news = True
                    break
            sock.sendall(b"DONE\r\n")
            end = clock() + self.settings.timeout
            while True:
                got = line(end)
                if got is None:
                    raise ImapError(f"{self.where}: no answer to DONE")
                if got.startswith(tag):
                    break
        except OSError as exc:
            raise ImapError(f"{self.where}: connection lost during IDLE: {exc}") from None
        finally:
            sock.settimeout(self.settings.timeout)
        return news

    def noop(self) -> None:
        """Keep the session alive and let the server report changes."""
        conn = self._conn()
        self._run("NOOP", conn.noop)

    def close(self) -> None:
        """Log out (best effort) and drop the connection."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError, ssl.SSLError):
            with contextlib.suppress(OSError):
                conn.shutdown()


__all__ = ["ImapAuthError", "ImapClient", "ImapError", "ImapTLSError"]
