"""APDU transports: one ``transceive(apdu) -> response`` interface.

:class:`NfcpyTransport` talks to a real ISO 14443-4 (Type A or B) card on a
reader opened by nfcpy, or to a software card over nfcpy's ``udp`` driver.
The in-process software card transport lives in :mod:`idcard.softcard`.
"""

from __future__ import annotations

import errno
import time
from typing import Protocol, runtime_checkable

from .errors import CardRemovedError, NoCardError, NoReaderError, NotIsoDepError, TransportError


@runtime_checkable
class Transport(Protocol):
    """Anything that carries one command APDU and returns the response."""

    #: True when the other end is the software card, never a real chip.
    simulated: bool

    # Optional, read with getattr by the reader (not part of the protocol so
    # that minimal transports stay valid):
    #   extended_length: bool - the reader and driver carry extended-length
    #       APDUs (the chip's own support is detected separately);
    #   historical_bytes: bytes | None - ATR/ATS historical bytes, which may
    #       state the chip's card capabilities.

    def transceive(self, apdu: bytes) -> bytes:
        """Send ``apdu`` and return the response APDU (data + SW1 SW2)."""
        ...


class CountingTransport:
    """Wrap a transport and count the APDUs that pass through it."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.count = 0
        self.simulated = bool(getattr(inner, "simulated", False))

    @property
    def extended_length(self) -> bool | None:
        """Whether the wrapped transport carries extended-length APDUs."""
        return getattr(self.inner, "extended_length", None)

    @property
    def historical_bytes(self) -> bytes | None:
        """The wrapped transport's historical bytes, if it knows them."""
        return getattr(self.inner, "historical_bytes", None)

    def transceive(self, apdu: bytes) -> bytes:
        """Forward ``apdu`` and count it."""
        self.count += 1
        return self.inner.transceive(apdu)


class NfcpyTransport:
    """ISO-DEP transport over nfcpy (USB readers, or ``udp`` for tests).

    ``path`` is an nfcpy device path such as ``usb``, ``usb:054c:06c3`` or
    ``udp:127.0.0.1:54321``. ``timeout`` bounds each command, ``wait``
    bounds the search for a card. Use as a context manager or call
    :meth:`connect` and :meth:`close`.

    Extended-length APDUs: nfcpy 1.0.4's ``Tag.transceive`` sends any APDU
    through ISO-DEP block chaining, cutting it into frames no larger than
    the card's FSC (already lowered to what the driver can send) and joining
    chained answers, so APDU size is not bound by the frame size. nfcpy's
    own ``_extended_length_support`` flag only shapes its ``send_apdu``
    helper, which is not used here. ``extended_length=False`` keeps the
    reader on short APDUs for a reader that misbehaves anyway. nfcpy does
    not keep the RATS answer, so no historical bytes are available.
    """

    #: nfcpy 1.0.4 discards the ATS after activation.
    historical_bytes: bytes | None = None

    def __init__(self, path: str = "usb", *, timeout: float = 2.0,
                 wait: float = 10.0, extended_length: bool = True) -> None:
        self.path = path
        self.timeout = timeout
        self.wait = wait
        self.extended_length = extended_length
        # The udp driver only ever reaches the software card emulator.
        self.simulated = path.startswith("udp")
        self._clf = None
        self._tag = None

    def __enter__(self) -> NfcpyTransport:
        return self.connect()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self) -> NfcpyTransport:
        """Open the reader and activate the first ISO-DEP card found."""
        import nfc.clf
        import nfc.tag
        import nfc.tag.tt4

        import nfc

        try:
            self._clf = nfc.ContactlessFrontend(self.path)
        except OSError as exc:
            if exc.errno == errno.ENODEV:
                raise NoReaderError(
                    f"no contactless reader found at {self.path!r}") from exc
            raise NoReaderError(
                f"reader at {self.path!r} cannot be opened: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise NoReaderError(f"invalid reader path {self.path!r}") from exc
        deadline = time.monotonic() + self.wait
        try:
            while True:
                tag = self._activate(nfc, deadline)
                if tag is not None:
                    break
                if time.monotonic() >= deadline:
                    raise NoCardError(
                        f"no card presented within {self.wait:g} s")
        except BaseException:
            self.close()
            raise
        if not isinstance(tag, nfc.tag.tt4.Type4Tag):
            self.close()
            raise NotIsoDepError(f"card {tag} is not an ISO-DEP (ISO 14443-4)"
                                 " card; identity documents are")
        self._tag = tag
        return self

    def _activate(self, nfc, deadline: float):
        try:
            target = self._clf.sense(nfc.clf.RemoteTarget("106A"),
                                     nfc.clf.RemoteTarget("106B"),
                                     iterations=1)
        except OSError as exc:
            raise NoReaderError(f"reader stopped working: {exc}") from exc
        if target is None:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
            return None
        # activate() returns None when the card leaves during RATS/ATTRIB;
        # the caller simply senses again until the deadline.
        return nfc.tag.activate(self._clf, target)

    @property
    def max_frame_size(self) -> int | None:
        """Information bytes per ISO-DEP frame nfcpy uses (FSC minus PCB
        and CRC), or None before a card is connected."""
        dep = getattr(self._tag, "_dep", None)
        return getattr(dep, "miu", None)

    def transceive(self, apdu: bytes) -> bytes:
        """Exchange one APDU with the activated card."""
        import nfc.clf
        import nfc.tag

        if self._tag is None:
            raise TransportError("no card is connected")
        try:
            response = self._tag.transceive(bytearray(apdu), self.timeout)
        except nfc.tag.TagCommandError as exc:
            raise CardRemovedError(f"card stopped answering: {exc}") from exc
        except nfc.clf.CommunicationError as exc:
            raise CardRemovedError(f"card stopped answering: {exc}") from exc
        except OSError as exc:
            raise NoReaderError(f"reader stopped working: {exc}") from exc
        if response is None or len(response) < 2:
            raise CardRemovedError("card returned no status word")
        return bytes(response)

    def close(self) -> None:
        """Release the card and the reader."""
        self._tag = None
        if self._clf is not None:
            try:
                self._clf.close()
            finally:
                self._clf = None
