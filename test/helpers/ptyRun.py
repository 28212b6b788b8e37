"""
Runs a command in a real pseudo-terminal of a given size, resizes it once the output shows
`--resize-when` (TIOCSWINSZ on the terminal, then SIGWINCH to the command, as a terminal
emulator does), creates `--release` once the output after the resize shows `--release-when`,
and prints {"output", "resizedAt", "code"} as JSON: the raw bytes written to the terminal
(decoded as UTF-8), the offset in them where the resize happened, and the exit code.
Used by test/cli/liveView.test.ts; Python's pty module, since Node has none.
"""
import argparse, fcntl, json, os, pty, re, signal, struct, sys, termios, time
from ptyChunks import read_chunk

parser = argparse.ArgumentParser()
parser.add_argument('--cols', type=int, required=True)
parser.add_argument('--rows', type=int, default=30)
parser.add_argument('--resize-when', required=True)
parser.add_argument('--new-cols', type=int, required=True)
parser.add_argument('--release-when', required=True)
parser.add_argument('--release', required=True)
parser.add_argument('--timeout', type=float, default=60)
parser.add_argument('command', nargs=argparse.REMAINDER)
args = parser.parse_args()
if args.command[:1] == ['--']:
    args.command = args.command[1:]

def set_size(fd, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', args.rows, cols, 0, 0))

pid, fd = pty.fork()
if pid == 0:
    os.execvp(args.command[0], args.command)

set_size(fd, args.cols)
output = b''
resized_at = None
released = False
deadline = time.time() + args.timeout
while time.time() < deadline:
    chunk = read_chunk(fd)
    if chunk is None:
        break
    output += chunk
    text = output.decode('utf-8', 'replace')
    if resized_at is None and re.search(args.resize_when, text):
        resized_at = len(text)
        set_size(fd, args.new_cols)
        os.kill(pid, signal.SIGWINCH)
    elif resized_at is not None and not released and re.search(args.release_when, text[resized_at:]):
        open(args.release, 'w').close()
        released = True
else:
    os.kill(pid, signal.SIGKILL)

_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
json.dump({'output': output.decode('utf-8', 'replace'), 'resizedAt': resized_at, 'code': code}, sys.stdout)
