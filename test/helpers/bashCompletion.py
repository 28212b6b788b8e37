"""
Types lines into a real interactive bash (readline, in a pseudo-terminal), each ending with the
Tab presses to try, with orch's completion loaded (`source <(orch completion bash)`), and prints
as JSON, for each line, `line`: the command line after the Tabs, and `shown`: all the terminal
showed meanwhile (what Tab listed). After its Tabs, each line is printed rather than run (Ctrl-A,
`echo 'LINE[`, Ctrl-E, `]'`, Enter), and the next starts at a fresh prompt. Used by test/cli/completion.test.ts: bash splits `--opt=value` at `=` itself
(COMP_WORDBREAKS), which a test that sets COMP_WORDS by hand cannot show. Python's pty module,
since Node has none.
"""
import json, os, pty, re, sys, time
from ptyChunks import read_chunk

PROMPT = re.compile(rb'[\r\n]\$ $')
lines = json.loads(sys.argv[1])

pid, fd = pty.fork()
if pid == 0:
    os.execvp('bash', ['bash', '--norc', '--noprofile', '-i'])

def read_until_prompt(timeout=60):
    out = b''
    deadline = time.time() + timeout
    while time.time() < deadline:
        chunk = read_chunk(fd)
        if chunk is None:
            break
        out += chunk
        if PROMPT.search(out):
            return out
    raise SystemExit('bash did not come back to its prompt; it showed: ' + out.decode('utf-8', 'replace'))

os.write(fd, b'bind "set enable-bracketed-paste off"; PS1="$ "; source <(orch completion bash)\n')
read_until_prompt()
shown = []
for line in lines:
    os.write(fd, line.encode() + b"\x01echo 'LINE[\x05]'\n")
    output = read_until_prompt().decode('utf-8', 'replace')
    shown.append({'line': re.findall(r'LINE\[(.*)\]\r\n', output)[-1], 'shown': output})
os.kill(pid, 9)
os.waitpid(pid, 0)
json.dump(shown, sys.stdout)
