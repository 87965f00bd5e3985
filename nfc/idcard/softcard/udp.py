"""Carry a :class:`SoftwareCard` over nfcpy's ``udp`` driver.

The emulator listens as an ISO 14443-4 Type A target (SEL_RES 0x20) or Type
B target, answers RATS with an ATS (or ATTRIB with its answer) and then runs
the card side of the ISO-DEP block protocol (I-block chaining, R(ACK),
DESELECT) on top of ``clf.exchange``. A reader on ``udp:HOST:PORT``
activates it through nfcpy's real Type4ATag / Type4BTag stack, so this
exercises the same code path as a USB reader.
"""

from __future__ import annotations

import socket
import threading
import time

from .card import SoftwareCard

#: ATS: TL, T0 (TA/TB/TC present, FSCI 8 = 256 bytes), TA (106 kbps only),
#: TB (FWI 14, SFGI 0: ~5 s frame waiting time so slow test machines never
#: trip nfcpy's retry logic), TC (no NAD, no CID).
ATS = bytes([0x05, 0x78, 0x80, 0xE0, 0x02])
#: SENSB_RES: 50, NFCID0, application data, then protocol info: bit rate,
#: FSCI 8 with ISO 14443-4 support (81), FWI 14 (E1, see ATS above).
SENSB_RES = bytes.fromhex("50A1B2C3D400000000" "0081E1")
_FSD = (16, 24, 32, 40, 48, 64, 96, 128, 256)


def free_udp_port(host: str = "127.0.0.1") -> int:
    """Ask the OS for a currently unused UDP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class UdpCardEmulator:
    """Serve ``card`` on ``udp:host:port`` from a background thread.

    Every wait is bounded: listening polls a stop flag, and an activated
    session ends after ``idle_timeout`` seconds without a command, on RFOFF
    from the reader, or on DESELECT.
    """

    def __init__(self, card: SoftwareCard, *, host: str = "127.0.0.1",
                 port: int | None = None, idle_timeout: float = 5.0,
                 sel_res: int = 0x20, technology: str = "A") -> None:
        if technology not in ("A", "B"):
            raise ValueError("technology must be 'A' or 'B'")
        self.technology = technology
        self.card = card
        # SEL_RES 0x20 announces ISO-DEP; 0x00 makes a Type 2 (memory) tag,
        # which lets tests check the "not an ISO-DEP card" error.
        self.sel_res = sel_res
        self.host = host
        self.port = port or free_udp_port(host)
        self.idle_timeout = idle_timeout
        self.sessions = 0
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> str:
        """nfcpy device path for the reader side."""
        return f"udp:{self.host}:{self.port}"

    def __enter__(self) -> UdpCardEmulator:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self, ready_timeout: float = 5.0) -> UdpCardEmulator:
        """Start serving; returns once the listener is set up."""
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"softcard-udp-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + ready_timeout
        self._ready.wait(ready_timeout)
        # nfcpy binds the port inside listen(); a SENS_REQ sent earlier is
        # lost and costs the reader a one-second sense timeout. Probe until
        # the port is taken (a probe that wins is released at once, and the
        # listener simply retries).
        while time.monotonic() < deadline and not self.errors:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("0.0.0.0", self.port))
                except OSError:
                    break
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish and wait for it (bounded)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        import nfc.clf

        import nfc

        try:
            clf = nfc.ContactlessFrontend(f"udp:{self.host}:{self.port}")
        except BaseException as exc:  # report to the test, never hang
            self.errors.append(exc)
            self._ready.set()
            return
        if self.technology == "A":
            target = nfc.clf.LocalTarget("106A")
            target.sens_res = bytearray.fromhex("4400")
            target.sdd_res = bytearray.fromhex("08A1B2C3")
            target.sel_res = bytearray([self.sel_res])
        else:
            target = nfc.clf.LocalTarget("106B")
            target.sensb_res = bytearray(SENSB_RES)
        self._ready.set()
        try:
            while not self._stop.is_set():
                activated = clf.listen(target, 0.5)
                if activated is None or not activated.tt4_cmd:
                    continue
                self._session(clf, bytes(activated.tt4_cmd))
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            clf.close()

    def _session(self, clf, first: bytes) -> None:
        import nfc.clf

        if len(first) >= 2 and first[0] == 0xE0:  # RATS, FSDI in bits 8-5
            fsdi, response = first[1] >> 4, ATS
        elif len(first) >= 9 and first[0] == 0x1D:  # ATTRIB, FSDI in param 2
            fsdi, response = first[6] & 0x0F, b"\x00"  # MBLI 0, CID 0
        else:
            return
        self.sessions += 1
        self.card.reset()
        max_inf = _FSD[min(fsdi, 8)] - 3  # minus PCB and CRC
        pending: list[bytes] = []   # response chunks still to send
        command = bytearray()       # command chunks received so far
        last = response
        while not self._stop.is_set():
            try:
                frame = clf.exchange(response, self.idle_timeout)
            except (nfc.clf.BrokenLinkError, nfc.clf.TimeoutError):
                return
            except nfc.clf.CommunicationError:
                response = None
                continue
            if not frame:
                return
            pcb = frame[0]
            block = pcb & 1
            if pcb & 0xE2 == 0x02:  # I-block
                command += frame[1:]
                if pcb & 0x10:
                    response = bytes([0xA2 | block])  # ACK, more to come
                    continue
                answer = self.card.process(bytes(command))
                command = bytearray()
                pending = [answer[i:i + max_inf]
                           for i in range(0, len(answer), max_inf)] or [b""]
                response = self._next_chunk(pending, block)
            elif pcb & 0xF6 == 0xA2:  # R(ACK): reader wants the next chunk
                response = (self._next_chunk(pending, block) if pending
                            else last)
            elif pcb & 0xF6 == 0xB2:  # R(NAK): resend or acknowledge
                response = last if last[0] & 1 == block else \
                    bytes([0xA2 | (block ^ 1)])
            elif pcb & 0xF7 == 0xC2:  # S(DESELECT)
                clf.exchange(bytes([pcb]), 0)
                return
            else:
                response = None
            if response is not None:
                last = response

    @staticmethod
    def _next_chunk(pending: list[bytes], block: int) -> bytes:
        chunk = pending.pop(0)
        more = 0x10 if pending else 0x00
        return bytes([0x02 | more | block]) + chunk
