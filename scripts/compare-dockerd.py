#!/usr/bin/env python3
"""Replays the command transcripts of docs/reference/dockerd-local-commands.md against a running imaged
and prints, per command, where its stdout/stderr/exit code differ from what the reference dockerd answered.

IDs, times and sizes of the daemon directory differ per run by nature; they are normalised before comparing.
Image IDs named literally in a command are translated: the IDs in a reference answer are paired with the IDs
at the same place in imaged's answer, and later commands use imaged's.

With --api 1.41 every raw request goes to /v1.41/... and the CLI is pinned to 1.41 (DOCKER_API_VERSION), so
the answers are compared at the version the reference daemon speaks; without it imaged answers at 1.50.

usage: scripts/compare-dockerd.py SOCKET [WORKDIR] [--until 'section title'] [--only-diff] [--api 1.41]
"""
import os, re, subprocess, sys, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSCRIPT = os.path.join(HERE, '..', 'docs', 'reference', 'dockerd-local-commands.md')


def parse(path):
    lines = open(path).read().split('\n')
    entries, section, i = [], '', 0
    def block(i):
        # lines[i] is 'stdout:' / 'stderr:' followed by ``` block or '(empty)'
        head = lines[i]
        if head.endswith('(empty)'):
            return '', i + 1
        assert lines[i + 1].startswith('```'), (i, lines[i + 1])
        j = i + 2
        out = []
        while not lines[j].startswith('```'):
            out.append(lines[j]); j += 1
        return '\n'.join(out) + '\n', j + 1
    while i < len(lines):
        l = lines[i]
        if l.startswith('## '):
            section = l[3:]
        if l == '```console':
            cmd = lines[i + 1][2:]
            i += 3
            while not lines[i].startswith('stdout:'): i += 1
            out, i = block(i)
            while not lines[i].startswith('stderr:'): i += 1
            err, i = block(i)
            while not lines[i].startswith('exit code:'): i += 1
            rc = int(lines[i].split(':')[1])
            entries.append(dict(section=section, cmd=cmd, out=out, err=err, rc=rc))
        i += 1
    return entries


def make_rootfs(work):
    def f(p, content, mode=0o644):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, 'w').write(content); os.chmod(p, mode)
    r = os.path.join(work, 'rootfs')
    f(f'{r}/etc/hello.txt', 'hello\n')
    f(f'{r}/data/sub/file.txt', 'file\n')
    f(f'{r}/bin/sh', '#!/bin/true\nexit 0\n'[:18], 0o755)
    os.link(f'{r}/etc/hello.txt', f'{r}/data/hardlink')
    os.symlink('../etc/hello.txt', f'{r}/data/link')
    r2 = os.path.join(work, 'rootfs2')
    f(f'{r2}/opt/two.txt', 'two two two!\n')
    os.symlink('two.txt', f'{r2}/opt/two-link')
    r3 = os.path.join(work, 'rootfs3')
    f(f'{r3}/srv/three.txt', 'three\n')
    subprocess.run(['find', work, '-exec', 'touch', '-h', '-d', '2024-01-01 00:00', '{}', '+'], check=True)


HEX64 = re.compile(r'[0-9a-f]{64}')
HEX12 = re.compile(r'\b[0-9a-f]{12}\b')


VOLATILE_HEADERS = ('date', 'server', 'api-version', 'content-length', 'transfer-encoding', 'swarm', 'connection')


def normalise_http(s):
    """curl -i output: the status code, the headers that carry meaning (sorted), then the body."""
    head, sep, body = s.partition('\n\n')
    lines = head.split('\n')
    status = ' '.join(lines[0].split(' ')[:2])
    headers = sorted(l.lower().replace('; charset=utf-8', '').replace(';charset=utf-8', '')
                     for l in lines[1:] if l.split(':')[0].lower() not in VOLATILE_HEADERS)
    return '\n'.join([status] + headers) + sep + body.rstrip('\n') + '\n'


def normalise(s):
    if s.startswith('HTTP/1.1 '):
        s = normalise_http(s)
    s = HEX64.sub('<ID>', s)
    s = HEX12.sub('<ID12>', s)
    s = re.sub(r'(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?)) ago', '<AGO>', s)
    s = re.sub(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)', '<TIME>', s)
    s = re.sub(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} UTC', '<TIME>', s)
    s = re.sub(r'"(Created|LastTagTime)":\s?\d{9,}', r'"\1":<TS>', s)
    s = re.sub(r'^Date: .*$', 'Date: <DATE>', s, flags=re.M)
    s = re.sub(r'^Content-Length: .*$', 'Content-Length: <N>', s, flags=re.M)
    s = re.sub(r' +$', '', s, flags=re.M)
    s = re.sub(r'  +', '  ', s)  # table columns are as wide as their widest cell
    return s


def learn(ref, mine, ids):
    a, b = HEX64.findall(ref), HEX64.findall(mine)
    for x, y in zip(a, b):
        ids.setdefault(x, y)


def translate(cmd, ids):
    for x, y in ids.items():
        cmd = cmd.replace(x, y).replace(x[:12], y[:12])
    return cmd


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    only_diff = '--only-diff' in sys.argv
    until = None
    if '--until' in sys.argv:
        until = sys.argv[sys.argv.index('--until') + 1]
        args.remove(until)
    api = None
    if '--api' in sys.argv:
        api = sys.argv[sys.argv.index('--api') + 1]
        args.remove(api)
    sock = os.path.abspath(args[0])
    work = args[1] if len(args) > 1 else '/tmp/imaged-compare'
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    make_rootfs(work)
    env = dict(os.environ, DOCKER_HOST='unix://' + sock, TZ='UTC')
    env.pop('DOCKER_API_VERSION', None)
    if api:
        env['DOCKER_API_VERSION'] = api
    ids, differing = {}, 0
    for e in parse(TRANSCRIPT):
        if until and e['section'].startswith(until):
            break
        cmd = translate(e['cmd'], ids).replace('/tmp/refd/docker.sock', sock).replace('/tmp/work', work)
        if api:
            cmd = re.sub(r"http://localhost/(?!v\d)", f"http://localhost/v{api}/", cmd)
        p = subprocess.run(['bash', '-c', cmd], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        out = p.stdout.replace('\r\n', '\n')
        learn(e['out'] + e['err'], out + p.stderr, ids)
        same = (normalise(e['out']) == normalise(out), normalise(e['err']) == normalise(p.stderr), e['rc'] == p.returncode)
        if all(same) and only_diff:
            continue
        differing += not all(same)
        print(f"\n=== [{e['section']}] $ {e['cmd']}  {'OK' if all(same) else 'DIFF'}")
        if not same[0]:
            print('--- stdout dockerd\n' + e['out'] + '--- stdout imaged\n' + out, end='')
        if not same[1]:
            print('--- stderr dockerd\n' + e['err'] + '--- stderr imaged\n' + p.stderr, end='')
        if not same[2]:
            print(f"--- exit code dockerd {e['rc']}, imaged {p.returncode}")
    print(f'{differing} commands differ')


if __name__ == '__main__':
    main()
