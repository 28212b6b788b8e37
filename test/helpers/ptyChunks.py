"""What test/helpers/ptyRun.py and bashCompletion.py share: reading a pseudo-terminal a bit at a time."""
import os, select


def read_chunk(fd, wait=0.05):
    """The bytes the terminal has now: b'' when none came within `wait` seconds, None once it is closed."""
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return b''
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return None
    return chunk or None
