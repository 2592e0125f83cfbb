"""How xcat-services tells a live xcatd from a hung one, against real sockets on
loopback: the kernel completes a TCP connection for a stopped process, so only a
TLS handshake shows whether xcatd itself answers."""

import socket
import threading
import time

from xcatha_ocf.runtime import xcat


def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    return server


def test_a_port_whose_process_never_answers_is_silence_within_the_timeout():
    server = listener()          # listening, never accepting: what SIGSTOP leaves
    try:
        began = time.monotonic()
        silence = xcat.xcatd_silence(server.getsockname()[1], 1)
        assert time.monotonic() - began < 3
        assert silence == ("xcatd does not answer on port %d: no TLS handshake within 1s (hung?)"
                           % server.getsockname()[1])
    finally:
        server.close()


def test_any_tls_answer_counts_even_a_refusal():
    server = listener()

    def answer():
        connection, _ = server.accept()
        connection.recv(4096)                         # the ClientHello
        connection.sendall(b"\x15\x03\x03\x00\x02\x02\x28")   # a TLS alert: handshake failure
        time.sleep(0.5)
        connection.close()

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        assert xcat.xcatd_silence(server.getsockname()[1], 5) is None
    finally:
        thread.join()
        server.close()


def test_nothing_listening_is_named():
    server = listener()
    port = server.getsockname()[1]
    server.close()
    assert xcat.xcatd_silence(port, 1) == "xcatd does not answer on port %d: Connection refused" % port


def test_failover_waits_for_the_handshake_not_for_a_connection():
    from xcatha_ocf.ops.commands import xcatd_handshake
    server = listener()          # TCP connections succeed, nothing answers
    try:
        assert xcatd_handshake("127.0.0.1", server.getsockname()[1], 0.5) == \
            "no TLS handshake within 0.5s (hung?)"
    finally:
        server.close()
