"""
Runs a command in a real pseudo-terminal of `--cols` columns and prints {"output", "code"} as
JSON: every byte it wrote to the terminal (decoded as UTF-8) and its exit code. Used by
test/daemon/daemon.test.ts to compare what a terminal shows with and without the daemon.
"""
import argparse, fcntl, json, os, pty, struct, sys, termios, time
from ptyChunks import read_chunk

parser = argparse.ArgumentParser()
parser.add_argument('--cols', type=int, default=100)
parser.add_argument('--timeout', type=float, default=60)
parser.add_argument('command', nargs=argparse.REMAINDER)
args = parser.parse_args()
command = args.command[1:] if args.command[:1] == ['--'] else args.command

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 30, args.cols, 0, 0))
output = b''
deadline = time.time() + args.timeout
while time.time() < deadline:
    chunk = read_chunk(fd)
    if chunk is None:
        break
    output += chunk
_, status = os.waitpid(pid, 0)
json.dump({'output': output.decode('utf-8', 'replace'), 'code': os.waitstatus_to_exitcode(status)}, sys.stdout)
